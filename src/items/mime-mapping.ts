/**
 * Items <-> MIME: what an item created from RFC 5322 bytes holds, and the MIME composed from an
 * item's properties. Shared by the EWS operations and local delivery; no XML, no SQL.
 */
import type { AttachedItem, EmailAddress, Item, ItemBody, MessageProps, NewAttachment, NewItem } from '../domain/item.js';
import { emptyMessageProps } from '../domain/item.js';
import { composeMime } from '../mime/compose-mime.js';
import { bodyFromMime } from '../mime/body-text.js';
import type { MimeAddress, MimeAttachment, MimeBodySource, MimeMessage } from '../mime/mime-message.js';
import { MimeParseError } from '../mime/parse-mime.js';
import { parseMimeOffThread } from '../mime/parse-pool.js';
import type { AttachmentContent } from '../store/store.js';

/** Attached messages inside attached messages: deeper ones stay plain message/rfc822 files. */
const MAX_ATTACHED_DEPTH = 3;

/** What {@link itemFromMime} reads; at the top level also where the body lies in the bytes read. */
export type MimeItem = AttachedItem & Pick<NewItem, 'bodySource'>;

/**
 * Reads MIME into item properties and attachments; the caller keeps the raw bytes (see
 * {@link keptWithMime}). Throws {@link MimeParseError}.
 */
export async function itemFromMime(raw: Buffer, depth = 0): Promise<MimeItem> {
  // An item keeps one body, the HTML one when there is one: a plain-text alternative beside it is
  // not even decoded. At the top level the body is left in the bytes when it is one range of them
  // (bodyInMime); an attached message is kept as JSON, so its body is decoded.
  const m = await parseMimeOffThread(raw, { textBesideHtml: false, bodyInPlace: depth === 0 });
  const props = emptyMessageProps();
  props.isDraft = m.headers.some((h) => h.name.toLowerCase() === 'x-unsent' && h.value.trim() === '1');
  props.isRead = true;
  if (m.subject !== undefined) props.subject = m.subject;
  const inPlace = depth === 0 && m.bodySource && m[m.bodySource.type] === undefined ? m.bodySource : undefined;
  if (inPlace) props.body = bodyInMime(raw, inPlace);
  else if (m.html !== undefined) props.body = { type: 'HTML', content: m.html };
  else if (m.text !== undefined) props.body = { type: 'Text', content: m.text };
  if (m.from) props.from = fromMime(m.from);
  if (m.sender) props.sender = fromMime(m.sender);
  props.replyTo = m.replyTo.map(fromMime);
  props.to = m.to.map(fromMime);
  props.cc = m.cc.map(fromMime);
  props.bcc = m.bcc.map(fromMime);
  if (m.date) props.dateTimeSent = m.date;
  if (m.messageId) props.internetMessageId = m.messageId;
  if (m.inReplyTo) props.inReplyTo = m.inReplyTo;
  if (m.references) props.references = m.references;
  if (m.importance) props.importance = m.importance;
  if (m.sensitivity) props.sensitivity = m.sensitivity;
  if (m.readReceiptRequested) props.isReadReceiptRequested = true;
  if (m.deliveryReceiptRequested) props.isDeliveryReceiptRequested = true;
  props.internetMessageHeaders = m.headers.map((h) => ({ name: h.name, value: h.value }));
  const attachments: NewAttachment[] = [];
  for (const a of m.attachments) attachments.push(await attachmentFromMime(a, raw, depth));
  // Offsets into the top-level message only, as for attachments; an attached message is kept as JSON.
  if (inPlace && props.body) {
    const { start, end, quotedPrintable, charset } = inPlace;
    const bodySource: BodySource = { mime: raw, body: props.body, start, end, quotedPrintable };
    if (charset !== undefined) bodySource.charset = charset;
    return { props, attachments, bodySource };
  }
  return { props, attachments };
}

type BodySource = NonNullable<NewItem['bodySource']>;

/**
 * The body that range `source` of `raw` decodes to, decoded when first read: creating an item
 * from MIME stores the range and never reads the body (see NewItem.bodySource). Its text cannot
 * be set (the property has a getter only), so the object stays the decoding of that range; it is
 * an own enumerable property, so a copy, JSON or a deep comparison reads it like any other.
 */
export function bodyInMime(raw: Buffer, source: MimeBodySource): ItemBody {
  let text: string | undefined;
  const body = { type: source.type === 'html' ? 'HTML' : 'Text' } as ItemBody;
  return Object.defineProperty(body, 'content', { enumerable: true, get: () => (text ??= bodyFromMime(raw, source) ?? '') });
}

/** The item to store with MIME `raw`: `item` (what `parsed` read, perhaps changed since), the bytes, and where `parsed` found the body in them. */
export function keptWithMime(item: AttachedItem, raw: Buffer, parsed: MimeItem | undefined): NewItem {
  const kept: NewItem = { props: item.props, attachments: item.attachments, mime: raw };
  if (parsed?.bodySource) kept.bodySource = parsed.bodySource;
  return kept;
}

async function attachmentFromMime(a: MimeAttachment, raw: Buffer, depth: number): Promise<NewAttachment> {
  const name = a.filename ?? (a.contentType === 'message/rfc822' ? 'message.eml' : 'attachment');
  if (a.contentType.toLowerCase() === 'message/rfc822' && depth < MAX_ATTACHED_DEPTH) {
    try {
      const item = await itemFromMime(a.content, depth + 1);
      return { kind: 'item', name: item.props.subject ?? name, contentType: a.contentType, isInline: a.inline, item };
    } catch (err) {
      if (!(err instanceof MimeParseError)) throw err;
      // An attached message we cannot read stays a file: nothing the sender attached is lost.
    }
  }
  const file: NewAttachment = { kind: 'file', name, contentType: a.contentType, isInline: a.inline, content: a.content };
  if (a.contentId) file.contentId = a.contentId;
  // Offsets into the top-level message only: an attached message's parts live inside its own bytes.
  if (a.source && depth === 0) file.mimeSource = { mime: raw, start: a.source.start, end: a.source.end };
  return file;
}

function fromMime(a: MimeAddress): EmailAddress {
  const out: EmailAddress = { address: a.address };
  if (a.name) out.name = a.name;
  return out;
}

function toMime(a: EmailAddress): MimeAddress | undefined {
  if (!a.address) return undefined;
  return a.name ? { name: a.name, address: a.address } : { address: a.address };
}

function toMimeList(list: readonly EmailAddress[]): MimeAddress[] {
  return list.map(toMime).filter((a): a is MimeAddress => a !== undefined);
}

/** Builds RFC 5322 MIME from an item's properties (items that were not created from MIME). */
export async function composeItemMime(item: Pick<Item, 'props' | 'attachments' | 'createdAt'>, contents: Map<number, AttachmentContent>): Promise<Buffer> {
  const attachments: MimeAttachment[] = [];
  for (const a of item.attachments) {
    const c = contents.get(a.id);
    if (!c) continue;
    const content = c.kind === 'file' ? c.content : await composeAttached(c.item);
    const m: MimeAttachment = { filename: a.name, contentType: c.kind === 'file' ? (a.contentType ?? 'application/octet-stream') : 'message/rfc822', inline: a.isInline, content };
    if (a.contentId) m.contentId = a.contentId;
    attachments.push(m);
  }
  return composeMime(mimeMessage(item.props, attachments, item.props.dateTimeSent ?? item.createdAt), { includeBcc: item.props.isDraft });
}

export async function composeAttached(item: AttachedItem): Promise<Buffer> {
  const attachments: MimeAttachment[] = [];
  for (const a of item.attachments) {
    const content = a.kind === 'file' ? a.content : await composeAttached(a.item);
    const m: MimeAttachment = { filename: a.name, contentType: a.kind === 'file' ? a.contentType : 'message/rfc822', inline: a.isInline, content };
    if (a.contentId) m.contentId = a.contentId;
    attachments.push(m);
  }
  return composeMime(mimeMessage(item.props, attachments, item.props.dateTimeSent), { includeBcc: false });
}

function mimeMessage(p: MessageProps, attachments: MimeAttachment[], date: Date | undefined): MimeMessage {
  const m: MimeMessage = {
    replyTo: toMimeList(p.replyTo),
    to: toMimeList(p.to),
    cc: toMimeList(p.cc),
    bcc: toMimeList(p.bcc),
    headers: p.internetMessageHeaders.map((h) => ({ name: h.name, value: h.value })),
    attachments,
  };
  if (p.subject !== undefined) m.subject = p.subject;
  const from = p.from && toMime(p.from);
  if (from) m.from = from;
  const sender = p.sender && toMime(p.sender);
  if (sender) m.sender = sender;
  if (date) m.date = date;
  if (p.internetMessageId) m.messageId = p.internetMessageId;
  if (p.inReplyTo) m.inReplyTo = p.inReplyTo;
  if (p.references) m.references = p.references;
  if (p.body?.type === 'HTML') m.html = p.body.content;
  else if (p.body) m.text = p.body.content;
  if (p.importance) m.importance = p.importance;
  if (p.sensitivity) m.sensitivity = p.sensitivity;
  if (p.isReadReceiptRequested) m.readReceiptRequested = true;
  if (p.isDeliveryReceiptRequested) m.deliveryReceiptRequested = true;
  return m;
}
