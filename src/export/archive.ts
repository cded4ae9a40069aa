/**
 * The mailbox archive of `ewsd export` / `ewsd import`: a folder tree and its items, each item as
 * the same item stream ExportItems returns (docs/export-format.md section 6). Pure format code:
 * the CLI does the file I/O.
 *
 *   header  = "EWSDARCH" u16 version (1) u16 flags (0) u32 reserved (0)        16 bytes
 *   record  = u8 kind, 3 bytes 0, u32 metaLength, u32 dataLength, meta (UTF-8 JSON), data
 *   kind 1  folder: meta {id, path: [names from the top of the mailbox], distinguished?, folderClass}
 *   kind 2  item:   meta {folder: id of a folder record before it}, data = one item stream
 *   kind 3  end:    meta {folders, items, mailbox, exportedAt}; nothing may follow
 *
 * An archive without its end record was cut short: what precedes it is still readable, and the
 * reader says so. Each item stream carries its own length and CRC-32.
 */
export const ARCHIVE_MAGIC = Buffer.from('EWSDARCH', 'ascii');
export const ARCHIVE_VERSION = 1;
export const ARCHIVE_HEADER_SIZE = 16;
export const RECORD_HEADER_SIZE = 12;
/** Bounds a reader enforces before allocating: meta is small JSON, data one item stream. */
export const MAX_META_BYTES = 1024 * 1024;
export const MAX_DATA_BYTES = 64 * 1024 * 1024;

export const RecordKind = { Folder: 1, Item: 2, End: 3 } as const;

export interface FolderMeta {
  id: number;
  path: string[];
  distinguished?: string;
  folderClass: string | null;
}

export interface ItemMeta {
  folder: number;
}

export interface EndMeta {
  folders: number;
  items: number;
  mailbox: string;
  exportedAt: string;
}

export type ArchiveRecord =
  | { kind: typeof RecordKind.Folder; meta: FolderMeta }
  | { kind: typeof RecordKind.Item; meta: ItemMeta; data: Buffer }
  | { kind: typeof RecordKind.End; meta: EndMeta };

export class ArchiveError extends Error {
  constructor(message: string, readonly offset: number) {
    super(`${message} (at byte ${offset})`);
  }
}

export function archiveHeader(): Buffer {
  const h = Buffer.alloc(ARCHIVE_HEADER_SIZE);
  ARCHIVE_MAGIC.copy(h, 0);
  h.writeUInt16LE(ARCHIVE_VERSION, 8);
  return h;
}

export function isArchive(head: Buffer): boolean {
  return head.length >= 8 && head.subarray(0, 8).equals(ARCHIVE_MAGIC);
}

export function checkArchiveHeader(h: Buffer): void {
  if (h.length < ARCHIVE_HEADER_SIZE || !isArchive(h)) throw new ArchiveError('not an ewsd archive (no EWSDARCH header)', 0);
  const version = h.readUInt16LE(8);
  if (version !== ARCHIVE_VERSION) throw new ArchiveError(`archive format version ${version}; this ewsd reads version ${ARCHIVE_VERSION}`, 8);
  if (h.readUInt16LE(10) !== 0) throw new ArchiveError('archive flags are not understood', 10);
}

export function encodeRecord(record: ArchiveRecord): Buffer {
  const meta = Buffer.from(JSON.stringify(record.meta), 'utf8');
  const data = record.kind === RecordKind.Item ? record.data : Buffer.alloc(0);
  const head = Buffer.alloc(RECORD_HEADER_SIZE);
  head.writeUInt8(record.kind, 0);
  head.writeUInt32LE(meta.length, 4);
  head.writeUInt32LE(data.length, 8);
  return Buffer.concat([head, meta, data]);
}

/** Lengths of the record whose 12-byte header is given; throws on a header no writer produces. */
export function recordLengths(head: Buffer, offset: number): { kind: number; metaLength: number; dataLength: number } {
  const kind = head.readUInt8(0);
  if (kind < RecordKind.Folder || kind > RecordKind.End || head.readUInt8(1) !== 0 || head.readUInt16LE(2) !== 0) {
    throw new ArchiveError(`unknown archive record kind ${kind}`, offset);
  }
  const metaLength = head.readUInt32LE(4);
  const dataLength = head.readUInt32LE(8);
  if (metaLength > MAX_META_BYTES) throw new ArchiveError(`record metadata of ${metaLength} bytes exceeds ${MAX_META_BYTES}`, offset);
  if (dataLength > MAX_DATA_BYTES) throw new ArchiveError(`record data of ${dataLength} bytes exceeds ${MAX_DATA_BYTES}`, offset);
  if (kind !== RecordKind.Item && dataLength !== 0) throw new ArchiveError('only item records carry data', offset);
  return { kind, metaLength, dataLength };
}

export function decodeRecord(kind: number, meta: Buffer, data: Buffer, offset: number): ArchiveRecord {
  let parsed: unknown;
  try {
    parsed = JSON.parse(meta.toString('utf8'));
  } catch {
    throw new ArchiveError('record metadata is not JSON', offset);
  }
  if (typeof parsed !== 'object' || parsed === null) throw new ArchiveError('record metadata is not an object', offset);
  const m = parsed as Record<string, unknown>;
  if (kind === RecordKind.Folder) {
    const path = m.path;
    if (typeof m.id !== 'number' || !Array.isArray(path) || !path.every((p) => typeof p === 'string' && p !== '')) {
      throw new ArchiveError('folder record needs a numeric id and a path of names', offset);
    }
    const folder: FolderMeta = { id: m.id, path: path as string[], folderClass: typeof m.folderClass === 'string' ? m.folderClass : null };
    if (typeof m.distinguished === 'string') folder.distinguished = m.distinguished;
    return { kind, meta: folder };
  }
  if (kind === RecordKind.Item) {
    if (typeof m.folder !== 'number') throw new ArchiveError('item record needs the id of its folder', offset);
    return { kind, meta: { folder: m.folder }, data };
  }
  return { kind: RecordKind.End, meta: m as unknown as EndMeta };
}
