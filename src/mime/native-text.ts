/**
 * A text part's body decoded the way postal-mime decodes it, in one pass over the bytes instead
 * of its line-by-line reader and 100 KB-per-part quoted-printable buffer (see native-base64.ts,
 * which cuts the message's body out so that postal-mime does not decode it).
 *
 * What postal-mime does, and so what this does: the body is read as lines ending at LF, each line
 * without its trailing CR/LF bytes. Quoted-printable: a line ending in '=' is a soft break (the
 * '=' and the line end vanish), '=' with two hex digits inside the line is that byte, any other
 * '=' stays as it is, and every other line gets an LF. 7bit / 8bit / none: every line plus an LF.
 * The bytes are then read in the part's charset with a TextDecoder of that label.
 */
import { TextDecoder } from 'node:util';

/** Charset labels decoded here (WHATWG labels that TextDecoder takes as written); others are left to postal-mime. */
const CHARSETS = new Set(['utf-8', 'utf8', 'us-ascii', 'ascii', 'iso-8859-1', 'latin1', 'windows-1252']);

const decoders = new Map<string, TextDecoder>();

/** Whether a part in this charset (a Content-Type parameter, absent: UTF-8) can be decoded here. */
export function isNativeCharset(charset: string | undefined): boolean {
  return charset === undefined || CHARSETS.has(charset.toLowerCase());
}

/**
 * The bytes are decoded into one buffer kept for the next call (the text is copied out of it into
 * a string), up to this size; a larger body gets a buffer of its own. A new buffer per body was
 * 1.4% of a message's parse over the benchmark corpus.
 */
const SCRATCH_MAX = 1024 * 1024;
let scratch = Buffer.allocUnsafeSlow(64 * 1024);

function outputBuffer(size: number): Buffer {
  if (size <= scratch.length) return scratch;
  if (size > SCRATCH_MAX) return Buffer.allocUnsafeSlow(size);
  scratch = Buffer.allocUnsafeSlow(Math.min(SCRATCH_MAX, Math.max(size, scratch.length * 2)));
  return scratch;
}

/** The text of the body raw[start, end): quoted-printable, or else 7bit / 8bit, in `charset` (see above). */
export function decodeTextBody(raw: Buffer, start: number, end: number, quotedPrintable: boolean, charset: string | undefined): string {
  // At most one byte per input byte, plus the LF a last line without one gets.
  const out = outputBuffer(end - start + 1);
  return decoderFor(charset).decode(out.subarray(0, decodeLines(raw, start, end, quotedPrintable, out, Infinity)));
}

/**
 * Whether {@link decodeTextBody} gives '' or a lone LF, a body that is nothing (body-text.ts). It
 * decodes only until five bytes are out: two bytes are left of them whatever a UTF-8 BOM takes,
 * and two bytes read as text are never empty nor one LF. So a body is told from nothing without
 * being decoded.
 */
export function decodesToNothing(raw: Buffer, start: number, end: number, quotedPrintable: boolean, charset: string | undefined): boolean {
  const out = outputBuffer(end - start + 1);
  const at = decodeLines(raw, start, end, quotedPrintable, out, 5);
  if (at >= 5) return false;
  const text = decoderFor(charset).decode(out.subarray(0, at));
  return text === '' || text === '\n';
}

/** Decodes raw[start, end) line by line into `out`, stopping at the first line end once `limit` bytes are out; returns how many are. */
function decodeLines(raw: Buffer, start: number, end: number, quotedPrintable: boolean, out: Buffer, limit: number): number {
  let at = 0;
  let pos = start;
  while (pos < end && at < limit) {
    let nl = raw.indexOf(0x0a, pos);
    if (nl < 0 || nl >= end) nl = end;
    let lineEnd = nl;
    while (lineEnd > pos && (raw[lineEnd - 1] === 0x0d || raw[lineEnd - 1] === 0x0a)) lineEnd--;
    at = quotedPrintable ? qpLine(raw, pos, lineEnd, out, at) : copyLine(raw, pos, lineEnd, out, at);
    pos = nl + 1;
  }
  return at;
}

function decoderFor(charset: string | undefined): TextDecoder {
  const label = (charset ?? 'utf8').toLowerCase();
  let decoder = decoders.get(label);
  if (!decoder) decoders.set(label, (decoder = new TextDecoder(label)));
  return decoder;
}

function copyLine(raw: Buffer, from: number, to: number, out: Buffer, at: number): number {
  at += raw.copy(out, at, from, to);
  out[at++] = 0x0a;
  return at;
}

function qpLine(raw: Buffer, from: number, to: number, out: Buffer, at: number): number {
  const softBreak = to > from && raw[to - 1] === 0x3d;
  const last = softBreak ? to - 1 : to;
  for (let i = from; i < last; i++) {
    const c = raw[i]!;
    if (c === 0x3d && i + 2 < last) {
      const high = hexNibble(raw[i + 1]!);
      const low = hexNibble(raw[i + 2]!);
      if (high >= 0 && low >= 0) {
        out[at++] = (high << 4) | low;
        i += 2;
        continue;
      }
    }
    out[at++] = c;
  }
  if (!softBreak) out[at++] = 0x0a;
  return at;
}

function hexNibble(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}
