/**
 * RFC 5322 / MIME bytes -> MimeMessage, on top of postal-mime. postal-mime does the MIME tree,
 * transfer encodings, charsets and RFC 2047 words; this file maps its output to our shape and
 * reads the few headers it leaves alone (importance, sensitivity, receipts).
 */
import { isUtf8 } from 'node:buffer';
import PostalMime, { decodeWords } from 'postal-mime';
import type { Address, Attachment, Email, Header } from 'postal-mime';
import type { MimeAddress, MimeAttachment, MimeBodySource, MimeHeader, MimeMessage } from './mime-message.js';
import { cutParts, type CutBody, type CutPart } from './native-base64.js';
import { body, bodyIsNothing, finishBody } from './body-text.js';
import { decodeTextBody } from './native-text.js';
import { repairC1 } from './windows-1252.js';

/** The input is not a MIME message we can read at all (postal-mime refused it). */
export class MimeParseError extends Error {
  override readonly name = 'MimeParseError';
}

export interface ParseOptions {
  /** false: postal-mime alone, nothing cut out first (the reference the tests compare against). */
  nativeBase64?: boolean;
  /**
   * false: a plain-text body is not wanted when there is an HTML one (`text` is then undefined),
   * so a text/plain alternative beside a text/html one need not be decoded (see native-base64.ts).
   */
  textBesideHtml?: boolean;
  /**
   * true: a body that is the decoding of one range of the bytes is not decoded at all; the message
   * says where it is (`bodySource`) and leaves it out of `html` / `text`. For a caller that keeps
   * the bytes and may never read the body: an item created from MIME keeps only that reference
   * (see itemFromMime), and decoding bodies was a fifth of a CreateItem's parse.
   */
  bodyInPlace?: boolean;
}

export async function parseMime(raw: Buffer, options: ParseOptions = {}): Promise<MimeMessage> {
  const input = legacyHeadersToUtf8(raw);
  // Offsets are into `input`; they only describe `raw` when the headers needed no repair.
  const inPlace = options.bodyInPlace === true && input === raw;
  const native = options.nativeBase64 === false ? undefined : await parseWithCuts(input, options.textBesideHtml === false, inPlace);
  const message = native ? toMimeMessage(native.email, input === raw ? native.sources : new Map()) : toMimeMessage(await postalParse(input), new Map());
  const htmlInPlace = inPlace && native?.bodySource?.type === 'html';
  if (options.textBesideHtml === false && (message.html !== undefined || htmlInPlace)) delete message.text;
  if (native?.bodySource && input === raw) message.bodySource = native.bodySource;
  return message;
}

/**
 * The parse with base64 attachment bodies decoded natively, and text/plain alternatives beside
 * HTML left out if `skipText` (see native-base64.ts); undefined when there was nothing to cut or
 * the parse did not confirm every attachment cut (then parse as is). A cut body is decoded here,
 * or with `inPlace` left undecoded (its type's field stays undefined). `bodySource` is given only
 * for a body that is not nothing.
 */
async function parseWithCuts(
  input: Buffer,
  skipText: boolean,
  inPlace: boolean,
): Promise<{ email: Email; sources: Map<Attachment, { start: number; end: number }>; bodySource?: MimeBodySource } | undefined> {
  const cut = cutParts(input, { skipTextBesideHtml: skipText });
  if (!cut) return undefined;
  let email: Email;
  try {
    email = await postalParse(cut.raw);
  } catch {
    return undefined;
  }
  // A skipped alternative must be all the text body there is, beside an HTML body that is not
  // nothing, and a cut body all the body of its type there is. If not, the attachments may still
  // be cut: parse again with those cuts alone.
  const textRefused = cut.textMarker !== undefined && (body(email.text) !== cut.textMarker || email.html === undefined);
  const bodyRefused = cut.body !== undefined && !holdsMarker(email, cut.body);
  if (textRefused || bodyRefused) return skipText ? parseWithCuts(input, false, inPlace) : undefined;
  const cutBody = cut.body?.source;
  const nothing = cutBody !== undefined && bodyIsNothing(input, cutBody);
  if (cutBody) email[cutBody.type] = inPlace || nothing ? undefined : decodeTextBody(input, cutBody.start, cutBody.end, cutBody.quotedPrintable, cutBody.charset);
  const htmlIsNothing = cutBody?.type === 'html' ? nothing : finishBody(email.html) === undefined;
  if (cut.textMarker !== undefined && htmlIsNothing) return parseWithCuts(input, false, inPlace);
  const sources = new Map<Attachment, { start: number; end: number }>();
  const found = cutBody && !nothing ? { email, sources, bodySource: cutBody } : { email, sources };
  if (cut.parts.length === 0) return found;
  const byMarker = new Map(cut.parts.map((p) => [p.marker, p]));
  const markerLength = cut.parts[0]!.marker.length;
  const cutFor = new Map<Attachment, CutPart>();
  for (const a of email.attachments) {
    const c = a.content;
    if (!(c instanceof ArrayBuffer) || c.byteLength !== markerLength) continue;
    const part = byMarker.get(Buffer.from(c).toString('latin1'));
    if (!part) continue;
    byMarker.delete(part.marker);
    cutFor.set(a, part);
  }
  if (byMarker.size > 0) return undefined;
  for (const [a, part] of cutFor) {
    a.content = part.content;
    sources.set(a, { start: part.start, end: part.end });
  }
  return found;
}

/**
 * Whether the parse of a message with a cut body found that body as exactly its marker line, and
 * nothing else of its type (for a text body, no HTML body either).
 */
function holdsMarker(email: Email, cut: CutBody): boolean {
  const marker = `${cut.marker}\n`;
  return cut.source.type === 'html' ? email.html === marker : email.text === marker && email.html === undefined;
}

/** Parses with postal-mime, our options. */
async function postalParse(input: Buffer): Promise<Email> {
  try {
    return await PostalMime.parse(input, {
      // An attached message stays an attachment (EWS ItemAttachment), its raw bytes kept,
      // instead of being merged into the outer body as postal-mime does by default.
      forceRfc822Attachments: true,
      attachmentEncoding: 'arraybuffer',
    });
  } catch (err) {
    // postal-mime only rejects on its safety limits (nesting depth, header size).
    throw new MimeParseError(`MIME content could not be parsed: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function toMimeMessage(email: Email, sources: ReadonlyMap<Attachment, { start: number; end: number }>): MimeMessage {
  const headers = email.headers;
  return {
    subject: repairC1(email.subject),
    from: firstMailbox(email.from),
    sender: firstMailbox(email.sender),
    replyTo: mailboxes(email.replyTo),
    to: mailboxes(email.to),
    cc: mailboxes(email.cc),
    bcc: mailboxes(email.bcc),
    date: parseDate(email.date),
    messageId: oneLine(email.messageId),
    inReplyTo: oneLine(email.inReplyTo),
    references: oneLine(email.references),
    text: finishBody(email.text),
    html: finishBody(email.html),
    importance: importanceOf(headers),
    sensitivity: sensitivityOf(headers),
    readReceiptRequested: hasHeader(headers, 'disposition-notification-to'),
    deliveryReceiptRequested: hasHeader(headers, 'return-receipt-to'),
    headers: topLevelHeaders(email),
    attachments: email.attachments.map((a) => toAttachment(a, sources.get(a))),
  };
}

/**
 * postal-mime reads raw header bytes as UTF-8 (RFC 6532). Old mailers put raw 8-bit text in
 * headers in their local charset instead, almost always ISO-8859-1 / windows-1252, which would
 * come out as U+FFFD. Lines of the top-level header block that are not valid UTF-8 are
 * re-encoded from windows-1252 to UTF-8 first; valid UTF-8 and plain ASCII are left as they are.
 */
function legacyHeadersToUtf8(raw: Buffer): Buffer {
  // The header block ends at the first blank line, CRLF or bare LF. Looking for a bare "\n\n"
  // only before the first CRLF one keeps a CRLF message from being searched to its very end.
  const crlfEnd = raw.indexOf('\r\n\r\n');
  const lfEnd = (crlfEnd >= 0 ? raw.subarray(0, crlfEnd) : raw).indexOf('\n\n');
  const end = lfEnd >= 0 ? lfEnd : crlfEnd >= 0 ? crlfEnd : raw.length;
  const head = raw.subarray(0, end);
  if (isUtf8(head)) return raw;
  const parts: Buffer[] = [];
  let start = 0;
  while (start <= head.length) {
    let nl = head.indexOf(0x0a, start);
    if (nl < 0) nl = head.length;
    const line = head.subarray(start, nl);
    parts.push(isUtf8(line) ? line : Buffer.from(repairC1(line.toString('latin1')), 'utf8'));
    if (nl < head.length) parts.push(LF);
    start = nl + 1;
  }
  parts.push(raw.subarray(end));
  return Buffer.concat(parts);
}

const LF = Buffer.from('\n');

/** Real header fields only: postal-mime also reports a header-block line without a colon (garbage, or a bare "hello"). */
function topLevelHeaders(email: Email): MimeHeader[] {
  const out: MimeHeader[] = [];
  email.headers.forEach((h, i) => {
    if (email.headerLines[i]?.line.includes(':') && h.originalKey !== '') {
      out.push({ name: h.originalKey, value: repairC1(safeDecodeWords(h.value.trim())) });
    }
  });
  return out;
}

function safeDecodeWords(value: string): string {
  try {
    return decodeWords(value);
  } catch {
    // An encoded word in a charset nobody can decode: keep the raw text rather than fail.
    return value;
  }
}

function oneLine(value: string | undefined): string | undefined {
  const v = value?.replace(/\s+/g, ' ').trim();
  return v ? v : undefined;
}

function toMailbox(a: { name: string; address?: string | undefined }): MimeAddress | undefined {
  const address = a.address?.trim();
  if (!address) return undefined;
  const name = repairC1(a.name?.trim());
  return name ? { name, address } : { address };
}

/** Groups are flattened: EWS has no notion of an address group in a recipient list. */
function mailboxes(list: Address[] | undefined): MimeAddress[] {
  const out: MimeAddress[] = [];
  for (const a of list ?? []) {
    const members = a.group ?? [a];
    for (const m of members) {
      const mb = toMailbox(m);
      if (mb) out.push(mb);
    }
  }
  return out;
}

function firstMailbox(a: Address | undefined): MimeAddress | undefined {
  return a ? mailboxes([a])[0] : undefined;
}

/** postal-mime hands back ISO for a date it understood and the raw header otherwise. */
function parseDate(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

function headerValue(headers: Header[], key: string): string | undefined {
  return headers.find((h) => h.key === key)?.value.trim();
}

function hasHeader(headers: Header[], key: string): boolean {
  return headers.some((h) => h.key === key && h.value.trim() !== '');
}

function importanceOf(headers: Header[]): 'Low' | 'Normal' | 'High' {
  const importance = headerValue(headers, 'importance')?.toLowerCase();
  if (importance === 'high') return 'High';
  if (importance === 'low') return 'Low';
  if (importance === 'normal') return 'Normal';
  // X-Priority: 1 (Highest) .. 5 (Lowest); only the leading digit counts.
  const priority = /^\s*([1-5])/.exec(headerValue(headers, 'x-priority') ?? '')?.[1];
  if (priority === '1' || priority === '2') return 'High';
  if (priority === '4' || priority === '5') return 'Low';
  if (priority === '3') return 'Normal';
  // Older Microsoft and X.400-gateway forms.
  const ms = headerValue(headers, 'x-msmail-priority')?.toLowerCase() ?? headerValue(headers, 'priority')?.toLowerCase();
  if (ms === 'high' || ms === 'urgent') return 'High';
  if (ms === 'low' || ms === 'non-urgent') return 'Low';
  return 'Normal';
}

function sensitivityOf(headers: Header[]): 'Normal' | 'Personal' | 'Private' | 'Confidential' {
  // RFC 2156 values; Exchange's Confidential is written Company-Confidential.
  switch (headerValue(headers, 'sensitivity')?.toLowerCase()) {
    case 'personal':
      return 'Personal';
    case 'private':
      return 'Private';
    case 'company-confidential':
    case 'confidential':
      return 'Confidential';
    default:
      return 'Normal';
  }
}

function toAttachment(a: Attachment, source: { start: number; end: number } | undefined): MimeAttachment {
  let content = bytesOf(a);
  if (/^message\/rfc822$/i.test(a.mimeType)) content = canonicalMessage(content);
  const contentId = a.contentId?.trim().replace(/^<|>$/g, '') || undefined;
  const out: MimeAttachment = {
    contentType: a.mimeType || 'application/octet-stream',
    inline: a.disposition === 'inline' || a.related === true,
    content,
  };
  if (a.filename) out.filename = repairC1(a.filename);
  if (contentId) out.contentId = contentId;
  if (source) out.source = source;
  return out;
}

/** We ask for ArrayBuffers; calendar parts come as a Uint8Array of normalized UTF-8 text. */
function bytesOf(a: Attachment): Buffer {
  const c = a.content;
  if (typeof c === 'string') return Buffer.from(c, a.encoding === 'base64' ? 'base64' : 'utf8');
  if (c instanceof ArrayBuffer) return Buffer.from(c);
  return Buffer.from(c.buffer, c.byteOffset, c.byteLength);
}

/**
 * An attached message comes back from postal-mime with LF line ends (plus one LF too many, see
 * body()). Give it back in RFC 5322 canonical form, CRLF, so it parses and re-composes as sent.
 */
function canonicalMessage(content: Buffer): Buffer {
  let text = content.toString('latin1').replace(/\r?\n/g, '\r\n');
  if (text.endsWith('\r\n\r\n')) text = text.slice(0, -2);
  return Buffer.from(text, 'latin1');
}
