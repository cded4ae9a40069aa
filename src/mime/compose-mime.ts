/**
 * MimeMessage -> RFC 5322 bytes (CRLF), on top of nodemailer's MailComposer, which builds the
 * multipart tree (alternative / related / mixed), encodes bodies and non-ASCII headers and
 * folds lines. We decide which headers go out and in what form.
 */
import MailComposer from 'nodemailer/lib/mail-composer';
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
    headers: extraHeaders(msg),
    subject: msg.subject,
    date: msg.date ?? new Date(),
    messageId: msg.messageId || undefined,
    inReplyTo: msg.inReplyTo || undefined,
    references: msg.references || undefined,
    attachments: msg.attachments.map(toComposerAttachment),
  };
  if (msg.from) mail.from = toAddress(msg.from);
  if (msg.sender && !sameAddress(msg.sender, msg.from)) mail.sender = toAddress(msg.sender);
  if (msg.replyTo.length) mail.replyTo = msg.replyTo.map(toAddress);
  if (msg.to.length) mail.to = msg.to.map(toAddress);
  if (msg.cc.length) mail.cc = msg.cc.map(toAddress);
  if (opts.includeBcc && msg.bcc.length) mail.bcc = msg.bcc.map(toAddress);
  const html = msg.html || undefined;
  // An HTML-only message still carries a text/plain alternative for text-only readers.
  const text = msg.text || (html ? htmlToText(html) : undefined);
  if (text) mail.text = text;
  if (html) mail.html = html;

  const root = new MailComposer(mail).compile();
  // MimeNode drops Bcc unless told otherwise; a draft's MIME keeps it.
  root.keepBcc = opts.includeBcc;
  return root.build();
}

function extraHeaders(msg: MimeMessage): { key: string; value: string }[] {
  const out: { key: string; value: string }[] = [];
  for (const h of msg.headers) {
    if (!OWN_HEADERS.has(h.name.toLowerCase()) && isHeaderName(h.name) && h.value.trim() !== '') {
      out.push({ key: h.name, value: h.value });
    }
  }
  out.push(...flagHeaders(msg));
  return out;
}

/** Importance, sensitivity and receipt requests, in the forms Exchange and Outlook write. */
function flagHeaders(msg: MimeMessage): { key: string; value: string }[] {
  const out: { key: string; value: string }[] = [];
  if (msg.importance === 'High') {
    out.push({ key: 'Importance', value: 'high' }, { key: 'X-Priority', value: '1' });
  } else if (msg.importance === 'Low') {
    out.push({ key: 'Importance', value: 'low' }, { key: 'X-Priority', value: '5' });
  }
  if (msg.sensitivity && msg.sensitivity !== 'Normal') {
    out.push({ key: 'Sensitivity', value: msg.sensitivity === 'Confidential' ? 'Company-Confidential' : msg.sensitivity });
  }
  // Receipts go back to whoever sent the message (Sender when it acts for From).
  const receiptTo = msg.from ?? msg.sender;
  if (receiptTo && msg.readReceiptRequested) {
    out.push({ key: 'Disposition-Notification-To', value: formatAddress(receiptTo) });
  }
  if (receiptTo && msg.deliveryReceiptRequested) {
    out.push({ key: 'Return-Receipt-To', value: formatAddress(receiptTo) });
  }
  return out;
}

/** RFC 5322 field-name: printable ASCII except ':'; anything else would break the header block. */
function isHeaderName(name: string): boolean {
  return /^[\x21-\x39\x3b-\x7e]+$/.test(name);
}

function toAddress(a: MimeAddress): { name: string; address: string } {
  return { name: a.name ?? '', address: a.address };
}

function sameAddress(a: MimeAddress, b: MimeAddress | undefined): boolean {
  return b !== undefined && a.address.toLowerCase() === b.address.toLowerCase();
}

/** For the receipt headers, which nodemailer treats as unstructured text. */
function formatAddress(a: MimeAddress): string {
  if (!a.name) return `<${a.address}>`;
  // Non-ASCII names would need RFC 2047 inside a structured field; the address alone is enough.
  if (!/^[\x20-\x7e]*$/.test(a.name)) return `<${a.address}>`;
  return `"${a.name.replace(/["\\]/g, '\\$&')}" <${a.address}>`;
}

function toComposerAttachment(a: MimeAttachment): MailComposerAttachment {
  const isMessage = /^message\/rfc822\b/i.test(a.contentType);
  const out: MailComposerAttachment = {
    content: a.content,
    contentType: a.contentType,
    // nodemailer would make a message/rfc822 part inline by default; say what we mean.
    contentDisposition: a.inline ? 'inline' : 'attachment',
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

function isSevenBit(buf: Buffer): boolean {
  for (const byte of buf) {
    if (byte === 0 || byte > 0x7f) return false;
  }
  return true;
}
