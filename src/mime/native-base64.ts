/**
 * Decoding of base64 attachment parts in native code, ahead of postal-mime.
 *
 * postal-mime decodes base64 in JavaScript, line by line: for a message with a 1 MB attachment
 * that is most of the parse. Before the parse, the bodies of base64 leaf parts that postal-mime
 * will hand back as attachments are cut out of the message and replaced with one short marker
 * line (itself base64); the cut-out text is decoded with Buffer (native). After the parse, the
 * attachment whose content is a marker gets the natively decoded bytes instead.
 *
 * Why this cannot change a result: only lines of base64 characters are replaced, by another line
 * of base64 characters, so for postal-mime the message keeps its shape (no boundary, header or
 * blank line is touched) and only the bytes fed to one part's decoder differ. Each marker carries
 * a random nonce, and the substitution is accepted only if every marker comes back, exactly once,
 * as the whole content of an attachment: then that part was a base64 attachment holding exactly
 * the cut-out text, whose decoding by postal-mime and by Buffer agree for the strict shape accepted
 * here (see strictBase64). Anything else (a part the scan read differently from postal-mime)
 * makes the caller parse the original bytes instead. Parts that look odd are simply left alone.
 */
import { randomBytes } from 'node:crypto';

/** Parts smaller than this are left to postal-mime: cutting them out saves nothing. */
const MIN_PART_BYTES = 512;

/** Nested multiparts deeper than this are left alone (postal-mime enforces its own limit). */
const MAX_DEPTH = 32;

/**
 * The base64 this path decodes: alphabet characters and line breaks in whole quads, '=' padding
 * only at the very end. postal-mime treats '=' inside the text as the end of a unit and drops other
 * characters; Buffer would not agree on every such case, so those parts go to postal-mime.
 */
const PADDING_TAIL = /^={1,2}[\r\n]*$/;

export interface CutPart {
  /** The marker's decoded bytes, as latin1 text (what the attachment content will be). */
  marker: string;
  /** The part's natively decoded content. */
  content: Buffer;
  /** Where its base64 text lies in the scanned message: [start, end). */
  start: number;
  end: number;
}

export interface CutMessage {
  /** The message with each cut part's body replaced by its marker line. */
  raw: Buffer;
  parts: CutPart[];
}

interface Region {
  start: number;
  end: number;
}

/**
 * Cuts the base64 attachment bodies out of `raw`. Returns undefined when there is nothing worth
 * cutting (the caller then parses `raw` as it is).
 */
export function cutBase64Attachments(raw: Buffer): CutMessage | undefined {
  const regions: Region[] = [];
  scanEntity(raw, 0, raw.length, 0, regions);
  if (regions.length === 0) return undefined;
  const nonce = randomBytes(12).toString('hex');
  const pieces: Buffer[] = [];
  const parts: CutPart[] = [];
  let pos = 0;
  for (const r of regions) {
    const content = strictBase64(raw.toString('latin1', r.start, r.end));
    if (!content) continue;
    // Same-length markers (index padded), so a lookup after the parse is by length first.
    const marker = `ewsd-native-base64:${nonce}:${String(parts.length).padStart(6, '0')}`;
    parts.push({ marker, content, start: r.start, end: r.end });
    pieces.push(raw.subarray(pos, r.start), Buffer.from(`${Buffer.from(marker, 'latin1').toString('base64')}\r\n`, 'latin1'));
    pos = r.end;
  }
  if (parts.length === 0) return undefined;
  pieces.push(raw.subarray(pos));
  return { raw: Buffer.concat(pieces), parts };
}

/**
 * `text` decoded, if it is the strict base64 above; undefined otherwise. Checked without a
 * pattern over the whole text (that was a third of this file's time on large attachments):
 * Buffer skips every character outside the alphabet, so with line breaks counted, whole quads
 * and the padding at the end, the decoded length comes out exact only if every other character
 * counted. Buffer also reads the URL-safe '-' and '_', which are looked for on their own.
 */
function strictBase64(text: string): Buffer | undefined {
  if (text.includes('-') || text.includes('_')) return undefined;
  const chars = text.length - occurrences(text, '\n') - occurrences(text, '\r');
  if (chars % 4 !== 0) return undefined;
  let padding = 0;
  const pad = text.indexOf('=');
  if (pad >= 0) {
    const tail = text.slice(pad);
    if (!PADDING_TAIL.test(tail)) return undefined;
    padding = tail.startsWith('==') ? 2 : 1;
  }
  const bytes = Buffer.from(text, 'base64');
  return bytes.length === (chars / 4) * 3 - padding ? bytes : undefined;
}

function occurrences(text: string, char: string): number {
  let n = 0;
  for (let i = text.indexOf(char); i !== -1; i = text.indexOf(char, i + 1)) n++;
  return n;
}

/**
 * One entity (a message or a body part) in raw[start, end): its headers, then its body. Body
 * regions of base64 attachment leaves are collected, in document order, into `out`.
 */
function scanEntity(raw: Buffer, start: number, end: number, depth: number, out: Region[]): void {
  if (depth > MAX_DEPTH) return;
  const bodyStart = endOfHeaders(raw, start, end);
  if (bodyStart < 0) return;
  const headers = contentHeaders(raw.toString('latin1', start, bodyStart));
  if (!headers) return;
  const type = parseContentType(headers.contentType);
  if (!type) return;
  if (type.mediaType.startsWith('multipart/')) {
    if (type.boundary) scanMultipart(raw, bodyStart, end, type.boundary, depth, out);
    return;
  }
  if (headers.transferEncoding?.toLowerCase() !== 'base64') return;
  if (type.mediaType.startsWith('text/') || type.mediaType.startsWith('message/') || type.mediaType === 'application/ics') return;
  if (end - bodyStart >= MIN_PART_BYTES) out.push({ start: bodyStart, end });
}

/** The parts between the delimiter lines of a multipart body in raw[start, end). */
function scanMultipart(raw: Buffer, start: number, end: number, boundary: string, depth: number, out: Region[]): void {
  const dash = Buffer.from(`--${boundary}`, 'latin1');
  let partStart = -1;
  let pos = start;
  while (pos < end) {
    const at = raw.indexOf(dash, pos);
    if (at < 0 || at >= end) break;
    const lineEnd = nextLine(raw, at, end);
    if ((at === start || raw[at - 1] === 0x0a) && at + dash.length <= end) {
      const kind = delimiterKind(raw, at + dash.length, lineEnd);
      if (kind !== undefined) {
        if (partStart >= 0) scanEntity(raw, partStart, at, depth + 1, out);
        if (kind === 'close') return;
        partStart = lineEnd;
      }
    }
    pos = at + dash.length;
  }
  // No close delimiter: the last part runs to the end (as postal-mime reads it).
  if (partStart >= 0) scanEntity(raw, partStart, end, depth + 1, out);
}

/** What follows "--boundary" on a line: "--" closes; only spaces and tabs may trail (RFC 2046). */
function delimiterKind(raw: Buffer, from: number, lineEnd: number): 'next' | 'close' | undefined {
  let i = from;
  let kind: 'next' | 'close' = 'next';
  if (i + 1 < lineEnd && raw[i] === 0x2d && raw[i + 1] === 0x2d) {
    kind = 'close';
    i += 2;
  }
  for (; i < lineEnd; i++) {
    const c = raw[i];
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d && c !== 0x0a) return undefined;
  }
  return kind;
}

/** The offset just past the line that holds `at` (past its LF), or `end`. */
function nextLine(raw: Buffer, at: number, end: number): number {
  const nl = raw.indexOf(0x0a, at);
  return nl < 0 || nl >= end ? end : nl + 1;
}

/** Where the body starts: past the first line holding nothing but CR/LF; -1 if there is none. */
function endOfHeaders(raw: Buffer, start: number, end: number): number {
  let pos = start;
  while (pos < end) {
    const next = nextLine(raw, pos, end);
    let blank = true;
    for (let i = pos; i < next; i++) {
      if (raw[i] !== 0x0d && raw[i] !== 0x0a) {
        blank = false;
        break;
      }
    }
    if (blank) return next;
    pos = next;
  }
  return -1;
}

/** The first Content-Type and Content-Transfer-Encoding values, unfolded; undefined if unsure. */
function contentHeaders(block: string): { contentType: string | undefined; transferEncoding: string | undefined } | undefined {
  // postal-mime reads header bytes as UTF-8; plain ASCII reads the same either way.
  if (!/^[\x00-\x7f]*$/.test(block)) return undefined;
  let contentType: string | undefined;
  let transferEncoding: string | undefined;
  const lines = block.split('\n').map((l) => l.replace(/[\r\n]+$/, ''));
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '' || /^[ \t]/.test(line)) continue;
    let value = line;
    while (i + 1 < lines.length && /^[ \t]/.test(lines[i + 1]!)) value += lines[++i]!;
    const colon = value.indexOf(':');
    if (colon < 0) continue;
    const key = value.slice(0, colon).replace(/^[ \t]+|[ \t]+$/g, '').toLowerCase();
    const v = value.slice(colon + 1).trim();
    if (key === 'content-type') contentType ??= v;
    else if (key === 'content-transfer-encoding') transferEncoding ??= v;
  }
  return { contentType, transferEncoding };
}

const TOKEN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+/;

/** "type/subtype; name=value; ..." in its plain form only (no comments, no RFC 2231 sections). */
function parseContentType(value: string | undefined): { mediaType: string; boundary?: string } | undefined {
  if (value === undefined || value.includes('(') || value.includes('\\')) return undefined;
  const m = /^([A-Za-z0-9!#$%&'*+.^_`|~-]+\/[A-Za-z0-9!#$%&'*+.^_`|~-]+)[ \t]*/.exec(value);
  if (!m) return undefined;
  const out: { mediaType: string; boundary?: string } = { mediaType: m[1]!.toLowerCase() };
  let rest = value.slice(m[0].length);
  while (rest !== '') {
    const p = /^;[ \t]*/.exec(rest);
    if (!p) return undefined;
    rest = rest.slice(p[0].length);
    if (rest === '') break;
    const name = TOKEN.exec(rest)?.[0];
    if (!name || name.includes('*')) return undefined;
    rest = rest.slice(name.length).replace(/^[ \t]*/, '');
    if (!rest.startsWith('=')) return undefined;
    rest = rest.slice(1).replace(/^[ \t]*/, '');
    let v: string;
    if (rest.startsWith('"')) {
      const close = rest.indexOf('"', 1);
      if (close < 0) return undefined;
      v = rest.slice(1, close);
      rest = rest.slice(close + 1);
    } else {
      const t = TOKEN.exec(rest)?.[0];
      if (!t) return undefined;
      v = t;
      rest = rest.slice(t.length);
    }
    rest = rest.replace(/^[ \t]*/, '');
    if (name.toLowerCase() === 'boundary' && out.boundary === undefined) {
      if (v === '' || /[ \t]$/.test(v)) return undefined;
      out.boundary = v;
    }
  }
  return out;
}
