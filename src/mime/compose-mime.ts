/**
 * MimeMessage -> RFC 5322 bytes (CRLF), on top of nodemailer's MailComposer, which builds the
 * multipart tree (alternative / related / mixed), encodes bodies and non-ASCII headers and
 * folds lines. We decide which headers go out and in what form.
 */
import { randomBytes } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer';
import { encodeWords } from 'nodemailer/lib/mime-funcs';
import type { MailComposerAttachment, MailComposerOptions } from 'nodemailer/lib/mail-composer';
import type { ComposeOptions, MimeAddress, MimeAttachment, MimeMessage } from './mime-message.js';
import { htmlToText } from './html-text.js';

/**
 * Headers composeMime writes itself (or must never copy from an input message): an input
 * header with one of these names is not added again. Lowercase.
 */
const OWN_HEADERS = new Set([
  'from', 'sender', 'reply-to', 'to', 'cc', 'bcc', 'subject', 'date', 'message-id', 'in-reply-to', 'references',
  'importance', 'x-priority', 'x-msmail-priority', 'priority', 'sensitivity', 'disposition-notification-to',
  'return-receipt-to', 'mime-version', 'content-type', 'content-transfer-encoding', 'content-disposition',
  'content-id', 'content-description', 'content-length', 'content-md5', 'content-base', 'content-location',
]);

export async function composeMime(msg: MimeMessage, opts: ComposeOptions): Promise<Buffer> {
  const mail: MailComposerOptions = {
    // Content only ever comes from the message itself: never read a file or fetch a URL.
    disableFileAccess: true,
    disableUrlAccess: true,
    newline: 'windows',
    // Subject goes with the prepared headers: nodemailer would encode an ASCII subject that
    // merely holds a quote ('Re: "Plan"') as one encoded word.
    headers: msg.subject ? [...extraHeaders(msg), prepared('Subject', msg.subject)] : extraHeaders(msg),
    // An Invalid Date would be written out as the text "Invalid Date".
    date: msg.date && !Number.isNaN(msg.date.getTime()) ? msg.date : new Date(),
    messageId: msg.messageId || generateMessageId(msg.from ?? msg.sender),
    inReplyTo: msg.inReplyTo || undefined,
    references: msg.references || undefined,
    attachments: msg.attachments.map(toComposerAttachment),
  };
  const from = usable(msg.from);
  const sender = usable(msg.sender);
  if (from) mail.from = toAddress(from);
  if (sender && !sameAddress(sender, from)) mail.sender = toAddress(sender);
  const [replyTo, to, cc, bcc] = [msg.replyTo, msg.to, msg.cc, opts.includeBcc ? msg.bcc : []].map(addressList);
  if (replyTo) mail.replyTo = replyTo;
  if (to) mail.to = to;
  if (cc) mail.cc = cc;
  if (bcc) mail.bcc = bcc;
  // One line-end convention in, CRLF out: a bare CR would survive into the output otherwise.
  const html = msg.html ? lf(msg.html) : undefined;
  // An HTML-only message still carries a text/plain alternative for text-only readers.
  const text = msg.text ? lf(msg.text) : html ? htmlToText(html) : undefined;
  if (text) mail.text = text;
  if (html) mail.html = html;

  const root = new MailComposer(mail).compile();
  // MimeNode drops Bcc unless told otherwise; a draft's MIME keeps it.
  root.keepBcc = opts.includeBcc;
  return root.build();
}

/**
 * A fresh Message-ID, `<random@domain-of-from>` (RFC 5322 3.6.4). Exported so that a caller who
 * must record the id (InternetMessageId) can make it before composing and pass it in.
 */
export function generateMessageId(from?: MimeAddress): string {
  const domain = from?.address.split('@').pop() ?? '';
  const host = /^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(domain) ? domain : 'localhost';
  return `<${randomBytes(16).toString('hex')}@${host}>`;
}

interface PreparedHeader {
  key: string;
  value: { prepared: true; foldLines: true; value: string };
}

function extraHeaders(msg: MimeMessage): PreparedHeader[] {
  const out: PreparedHeader[] = [];
  for (const h of msg.headers) {
    if (!OWN_HEADERS.has(h.name.toLowerCase()) && isHeaderName(h.name) && h.value.trim() !== '') {
      out.push(prepared(h.name, h.value));
    }
  }
  for (const [name, value] of flagHeaders(msg)) out.push(prepared(name, value));
  return out;
}

/**
 * Our own encoding of the extra headers: nodemailer would turn a whole value into one encoded
 * word as soon as it holds a quote, which breaks structured headers (DKIM-Signature,
 * List-Unsubscribe, ...). Here an ASCII value goes out as it is; otherwise only the words that
 * need it are RFC 2047-encoded. Line breaks inside a value are flattened so that a value can
 * never start a header of its own.
 */
function prepared(key: string, value: string): PreparedHeader {
  const clean = value.replace(/\r\n|\r|\n/g, ' ').replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '').trim();
  let encoded = clean;
  if (/[^\x09\x20-\x7e]/.test(clean)) {
    const nonAscii = clean.replace(/[\x00-\x7f]/g, '').length;
    encoded = encodeWords(clean, nonAscii * 2 > clean.length ? 'B' : 'Q', 52, false);
  }
  return { key, value: { prepared: true, foldLines: true, value: encoded } };
}

/** Importance, sensitivity and receipt requests, in the forms Exchange and Outlook write. */
function flagHeaders(msg: MimeMessage): [string, string][] {
  const out: [string, string][] = [];
  if (msg.importance === 'High') {
    out.push(['Importance', 'high'], ['X-Priority', '1']);
  } else if (msg.importance === 'Low') {
    out.push(['Importance', 'low'], ['X-Priority', '5']);
  }
  if (msg.sensitivity && msg.sensitivity !== 'Normal') {
    out.push(['Sensitivity', msg.sensitivity === 'Confidential' ? 'Company-Confidential' : msg.sensitivity]);
  }
  // Receipts go back to whoever sent the message (Sender when it acts for From).
  const receiptTo = msg.from ?? msg.sender;
  if (receiptTo && msg.readReceiptRequested) {
    out.push(['Disposition-Notification-To', formatAddress(receiptTo)]);
  }
  if (receiptTo && msg.deliveryReceiptRequested) {
    out.push(['Return-Receipt-To', formatAddress(receiptTo)]);
  }
  return out;
}

/** RFC 5322 field-name: printable ASCII except ':'; anything else would break the header block. */
function isHeaderName(name: string): boolean {
  return /^[\x21-\x39\x3b-\x7e]+$/.test(name);
}

/** An address we can write: a recipient without an address (a bare display name) is left out. */
function usable(a: MimeAddress | undefined): MimeAddress | undefined {
  return a && a.address.trim() !== '' ? a : undefined;
}

function addressList(list: MimeAddress[]): { name: string; address: string }[] | undefined {
  const out = list.filter((a) => usable(a) !== undefined).map(toAddress);
  return out.length ? out : undefined;
}

function toAddress(a: MimeAddress): { name: string; address: string } {
  return { name: a.name ?? '', address: a.address };
}

function sameAddress(a: MimeAddress, b: MimeAddress | undefined): boolean {
  return b !== undefined && a.address.toLowerCase() === b.address.toLowerCase();
}

/** For the receipt headers, written as prepared (unencoded) values: ASCII only. */
function formatAddress(a: MimeAddress): string {
  const address = a.address.replace(/[^\x21-\x7e]|[<>]/g, '');
  // A non-ASCII name would need RFC 2047 inside a structured field; the address alone is enough.
  if (!a.name || !/^[\x20-\x7e]*$/.test(a.name)) return `<${address}>`;
  return `"${a.name.replace(/["\\]/g, '\\$&')}" <${address}>`;
}

function toComposerAttachment(a: MimeAttachment): MailComposerAttachment {
  const isMessage = /^message\/rfc822\b/i.test(a.contentType);
  const out: MailComposerAttachment = {
    // An attached message goes out in canonical CRLF form like the rest of the output.
    content: isMessage ? toCrlf(a.content) : a.content,
    contentType: a.contentType.trim() || 'application/octet-stream',
    // nodemailer would make a message/rfc822 part inline by default; say what we mean. A text or
    // HTML file is always "attachment": readers merge inline text parts into the body, and the
    // file would be lost.
    contentDisposition: a.inline && !/^text\/(plain|html)\b/i.test(a.contentType) ? 'inline' : 'attachment',
    // false: no made-up name when the attachment has none (nodemailer would invent one).
    filename: a.filename ?? false,
  };
  // A cid puts the part in multipart/related beside the HTML, where cid: URLs resolve.
  if (a.contentId) out.cid = a.contentId;
  // RFC 2046 5.2.1: a message/rfc822 body is never base64/QP-encoded; 7bit when it is plain ASCII.
  // Everything else is base64, even text/*: QP would let line ends be rewritten on the way, and
  // an attachment must come back byte for byte.
  if (isMessage) out.contentTransferEncoding = isSevenBit(a.content) ? '7bit' : '8bit';
  else out.contentTransferEncoding = 'base64';
  return out;
}

function lf(s: string): string {
  return s.replace(/\r\n?/g, '\n');
}

function toCrlf(buf: Buffer): Buffer {
  return Buffer.from(buf.toString('latin1').replace(/\r\n|\r|\n/g, '\r\n'), 'latin1');
}

function isSevenBit(buf: Buffer): boolean {
  for (const byte of buf) {
    if (byte === 0 || byte > 0x7f) return false;
  }
  return true;
}
