import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { Command } from 'commander';
import type { Folder } from '../domain/folder.js';
import type { Mailbox } from '../domain/mailbox.js';
import type { NewItem } from '../domain/item.js';
import { ArchiveError, checkArchiveHeader, decodeRecord, isArchive, RecordKind, recordLengths, ARCHIVE_HEADER_SIZE, RECORD_HEADER_SIZE, type ArchiveRecord } from '../export/archive.js';
import { messageToItem } from '../export/item-mapping.js';
import { decodeItemStream, ItemStreamError } from '../export/item-stream.js';
import { EwsError } from '../ews/errors.js';
import { itemFromMime, keptWithMime } from '../items/mime-mapping.js';
import type { ItemUpload, Store } from '../store/store.js';
import { ensurePath, findFolder, splitPath, topFolder } from './folder-paths.js';
import { emlDirectorySize, readEmlDirectory, readMbox } from './mail-sources.js';
import { CliError, dataOption, openStore } from './options.js';
import { formatBytes, formatRate, plural, Progress } from './progress.js';

/** A batch is one store transaction: big enough to amortise the commit, small enough to bound memory. */
const BATCH_ITEMS = 100;
const BATCH_BYTES = 32 * 1024 * 1024;

/**
 * `ewsd import EMAIL --in FILE [--folder NAME]`: an ewsd archive (folder tree included), an mbox
 * file or a directory of .eml files. Resumable: each source item is recorded with an import key
 * (SHA-256 of its bytes + how many identical items came before it in this source) in the same
 * transaction as the item, and an item whose key is already recorded for its folder is skipped.
 * See docs/export-format.md section 7 for why this key.
 */
export function importCommand(): Command {
  return new Command('import')
    .description('import an ewsd archive, an mbox file or a directory of .eml files into a mailbox (rerun to resume)')
    .argument('<email>', 'the mailbox')
    .requiredOption('--in <path>', 'archive file, mbox file or directory of .eml files')
    .option('--folder <name>', 'target folder (created if missing); for archives, the tree is recreated below it')
    .addOption(dataOption())
    .action(async (email: string, opts: { in: string; folder?: string; data: string }) => {
      // An import writes batch after batch, as the server does: checkpoints go to their own thread.
      const store = openStore(opts.data, { checkpointThread: true });
      try {
        const s = await importInto(store, email, opts.in, opts.folder);
        const extra = [s.skipped ? `${s.skipped} already imported` : '', s.failed ? `${s.failed} failed` : ''].filter(Boolean).join(', ');
        process.stderr.write(
          `imported ${plural(s.imported, 'item')}${extra ? ` (${extra})` : ''} into ${plural(s.folders, 'folder')} of ${email} from ${opts.in}: ${formatBytes(s.bytes)} in ${(s.ms / 1000).toFixed(1)} s (${formatRate(s.bytes, s.ms)})\n`,
        );
        if (s.warning) process.stderr.write(`ewsd: ${s.warning}\n`);
        if (s.failed) process.exitCode = 2;
      } finally {
        await store.close();
      }
    });
}

export interface ImportSummary {
  imported: number;
  skipped: number;
  failed: number;
  folders: number;
  bytes: number;
  ms: number;
  warning?: string;
}

interface Pending {
  folder: Folder;
  upload: ItemUpload;
  origin: string;
  bytes: number;
}

export async function importInto(store: Store, email: string, source: string, folderName: string | undefined): Promise<ImportSummary> {
  const account = await store.accountByEmail(email.toLowerCase());
  if (!account) throw new CliError(`no user ${email}`);
  let stat;
  try {
    stat = statSync(source);
  } catch {
    throw new CliError(`cannot read ${source}`);
  }
  const run = new ImportRun(store, account, stat.isDirectory() ? emlDirectorySize(source) : stat.size);
  if (stat.isDirectory()) {
    const folder = await targetFolder(store, account, folderName ?? 'inbox');
    for (const m of readEmlDirectory(source)) await run.add(folder, () => fromMime(m.raw, account), m.raw, m.origin, m.position);
  } else if (isArchive(readHead(source))) {
    await importArchive(run, store, account, source, folderName);
  } else {
    const folder = await targetFolder(store, account, folderName ?? 'inbox');
    try {
      for (const m of readMbox(source)) await run.add(folder, () => fromMime(m.raw, account, m.receivedAt), m.raw, m.origin, m.position);
    } catch (err) {
      if (err instanceof Error && /is not an mbox file/.test(err.message)) throw new CliError(`${source} is neither an ewsd archive nor an mbox file`);
      throw err;
    }
  }
  return run.finish();
}

async function targetFolder(store: Store, account: Mailbox, name: string): Promise<Folder> {
  const found = await findFolder(store, account.id, name);
  if (found) return found;
  return ensurePath(store, account.id, await topFolder(store, account.id), splitPath(name), 'IPF.Note');
}

async function importArchive(run: ImportRun, store: Store, account: Mailbox, source: string, folderName: string | undefined): Promise<void> {
  const base = folderName ? await targetFolder(store, account, folderName) : undefined;
  const top = await topFolder(store, account.id);
  const folders = new Map<number, Folder>();
  let ended = false;
  for (const { record, position, offset } of readArchive(source)) {
    if (ended) throw new CliError(`${source}: data after the end record (at byte ${offset})`);
    if (record.kind === RecordKind.Folder) {
      const { meta } = record;
      const distinguished = !base && meta.distinguished ? await store.distinguishedFolder(account.id, meta.distinguished) : undefined;
      folders.set(meta.id, distinguished ?? (await ensurePath(store, account.id, base ?? top, meta.path, meta.folderClass)));
    } else if (record.kind === RecordKind.Item) {
      const folder = folders.get(record.meta.folder);
      if (!folder) throw new CliError(`${source}: item at byte ${offset} names folder ${record.meta.folder}, which no record before it defines`);
      const data = record.data;
      await run.add(folder, () => messageToItem(decodeItemStream(data)), data, `${source}:${offset}`, position);
    } else {
      ended = true;
    }
  }
  if (!ended) run.warning = `${source} ends without its end record: the export was cut short; everything it holds was imported`;
}

function readHead(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(16);
    const n = readSync(fd, b, 0, 16, 0);
    return b.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** Archive records in file order; a record cut off by the end of the file ends the sequence. */
function* readArchive(path: string): Generator<{ record: ArchiveRecord; offset: number; position: number }> {
  const fd = openSync(path, 'r');
  try {
    const read = (length: number, at: number): Buffer => {
      const b = Buffer.allocUnsafe(length);
      let got = 0;
      while (got < length) {
        const n = readSync(fd, b, got, length - got, at + got);
        if (n === 0) break;
        got += n;
      }
      return b.subarray(0, got);
    };
    try {
      checkArchiveHeader(read(ARCHIVE_HEADER_SIZE, 0));
    } catch (err) {
      if (err instanceof ArchiveError) throw new CliError(`${path}: ${err.message}`);
      throw err;
    }
    for (let at = ARCHIVE_HEADER_SIZE; ;) {
      const head = read(RECORD_HEADER_SIZE, at);
      if (head.length < RECORD_HEADER_SIZE) return;
      try {
        const { kind, metaLength, dataLength } = recordLengths(head, at);
        const body = read(metaLength + dataLength, at + RECORD_HEADER_SIZE);
        if (body.length < metaLength + dataLength) return;
        const record = decodeRecord(kind, body.subarray(0, metaLength), body.subarray(metaLength), at);
        const offset = at;
        at += RECORD_HEADER_SIZE + metaLength + dataLength;
        yield { record, offset, position: at };
      } catch (err) {
        if (err instanceof ArchiveError) throw new CliError(`${path}: ${err.message}`);
        throw err;
      }
    }
  } finally {
    closeSync(fd);
  }
}

/** An item from MIME as `CreateItem` with MimeContent would make it, plus what an mbox knows. */
async function fromMime(raw: Buffer, account: Mailbox, receivedAt?: Date): Promise<NewItem> {
  const parsed = await itemFromMime(raw);
  const { props, attachments } = parsed;
  props.isFromMe = props.from?.address?.toLowerCase() === account.email;
  props.conversationTopic ??= props.subject;
  const status = props.internetMessageHeaders.find((h) => h.name.toLowerCase() === 'status')?.value;
  if (status !== undefined) props.isRead = status.includes('R');
  props.dateTimeReceived = receivedAt ?? props.dateTimeSent;
  return keptWithMime({ props, attachments }, raw, parsed);
}

/** Batches, import keys, counters and progress of one import. */
class ImportRun {
  readonly #pending: Pending[] = [];
  readonly #occurrences = new Map<string, number>();
  readonly #folders = new Set<number>();
  readonly #progress: Progress;
  #pendingBytes = 0;
  #position = 0;
  imported = 0;
  skipped = 0;
  failed = 0;
  bytes = 0;
  warning: string | undefined;

  constructor(private readonly store: Store, private readonly account: Mailbox, total: number) {
    this.#progress = new Progress('import', total);
  }

  async add(folder: Folder, convert: () => NewItem | Promise<NewItem>, bytes: Buffer, origin: string, position: number): Promise<void> {
    this.#position = position;
    const digest = createHash('sha256').update(bytes).digest('hex');
    const seen = `${folder.id}:${digest}`;
    const n = this.#occurrences.get(seen) ?? 0;
    this.#occurrences.set(seen, n + 1);
    let item: NewItem;
    try {
      item = await convert();
    } catch (err) {
      if (err instanceof ItemStreamError || err instanceof EwsError) {
        this.#fail(origin, err.message);
        return;
      }
      throw err;
    }
    this.#pending.push({ folder, upload: { folderId: folder.id, item, importKey: `${digest}:${n}` }, origin, bytes: bytes.length });
    this.#pendingBytes += bytes.length;
    if (this.#pending.length >= BATCH_ITEMS || this.#pendingBytes >= BATCH_BYTES) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.#pending.length === 0) return;
    const batch = this.#pending.splice(0);
    this.#pendingBytes = 0;
    const results = await this.store.uploadItems(this.account.id, batch.map((p) => p.upload));
    results.forEach((r, i) => {
      const p = batch[i]!;
      this.#folders.add(p.folder.id);
      if (!r.ok) this.#fail(p.origin, r.error instanceof Error ? r.error.message : String(r.error));
      else if (r.value.skipped) this.skipped++;
      else {
        this.imported++;
        this.bytes += p.bytes;
      }
    });
    this.#progress.update(this.#position, this.imported + this.skipped, this.bytes);
  }

  async finish(): Promise<ImportSummary> {
    await this.flush();
    this.#progress.done();
    const out: ImportSummary = { imported: this.imported, skipped: this.skipped, failed: this.failed, folders: this.#folders.size, bytes: this.bytes, ms: this.#progress.elapsedMs() };
    if (this.warning) out.warning = this.warning;
    return out;
  }

  #fail(origin: string, reason: string): void {
    this.failed++;
    process.stderr.write(`\r\x1b[Kewsd: skipped ${origin}: ${reason}\n`);
  }
}
