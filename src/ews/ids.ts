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

export function encodeId(kind: IdKind, mailboxGuid: string, ...numbers: number[]): string {
  const buf = Buffer.alloc(HEADER + 8 * numbers.length);
  buf[0] = VERSION;
  buf[1] = kind.charCodeAt(0);
  Buffer.from(mailboxGuid.replace(/-/g, ''), 'hex').copy(buf, 2);
  numbers.forEach((n, i) => buf.writeBigUInt64BE(BigInt(n), HEADER + 8 * i));
  return buf.toString('base64');
}

/** Decodes an id of the expected kind, or throws ErrorInvalidIdMalformed. */
export function decodeId(id: string | undefined, kind: IdKind, count = 1): DecodedId {
  if (!id) throw new EwsError('ErrorInvalidIdEmpty');
  if (id.length > 512 || id.length % 4 !== 0 || !BASE64.test(id)) throw new EwsError('ErrorInvalidIdMalformed');
  const buf = Buffer.from(id, 'base64');
  if (buf.length !== HEADER + 8 * count || buf[0] !== VERSION || buf[1] !== kind.charCodeAt(0)) throw new EwsError('ErrorInvalidIdMalformed');
  const hex = buf.subarray(2, HEADER).toString('hex');
  const mailboxGuid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  const numbers: number[] = [];
  for (let i = 0; i < count; i++) {
    const n = buf.readBigUInt64BE(HEADER + 8 * i);
    if (n === 0n || n > BigInt(Number.MAX_SAFE_INTEGER)) throw new EwsError('ErrorInvalidIdMalformed');
    numbers.push(Number(n));
  }
  return { kind: String.fromCharCode(buf[1]!) as IdKind, mailboxGuid, numbers };
}

/**
 * A ChangeKey names one version of an object: its kind and the mailbox modification sequence
 * of its last write. Every write moves the sequence on, so every write changes the key.
 */
export function encodeChangeKey(kind: IdKind, modseq: number): string {
  const buf = Buffer.alloc(9);
  buf[0] = kind.charCodeAt(0);
  buf.writeBigUInt64BE(BigInt(modseq), 1);
  return buf.toString('base64');
}

/** The modification sequence inside a ChangeKey, or undefined when it is not one of ours. */
export function decodeChangeKey(changeKey: string, kind: IdKind): number | undefined {
  if (!BASE64.test(changeKey) || changeKey.length !== 12) return undefined;
  const buf = Buffer.from(changeKey, 'base64');
  if (buf.length !== 9 || buf[0] !== kind.charCodeAt(0)) return undefined;
  return Number(buf.readBigUInt64BE(1));
}
