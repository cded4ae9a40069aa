import { EwsError } from './errors.js';

/**
 * Item, folder and attachment ids: base64 of a small binary record.
 *
 *   byte 0      format version (1)
 *   byte 1      kind: 'F' folder, 'I' item, 'A' attachment
 *   bytes 2-17  the mailbox GUID
 *   then        one or more 64-bit big-endian object numbers (an attachment: item, attachment)
 *
 * The GUID lets us tell "no such mailbox" from "no such object"; it is never trusted for access:
 * every lookup is filtered by the mailbox the caller may open. Plain base64 keeps ids safe in XML
 * attributes, which DavMail writes without escaping.
 */
export type IdKind = 'F' | 'I' | 'A';

const VERSION = 1;
const HEADER = 18;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export interface DecodedId {
  kind: IdKind;
  mailboxGuid: string;
  numbers: number[];
}

/**
 * Ids are made and read by the hundred per batch, so neither allocates more than its result:
 * bytes go through one scratch buffer, numbers are written as two 32-bit halves (they are below
 * 2^53), and the base64 of the 18-byte header (a multiple of 3 bytes, so it encodes on its own)
 * is kept per kind and mailbox.
 */
const scratch = Buffer.alloc(384); // the decoded size of the longest id accepted (512 characters)
const TWO_32 = 2 ** 32;
/** Largest high half of a number that is still a safe integer (2^53 - 1 >> 32). */
const MAX_SAFE_HIGH = 0x1fffff;
const headers = new Map<string, string>();

function headerBase64(kind: IdKind, mailboxGuid: string): string {
  const key = kind + mailboxGuid;
  let header = headers.get(key);
  if (header === undefined) {
    scratch[0] = VERSION;
    scratch[1] = kind.charCodeAt(0);
    scratch.write(mailboxGuid.replace(/-/g, ''), 2, 'hex');
    header = scratch.toString('base64', 0, HEADER);
    // Mailboxes are few; the bound only keeps a server with very many of them from growing this without limit.
    if (headers.size >= 1024) headers.clear();
    headers.set(key, header);
  }
  return header;
}

function writeNumber(buf: Buffer, n: number, at: number): void {
  buf.writeUInt32BE(Math.floor(n / TWO_32), at);
  buf.writeUInt32BE(n % TWO_32, at + 4);
}

export function encodeId(kind: IdKind, mailboxGuid: string, ...numbers: number[]): string {
  const header = headerBase64(kind, mailboxGuid); // first: it may use the scratch buffer
  for (let i = 0; i < numbers.length; i++) writeNumber(scratch, numbers[i]!, 8 * i);
  return header + scratch.toString('base64', 0, 8 * numbers.length);
}

/** The GUID string last decoded and its bytes: a batch's ids nearly always name one mailbox. */
let lastGuid = '';
const lastGuidBytes = Buffer.alloc(16);

/** Decodes an id of the expected kind, or throws ErrorInvalidIdMalformed. */
export function decodeId(id: string | undefined, kind: IdKind, count = 1): DecodedId {
  if (!id) throw new EwsError('ErrorInvalidIdEmpty');
  if (id.length > 512 || id.length % 4 !== 0 || !BASE64.test(id)) throw new EwsError('ErrorInvalidIdMalformed');
  const length = scratch.write(id, 'base64');
  if (length !== HEADER + 8 * count || scratch[0] !== VERSION || scratch[1] !== kind.charCodeAt(0)) throw new EwsError('ErrorInvalidIdMalformed');
  if (lastGuid === '' || scratch.compare(lastGuidBytes, 0, 16, 2, HEADER) !== 0) {
    const hex = scratch.toString('hex', 2, HEADER);
    lastGuid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    scratch.copy(lastGuidBytes, 0, 2, HEADER);
  }
  const numbers: number[] = [];
  for (let i = 0; i < count; i++) {
    const high = scratch.readUInt32BE(HEADER + 8 * i);
    const low = scratch.readUInt32BE(HEADER + 8 * i + 4);
    if ((high === 0 && low === 0) || high > MAX_SAFE_HIGH) throw new EwsError('ErrorInvalidIdMalformed');
    numbers.push(high * TWO_32 + low);
  }
  return { kind, mailboxGuid: lastGuid, numbers };
}

/**
 * A ChangeKey names one version of an object: its kind and the mailbox modification sequence
 * of its last write. Every write moves the sequence on, so every write changes the key.
 */
export function encodeChangeKey(kind: IdKind, modseq: number): string {
  scratch[0] = kind.charCodeAt(0);
  writeNumber(scratch, modseq, 1);
  return scratch.toString('base64', 0, 9);
}

/** The modification sequence inside a ChangeKey, or undefined when it is not one of ours. */
export function decodeChangeKey(changeKey: string, kind: IdKind): number | undefined {
  if (changeKey.length !== 12 || !BASE64.test(changeKey)) return undefined;
  if (scratch.write(changeKey, 'base64') !== 9 || scratch[0] !== kind.charCodeAt(0)) return undefined;
  return scratch.readUInt32BE(1) * TWO_32 + scratch.readUInt32BE(5);
}
