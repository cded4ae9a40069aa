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
 * The same cut serves two more purposes when the caller has no use for a plain-text body beside
 * an HTML one (an item keeps one body; see itemFromMime):
 *
 * - The text/plain part of a multipart/alternative that also holds a text/html part is replaced,
 *   headers and all, by a plain text/plain part holding a one-line marker, so postal-mime does not
 *   decode it (quoted-printable and charset decoding in JavaScript, about a fifth of a typical
 *   message's parse). The cut is accepted only if the parsed text body is exactly that marker and
 *   an HTML body that is not nothing was found.
 * - The body of the message is cut out, to be decoded in one pass by native-text.ts (or not at
 *   all, left in place: see parse-mime.ts), where postal-mime would
 *   read it line by line with a 100 KB buffer per quoted-printable part: its one HTML part, or
 *   with no HTML its one text/plain part, if not an attachment, quoted-printable or 7/8bit, in
 *   UTF-8, ASCII or Latin-1. Inside a multipart the part is replaced the same way, headers and
 *   all, by a part of its type holding a marker; when the part is the message itself (a
 *   single-part message, a quarter of the benchmark corpus) only its body is, the headers being
 *   the message's own. The cut is accepted only if the parsed body of that type is exactly that
 *   marker line (and, for text, there is no HTML body). Over the benchmark corpus, the two
 *   replacements of whole parts (rather than of their bodies) and the HTML decoding here took
 *   17% off the parse; decoding the text bodies here too took another 7-8% (single-part text
 *   messages: 158 -> 128 us each).
 *
 * Either refused, the caller parses again with the attachment cuts alone. A part (or the message)
 * is cut only if the scan reads its role exactly as postal-mime does: a header block of plain
 * fields with no Content-Type, Content-Transfer-Encoding or Content-Disposition twice, and no
 * attachment disposition. Its body ends where postal-mime ends it: each multipart's scan splits its
 * body at every one of its delimiter lines, inside nested parts too, as postal-mime checks every
 * open boundary on every line; the message's own body, with no boundary open, at the end of the
 * input (the last part of an unclosed multipart, which also runs there, is left alone).
 */
import { randomBytes } from 'node:crypto';
import type { MimeBodySource } from './mime-message.js';
import { isNativeCharset } from './native-text.js';

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
  /**
   * The message's body, if it was cut: its type (which of the parsed bodies it is), its marker
   * line (what the parsed body of that type must be) and where it lies in the input.
   */
  body?: CutBody;
}

export interface CutBody {
  marker: string;
  /** The range of the input the body is the decoding of, how it decodes, and which body it is. */
  source: MimeBodySource;
}

export interface CutOptions {
  /** Also cut the text/plain alternatives beside a text/html one (see above). */
  skipTextBesideHtml?: boolean;
}

interface Region {
  start: number;
  end: number;
  /** A text/plain alternative to skip, headers and all, rather than an attachment to decode. */
  text?: true;
  /** The body, to decode here; the region is the whole part, headers and all, or the body alone if the part is the message. */
  body?: Leaf;
}

/** A leaf part as the scan saw it. */
interface Leaf {
  /** Where the part's headers start. */
  headerStart: number;
  mediaType: string;
  transferEncoding: string | undefined;
  start: number;
  end: number;
  charset: string | undefined;
  /** Its Content-Type has a format parameter (format=flowed is decoded differently), or a parameter twice. */
  oddParams: boolean;
  /** Content-Disposition's value, lowercased, if the part has one. */
  disposition: string | undefined;
  /** Its header block is plain (see ContentHeaders): the scan reads its role as postal-mime does, so the block may be replaced. */
  plainHeaders: boolean;
  /** The part ended at a delimiter line of its multipart (not the top-level entity, not an unclosed last part). */
  delimited: boolean;
  /** The part is the message itself: its body runs to the end of the input, with no boundary to watch for. */
  whole: boolean;
}

/** What the scan gathers over the whole message. */
interface Scan {
  regions: Region[];
  options: CutOptions;
  /** Every text/html leaf. */
  htmlLeaves: Leaf[];
  /** Every text/plain leaf. */
  plainLeaves: Leaf[];
}

/**
 * Cuts the base64 attachment bodies (and, if asked, the text/plain alternatives beside HTML and the
 * body) out of `raw`. Returns undefined when there is nothing worth cutting (the caller then parses `raw` as it is).
 */
export function cutParts(raw: Buffer, options: CutOptions = {}): CutMessage | undefined {
  const scan: Scan = { regions: [], options, htmlLeaves: [], plainLeaves: [] };
  scanEntity(raw, 0, raw.length, 0, false, scan);
  const regions = scan.regions;
  const body = bodyLeaf(scan);
  if (options.skipTextBesideHtml && body && isDecodableBody(body)) regions.push({ start: body.whole ? body.start : body.headerStart, end: body.end, body });
  if (regions.length === 0) return undefined;
  // Alternatives are found after their siblings' insides: back into document order.
  regions.sort((a, b) => a.start - b.start);
  const nonce = nextNonce();
  const textMarker = `ewsd-skipped-text-${nonce}`;
  const pieces: Buffer[] = [];
  const parts: CutPart[] = [];
  let textCut = false;
  let bodyCut: CutBody | undefined;
  let pos = 0;
  for (const r of regions) {
    let line: string;
    if (r.body) {
      // A part becomes a plain part of its type holding the marker: postal-mime then reads it
      // without a decoder of its own (a quoted-printable one allocates 100 KB). The message's own
      // body keeps the message's headers, so postal-mime decodes the marker line only.
      const { mediaType, start, end, transferEncoding, charset, whole } = r.body;
      const marker = `ewsd-body-${nonce}`;
      const source: MimeBodySource = { type: mediaType === 'text/html' ? 'html' : 'text', start, end, quotedPrintable: transferEncoding === 'quoted-printable' };
      if (charset !== undefined) source.charset = charset;
      bodyCut = { marker, source };
      line = whole ? marker : `Content-Type: ${mediaType}\r\n\r\n${marker}`;
    } else if (r.text) {
      line = `Content-Type: text/plain\r\n\r\n${textMarker}`;
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
  if (parts.length === 0 && !textCut && !bodyCut) return undefined;
  pieces.push(raw.subarray(pos));
  const cut: CutMessage = { raw: Buffer.concat(pieces), parts };
  if (textCut) cut.textMarker = textMarker;
  if (bodyCut) cut.body = bodyCut;
  return cut;
}

/** Transfer encodings decoded by native-text.ts (anything else postal-mime decodes its own way). */
const TEXT_ENCODINGS = new Set([undefined, '7bit', '8bit', 'quoted-printable']);

/**
 * The leaf that holds the message's body: its one text/html leaf, or with none its one text/plain
 * leaf. (Anything else postal-mime would join into the body makes the parse refuse the cut.)
 */
function bodyLeaf(scan: Scan): Leaf | undefined {
  const leaves = scan.htmlLeaves.length > 0 ? scan.htmlLeaves : scan.plainLeaves;
  return leaves.length === 1 ? leaves[0] : undefined;
}

/**
 * Whether postal-mime would read this leaf's body as native-text.ts does: where it ends (at a
 * delimiter line, or at the end of the message for the message itself), its transfer encoding
 * and its charset.
 */
function isDecodableBody(leaf: Leaf): boolean {
  if (leaf.end - leaf.start < MIN_PART_BYTES || !(leaf.delimited || leaf.whole) || leaf.oddParams || !leaf.plainHeaders) return false;
  if (leaf.disposition !== undefined && leaf.disposition !== 'inline') return false;
  return TEXT_ENCODINGS.has(leaf.transferEncoding) && isNativeCharset(leaf.charset);
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
  // Decoded into a buffer of exactly the expected size and of its own (Buffer.from would size it
  // by the text, line breaks and all, and hand back a part of it): a MIME thread then moves it
  // to the event loop instead of copying it (parse-worker.ts).
  const expected = (chars / 4) * 3 - padding;
  const bytes = Buffer.allocUnsafeSlow(expected);
  return bytes.write(text, 'base64') === expected ? bytes : undefined;
}

function occurrences(text: string, char: string): number {
  let n = 0;
  for (let i = text.indexOf(char); i !== -1; i = text.indexOf(char, i + 1)) n++;
  return n;
}

/**
 * One entity (a message or a body part) in raw[start, end): its headers, then its body. Body
 * regions of base64 attachment leaves (and of text alternatives, see scanMultipart) are collected
 * into the scan's regions, text/html and text/plain leaves into its htmlLeaves and plainLeaves.
 * Returns the entity if it is a leaf, and whether it is or holds a text/html part. `delimited`:
 * whether it ends at a delimiter line of the multipart around it.
 */
function scanEntity(raw: Buffer, start: number, end: number, depth: number, delimited: boolean, scan: Scan): { leaf?: Leaf; html: boolean } {
  const unknown = { html: false };
  if (depth > MAX_DEPTH) return unknown;
  const bodyStart = endOfHeaders(raw, start, end);
  if (bodyStart < 0) return unknown;
  const headers = contentHeaders(raw.toString('latin1', start, bodyStart));
  if (!headers) return unknown;
  const type = parseContentType(headers.contentType);
  if (!type) return unknown;
  if (type.mediaType.startsWith('multipart/')) {
    const html = type.boundary ? scanMultipart(raw, bodyStart, end, type.boundary, type.mediaType === 'multipart/alternative', depth, scan) : false;
    return { html };
  }
  const transferEncoding = headers.transferEncoding?.toLowerCase();
  const disposition = headers.disposition === undefined ? undefined : headers.disposition.split(';')[0]!.trim().toLowerCase();
  const leaf: Leaf = {
    headerStart: start,
    mediaType: type.mediaType,
    transferEncoding,
    start: bodyStart,
    end,
    charset: type.charset,
    oddParams: type.oddParams,
    disposition,
    plainHeaders: headers.plain,
    delimited,
    whole: depth === 0,
  };
  const found = { leaf, html: type.mediaType === 'text/html' };
  if (found.html) scan.htmlLeaves.push(leaf);
  else if (type.mediaType === 'text/plain') scan.plainLeaves.push(leaf);
  if (transferEncoding !== 'base64') return found;
  if (type.mediaType.startsWith('text/') || type.mediaType.startsWith('message/') || type.mediaType === 'application/ics') return found;
  if (end - bodyStart >= MIN_PART_BYTES) scan.regions.push({ start: bodyStart, end });
  return found;
}

/**
 * The parts between the delimiter lines of a multipart body in raw[start, end). In a
 * multipart/alternative that holds HTML (as a part, or inside one: multipart/related), the
 * text/plain parts are text alternatives. Returns whether any part is or holds text/html.
 */
function scanMultipart(raw: Buffer, start: number, end: number, boundary: string, alternative: boolean, depth: number, scan: Scan): boolean {
  const dash = Buffer.from(`--${boundary}`, 'latin1');
  const leaves: Leaf[] = [];
  let html = false;
  const scanPart = (from: number, to: number, delimited: boolean) => {
    const part = scanEntity(raw, from, to, depth + 1, delimited, scan);
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
        if (partStart >= 0) scanPart(partStart, at, true);
        if (kind === 'close') closed = true;
        partStart = lineEnd;
      }
    }
    pos = at + dash.length;
  }
  // No close delimiter: the last part runs to the end (as postal-mime reads it).
  if (!closed && partStart >= 0) scanPart(partStart, end, false);
  if (alternative && html && scan.options.skipTextBesideHtml) {
    for (const l of leaves) {
      // An attachment keeps its place (postal-mime would list it); anything else becomes the marker.
      if (l.mediaType !== 'text/plain' || !l.plainHeaders || (l.disposition !== undefined && l.disposition !== 'inline')) continue;
      scan.regions.push({ start: l.headerStart, end: l.end, text: true });
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

interface ContentHeaders {
  contentType: string | undefined;
  transferEncoding: string | undefined;
  disposition: string | undefined;
  /** Every line is a header field or continues one, and none of the three above comes twice. */
  plain: boolean;
}

/** The header fields the scan reads. */
const CONTENT_FIELDS = new Set(['content-type', 'content-transfer-encoding', 'content-disposition']);

/** The first Content-Type, Content-Transfer-Encoding and Content-Disposition values, unfolded; undefined if unsure. */
function contentHeaders(block: string): ContentHeaders | undefined {
  // postal-mime reads header bytes as UTF-8; plain ASCII reads the same either way.
  if (!/^[\x00-\x7f]*$/.test(block)) return undefined;
  const first = new Map<string, string>();
  let plain = true;
  const lines = block.split('\n').map((l) => l.replace(/[\r\n]+$/, ''));
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    if (/^[ \t]/.test(line)) {
      plain = false;
      continue;
    }
    let value = line;
    while (i + 1 < lines.length && /^[ \t]/.test(lines[i + 1]!)) value += lines[++i]!;
    const colon = value.indexOf(':');
    if (colon < 0) {
      plain = false;
      continue;
    }
    const key = value.slice(0, colon).replace(/^[ \t]+|[ \t]+$/g, '').toLowerCase();
    if (!CONTENT_FIELDS.has(key)) continue;
    if (first.has(key)) plain = false;
    else first.set(key, value.slice(colon + 1).trim());
  }
  return { contentType: first.get('content-type'), transferEncoding: first.get('content-transfer-encoding'), disposition: first.get('content-disposition'), plain };
}

const TOKEN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+/;

/** A Content-Type as the scan reads it. */
interface ContentType {
  mediaType: string;
  boundary?: string;
  charset?: string;
  /** A format parameter, or any parameter given twice. */
  oddParams: boolean;
}

/** "type/subtype; name=value; ..." in its plain form only (no comments, no RFC 2231 sections). */
function parseContentType(value: string | undefined): ContentType | undefined {
  if (value === undefined || value.includes('(') || value.includes('\\')) return undefined;
  const m = /^([A-Za-z0-9!#$%&'*+.^_`|~-]+\/[A-Za-z0-9!#$%&'*+.^_`|~-]+)[ \t]*/.exec(value);
  if (!m) return undefined;
  const out: ContentType = { mediaType: m[1]!.toLowerCase(), oddParams: false };
  const seen = new Set<string>();
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
    const key = name.toLowerCase();
    if (seen.has(key) || key === 'format') out.oddParams = true;
    seen.add(key);
    if (key === 'charset') out.charset ??= v;
    if (key === 'boundary' && out.boundary === undefined) {
      if (v === '' || /[ \t]$/.test(v)) return undefined;
      out.boundary = v;
    }
  }
  return out;
}
