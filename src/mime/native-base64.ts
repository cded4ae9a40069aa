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
 *
 * The same cut serves a second purpose, when the caller has no use for a plain-text body beside an
 * HTML one (an item keeps one body; see itemFromMime): the text/plain part of a
 * multipart/alternative that also holds a text/html part is replaced by a one-line marker, so
 * postal-mime does not decode it (quoted-printable and charset decoding in JavaScript, about a
 * fifth of a typical message's parse). The cut is accepted only if the parsed text body is exactly
 * that marker and an HTML body was found; otherwise the caller parses again with the attachment
 * cuts alone.
 */
import { randomBytes } from 'node:crypto';

/**
 * Markers' nonces: 16 random hex digits drawn once per thread, then a counter (8 hex digits), so
 * each message's nonce is new and unguessable to its sender without a call into the CSPRNG per
 * message (1% of a message's parse). Always 24 characters: the text marker's length depends on it.
 */
const NONCE_PREFIX = randomBytes(8).toString('hex');
let nonceCount = 0;
function nextNonce(): string {
  nonceCount = (nonceCount + 1) >>> 0;
  return NONCE_PREFIX + nonceCount.toString(16).padStart(8, '0');
}

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
  /** The marker that replaced the text/plain alternatives (what the parsed text body must be), if any was cut. */
  textMarker?: string;
}

export interface CutOptions {
  /** Also cut the text/plain alternatives beside a text/html one (see above). */
  skipTextBesideHtml?: boolean;
}

interface Region {
  start: number;
  end: number;
  /** A text/plain alternative to skip (with how its marker must be written), rather than an attachment to decode. */
  text?: 'plain' | 'base64';
}

/** A leaf part as the scan saw it. */
interface Leaf {
  mediaType: string;
  transferEncoding: string | undefined;
  start: number;
  end: number;
}

/** Transfer encodings in which a line of ASCII letters, digits and '-' stands for itself. */
const PLAIN_ENCODINGS = new Set([undefined, '7bit', '8bit', 'binary', 'quoted-printable']);

/**
 * Cuts the base64 attachment bodies (and, if asked, the text/plain alternatives beside HTML) out of
 * `raw`. Returns undefined when there is nothing worth cutting (the caller then parses `raw` as it is).
 */
export function cutParts(raw: Buffer, options: CutOptions = {}): CutMessage | undefined {
  const regions: Region[] = [];
  scanEntity(raw, 0, raw.length, 0, regions, options);
  if (regions.length === 0) return undefined;
  // Alternatives are found after their siblings' insides: back into document order.
  regions.sort((a, b) => a.start - b.start);
  const nonce = nextNonce();
  const textMarker = `ewsd-skipped-text-${nonce}`;
  const pieces: Buffer[] = [];
  const parts: CutPart[] = [];
  let textCut = false;
  let pos = 0;
  for (const r of regions) {
    let line: string;
    if (r.text) {
      // 42 characters: whole base64 quads, no padding.
      line = r.text === 'base64' ? Buffer.from(textMarker, 'latin1').toString('base64') : textMarker;
      textCut = true;
    } else {
      const content = strictBase64(raw.toString('latin1', r.start, r.end));
      if (!content) continue;
      // Same-length markers (index padded), so a lookup after the parse is by length first.
      const marker = `ewsd-native-base64:${nonce}:${String(parts.length).padStart(6, '0')}`;
      parts.push({ marker, content, start: r.start, end: r.end });
      line = Buffer.from(marker, 'latin1').toString('base64');
    }
    pieces.push(raw.subarray(pos, r.start), Buffer.from(`${line}\r\n`, 'latin1'));
    pos = r.end;
  }
  if (parts.length === 0 && !textCut) return undefined;
  pieces.push(raw.subarray(pos));
  const cut: CutMessage = { raw: Buffer.concat(pieces), parts };
  if (textCut) cut.textMarker = textMarker;
  return cut;
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
 * regions of base64 attachment leaves (and of text alternatives, see scanMultipart) are collected
 * into `out`. Returns the entity if it is a leaf, and whether it is or holds a text/html part.
 */
function scanEntity(raw: Buffer, start: number, end: number, depth: number, out: Region[], options: CutOptions): { leaf?: Leaf; html: boolean } {
  const unknown = { html: false };
  if (depth > MAX_DEPTH) return unknown;
  const bodyStart = endOfHeaders(raw, start, end);
  if (bodyStart < 0) return unknown;
  const headers = contentHeaders(raw.toString('latin1', start, bodyStart));
  if (!headers) return unknown;
  const type = parseContentType(headers.contentType);
  if (!type) return unknown;
  if (type.mediaType.startsWith('multipart/')) {
    const html = type.boundary ? scanMultipart(raw, bodyStart, end, type.boundary, type.mediaType === 'multipart/alternative', depth, out, options) : false;
    return { html };
  }
  const transferEncoding = headers.transferEncoding?.toLowerCase();
  const found = { leaf: { mediaType: type.mediaType, transferEncoding, start: bodyStart, end }, html: type.mediaType === 'text/html' };
  if (transferEncoding !== 'base64') return found;
  if (type.mediaType.startsWith('text/') || type.mediaType.startsWith('message/') || type.mediaType === 'application/ics') return found;
  if (end - bodyStart >= MIN_PART_BYTES) out.push({ start: bodyStart, end });
  return found;
}

/**
 * The parts between the delimiter lines of a multipart body in raw[start, end). In a
 * multipart/alternative that holds HTML (as a part, or inside one: multipart/related), the
 * text/plain parts are text alternatives. Returns whether any part is or holds text/html.
 */
function scanMultipart(raw: Buffer, start: number, end: number, boundary: string, alternative: boolean, depth: number, out: Region[], options: CutOptions): boolean {
  const dash = Buffer.from(`--${boundary}`, 'latin1');
  const leaves: Leaf[] = [];
  let html = false;
  const scanPart = (from: number, to: number) => {
    const part = scanEntity(raw, from, to, depth + 1, out, options);
    if (part.leaf) leaves.push(part.leaf);
    html ||= part.html;
  };
  let partStart = -1;
  let pos = start;
  let closed = false;
  while (pos < end && !closed) {
    const at = raw.indexOf(dash, pos);
    if (at < 0 || at >= end) break;
    const lineEnd = nextLine(raw, at, end);
    if ((at === start || raw[at - 1] === 0x0a) && at + dash.length <= end) {
      const kind = delimiterKind(raw, at + dash.length, lineEnd);
      if (kind !== undefined) {
        if (partStart >= 0) scanPart(partStart, at);
        if (kind === 'close') closed = true;
        partStart = lineEnd;
      }
    }
    pos = at + dash.length;
  }
  // No close delimiter: the last part runs to the end (as postal-mime reads it).
  if (!closed && partStart >= 0) scanPart(partStart, end);
  if (alternative && html && options.skipTextBesideHtml) {
    for (const l of leaves) {
      if (l.mediaType !== 'text/plain') continue;
      if (l.transferEncoding === 'base64') out.push({ start: l.start, end: l.end, text: 'base64' });
      else if (PLAIN_ENCODINGS.has(l.transferEncoding)) out.push({ start: l.start, end: l.end, text: 'plain' });
    }
  }
  return html;
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
