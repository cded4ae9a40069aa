/**
 * The Data of ExportItems / UploadItems: one item as a self-describing byte stream.
 *
 * Exchange's Data is a sequence of records `u32 opcode, u32 length, payload` (the MRS "FxProxy"
 * framing): Config (1), IsInterfaceOk (3: transfer method, interface id IID_IMessage, flags),
 * TellPartnerVersion (4: the writer's version as three u16), then TransferBuffer (2) records
 * whose payloads, concatenated, form a FastTransfer message-content stream (message-content.ts).
 *
 * ewsd writes the same records behind a 16-byte header of its own, so that its streams are
 * recognised, versioned and checked (length + CRC-32) before anything is parsed:
 *
 *   0  "EWSD"   magic
 *   4  u16      format version (1)
 *   6  u16      flags (0; reserved)
 *   8  u32      byte length of the records that follow
 *   12 u32      CRC-32 (zlib/IEEE) of those records
 *   16 records  as Exchange writes them
 *
 * The decoder accepts both: data that starts with "EWSD", and Exchange's bare records (which
 * start with a Config record: 01 00 00 00 08 00 00 00). Anything else is "foreign".
 */
import { crc32 } from 'node:zlib';
import { guidFromBytes, guidToBytes } from './mapi-props.js';
import { DEFAULT_MAX_DEPTH, readMessageContent, writeMessageContent, type ExportedMessage } from './message-content.js';
import { ItemStreamError, hex8 } from './property-stream.js';

export { ItemStreamError, type ItemStreamErrorCode } from './property-stream.js';
export type { ExportedAttachment, ExportedMessage } from './message-content.js';

export const ITEM_STREAM_MAGIC = Buffer.from('EWSD', 'ascii');
export const ITEM_STREAM_VERSION = 1;
const HEADER_SIZE = 16;

/** Record opcodes (Exchange's FxOpcodes). 11..17 are mailbox/folder-level and never describe one item. */
export const FxOpcode = { Config: 1, TransferBuffer: 2, IsInterfaceOk: 3, TellPartnerVersion: 4 } as const;

/** IID_IMessage {00020307-0000-0000-C000-000000000046}: the interface IsInterfaceOk names for an item. */
export const IID_IMESSAGE = '00020307-0000-0000-c000-000000000046';
const KNOWN_OPCODES: ReadonlySet<number> = new Set(Object.values(FxOpcode));
/** Transfer method 1 (CopyTo), as in Exchange's Config and IsInterfaceOk records. */
const TRANSFER_METHOD_COPYTO = 1;
/** Last field of IsInterfaceOk as Exchange 2010 SP1 writes it (meaning undocumented; copied verbatim). */
const IS_INTERFACE_OK_FLAGS = 0x80002400;
/** TellPartnerVersion: 15.2 build 1544.4, the version ewsd announces in ServerVersionInfo. */
const PARTNER_VERSION = [(15 << 8) | 2, 0x8000 | 1544, 4] as const;
/** Exchange splits the content into buffers of about 8 KB; we do the same. */
const TRANSFER_BUFFER_SIZE = 8192;

/** Default bound on the size of Data we decode (the UploadItems payload Exchange documents is 25 MB). */
export const DEFAULT_MAX_STREAM_BYTES = 64 * 1024 * 1024;

/** What Exchange appends when an export was cut short (see docs/export-format.md). */
const TRUNCATION_MARK = '=== Truncated Data ===';

export interface ItemStreamOptions {
  maxBytes?: number;
  maxDepth?: number;
}

export interface DecodedItemStream {
  message: ExportedMessage;
  /** 'ewsd' for our header, 'exchange' for bare Exchange records. */
  origin: 'ewsd' | 'exchange';
  formatVersion?: number;
  /** TellPartnerVersion of the writer as [major<<8|minor, 0x8000|build, minor build], if sent. */
  partnerVersion?: number[];
}

export function encodeItemStream(msg: ExportedMessage, opts: ItemStreamOptions = {}): Buffer {
  const content = writeMessageContent(msg, opts.maxDepth ?? DEFAULT_MAX_DEPTH);
  // Records go straight into one buffer of the final size (header first): no concatenation
  // copies of what may be megabytes of content.
  const transferBuffers = Math.ceil(content.length / TRANSFER_BUFFER_SIZE);
  const out = Buffer.allocUnsafe(HEADER_SIZE + 8 * 3 + 8 + 24 + 6 + 8 * transferBuffers + content.length);
  let at = HEADER_SIZE;
  const record = (op: number, payload: Buffer): void => {
    out.writeUInt32LE(op, at);
    out.writeUInt32LE(payload.length, at + 4);
    at += 8 + payload.copy(out, at + 8);
  };
  const config = Buffer.alloc(8);
  config.writeUInt32LE(TRANSFER_METHOD_COPYTO, 4);
  record(FxOpcode.Config, config);
  const iface = Buffer.alloc(24);
  iface.writeUInt32LE(TRANSFER_METHOD_COPYTO, 0);
  guidToBytes(IID_IMESSAGE).copy(iface, 4);
  iface.writeUInt32LE(IS_INTERFACE_OK_FLAGS, 20);
  record(FxOpcode.IsInterfaceOk, iface);
  const version = Buffer.alloc(6);
  PARTNER_VERSION.forEach((v, i) => version.writeUInt16LE(v, i * 2));
  record(FxOpcode.TellPartnerVersion, version);
  for (let from = 0; from < content.length; from += TRANSFER_BUFFER_SIZE) {
    record(FxOpcode.TransferBuffer, content.subarray(from, from + TRANSFER_BUFFER_SIZE));
  }
  if (at !== out.length) throw new Error(`item stream size mismatch: ${at} of ${out.length} bytes`);
  ITEM_STREAM_MAGIC.copy(out, 0);
  out.writeUInt16LE(ITEM_STREAM_VERSION, 4);
  out.writeUInt16LE(0, 6);
  out.writeUInt32LE(out.length - HEADER_SIZE, 8);
  out.writeUInt32LE(crc32(out.subarray(HEADER_SIZE)) >>> 0, 12);
  return out;
}

export function decodeItemStream(data: Buffer, opts: ItemStreamOptions = {}): ExportedMessage {
  return decodeItemStreamDetailed(data, opts).message;
}

export function decodeItemStreamDetailed(data: Buffer, opts: ItemStreamOptions = {}): DecodedItemStream {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_STREAM_BYTES;
  const maxDepth = opts.maxDepth ?? DEFAULT_MAX_DEPTH;
  if (data.length > maxBytes) {
    throw new ItemStreamError('too-large', `item data of ${data.length} bytes exceeds the limit of ${maxBytes} bytes`);
  }
  if (data.length === 0) throw new ItemStreamError('truncated', 'item data is empty', 0);
  if (endsWithTruncationMark(data)) {
    throw new ItemStreamError('truncated', `the exporting server marked this data as cut short ("${TRUNCATION_MARK}"); export the item again`);
  }
  if (data.length >= 4 && data.subarray(0, 4).equals(ITEM_STREAM_MAGIC)) {
    const body = checkHeader(data);
    return { ...readRecords(body, HEADER_SIZE, maxDepth), origin: 'ewsd', formatVersion: ITEM_STREAM_VERSION };
  }
  if (data.length >= 8 && data.readUInt32LE(0) === FxOpcode.Config && data.readUInt32LE(4) === 8) {
    return { ...readRecords(data, 0, maxDepth), origin: 'exchange' };
  }
  const head = data.subarray(0, 8).toString('hex').replace(/(..)/g, '$1 ').trim();
  throw new ItemStreamError(
    'foreign',
    `not an item export stream: it starts with ${head}, expected "EWSD" (ewsd) or a Config record 01 00 00 00 08 00 00 00 (Exchange)`,
    0,
  );
}

function checkHeader(data: Buffer): Buffer {
  if (data.length < HEADER_SIZE) {
    throw new ItemStreamError('truncated', `ewsd item stream header needs ${HEADER_SIZE} bytes, got ${data.length}`, 0);
  }
  const version = data.readUInt16LE(4);
  if (version !== ITEM_STREAM_VERSION) {
    throw new ItemStreamError('unsupported', `ewsd item stream format version ${version}; this server reads version ${ITEM_STREAM_VERSION}`, 4);
  }
  const flags = data.readUInt16LE(6);
  if (flags !== 0) throw new ItemStreamError('unsupported', `ewsd item stream flags 0x${flags.toString(16)} are not understood`, 6);
  const length = data.readUInt32LE(8);
  const present = data.length - HEADER_SIZE;
  if (length > present) throw new ItemStreamError('truncated', `ewsd item stream declares ${length} bytes of records, only ${present} present`, 8);
  if (length < present) throw new ItemStreamError('corrupt', `${present - length} unexpected bytes after the end of the ewsd item stream`, HEADER_SIZE + length);
  const body = data.subarray(HEADER_SIZE);
  const expected = data.readUInt32LE(12);
  const actual = crc32(body) >>> 0;
  if (expected !== actual) {
    throw new ItemStreamError('corrupt', `ewsd item stream checksum mismatch: header says ${hex8(expected)}, data gives ${hex8(actual)}`, 12);
  }
  return body;
}

/** Walks the records; `base` is their offset in the whole data, for error positions. */
function readRecords(body: Buffer, base: number, maxDepth: number): Omit<DecodedItemStream, 'origin'> {
  const buffers: Buffer[] = [];
  let partnerVersion: number[] | undefined;
  let sawConfig = false;
  let sawInterface = false;
  let contentStart: number | undefined;
  for (let pos = 0; pos < body.length;) {
    const at = base + pos;
    if (body.length - pos < 8) throw new ItemStreamError('truncated', `record header needs 8 bytes, ${body.length - pos} remain`, at);
    const op = body.readUInt32LE(pos);
    const length = body.readUInt32LE(pos + 4);
    pos += 8;
    if (!KNOWN_OPCODES.has(op)) {
      const mailboxLevel = op >= 11 && op <= 17;
      throw new ItemStreamError(
        mailboxLevel ? 'unsupported' : 'corrupt',
        mailboxLevel ? `record ${opName(op)} belongs to a mailbox or folder transfer, not to one item` : `unknown record opcode 0x${hex8(op)}`,
        at,
      );
    }
    if (length > body.length - pos) {
      throw new ItemStreamError('truncated', `record ${opName(op)} declares ${length} bytes, ${body.length - pos} remain`, at);
    }
    const payload = body.subarray(pos, pos + length);
    pos += length;
    switch (op) {
      case FxOpcode.Config:
        if (sawConfig || length !== 8) throw new ItemStreamError('corrupt', `Config record ${sawConfig ? 'repeated' : `of ${length} bytes, expected 8`}`, at);
        sawConfig = true;
        break;
      case FxOpcode.IsInterfaceOk: {
        if (length < 20) throw new ItemStreamError('corrupt', `IsInterfaceOk record of ${length} bytes, expected at least 20`, at);
        const iid = guidFromBytes(payload.subarray(4, 20));
        if (iid !== IID_IMESSAGE) {
          throw new ItemStreamError('unsupported', `the stream transfers interface {${iid}}, not a message (IID_IMessage)`, at + 12);
        }
        sawInterface = true;
        break;
      }
      case FxOpcode.TellPartnerVersion:
        if (length >= 6) partnerVersion = [payload.readUInt16LE(0), payload.readUInt16LE(2), payload.readUInt16LE(4)];
        break;
      case FxOpcode.TransferBuffer:
        contentStart ??= at + 8;
        buffers.push(payload);
        break;
    }
    if (!sawConfig) throw new ItemStreamError('corrupt', `the first record is ${opName(op)}, expected Config`, at);
  }
  if (!sawInterface) throw new ItemStreamError('truncated', 'the stream has no IsInterfaceOk record naming the transferred message', base + body.length);
  if (buffers.length === 0) throw new ItemStreamError('truncated', 'the stream has no TransferBuffer record: no message content', base + body.length);
  // Offsets inside the content are reported relative to where the first buffer starts; buffers
  // may split a value anywhere, so the content must be joined before it is parsed.
  const content = buffers.length === 1 ? buffers[0]! : Buffer.concat(buffers);
  let message: ExportedMessage;
  try {
    message = readMessageContent(content, maxDepth);
  } catch (e) {
    if (!(e instanceof ItemStreamError) || buffers.length === 1) throw rebase(e, contentStart ?? 0);
    throw new ItemStreamError(e.code, e.detail, e.offset, 'at message-content byte');
  }
  return partnerVersion ? { message, partnerVersion } : { message };
}

/** With one buffer, content offsets map directly onto offsets in the data. */
function rebase(e: unknown, start: number): unknown {
  if (!(e instanceof ItemStreamError) || e.offset === undefined) return e;
  return new ItemStreamError(e.code, e.detail, start + e.offset);
}

function opName(op: number): string {
  const names: Record<number, string> = {
    1: 'Config', 2: 'TransferBuffer', 3: 'IsInterfaceOk', 4: 'TellPartnerVersion', 11: 'StartMdbEventsImport',
    12: 'FinishMdbEventsImport', 13: 'AddMdbEvents', 14: 'SetWatermarks', 15: 'SetReceiveFolder', 16: 'SetPerUser', 17: 'SetProps',
  };
  return names[op] ?? `0x${hex8(op)}`;
}

function endsWithTruncationMark(data: Buffer): boolean {
  const tail = data.subarray(Math.max(0, data.length - 64));
  return tail.includes(TRUNCATION_MARK, 0, 'latin1') || tail.includes(Buffer.from(TRUNCATION_MARK, 'utf16le'));
}
