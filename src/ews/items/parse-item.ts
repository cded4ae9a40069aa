import { randomUUID } from 'node:crypto';
import { emptyMessageProps, type AttachedItem, type MessageProps, type NewAttachment, type NewItem } from '../../domain/item.js';
import type { Mailbox } from '../../domain/mailbox.js';
import type { XmlElement } from '../../soap/xml-element.js';
import { EwsError } from '../errors.js';
import { parseExtendedProperty } from './extended-props.js';
import { parseBoolean, WRITABLE_BY_ELEMENT } from './item-fields.js';
import { itemFromMimeContent } from './item-mime.js';
import { applyMappedProperty } from './mapi-props.js';

/** Item elements CreateItem takes today; the others (calendar, contacts, tasks) come with their own issues. */
const MESSAGE_ELEMENTS = new Set(['Message', 'Item']);

/**
 * Base64 as clients send it: alphabet and whitespace, then at most two '=' and whitespace. Checked
 * as "no foreign character" plus a look at the tail from the first '=': one pass over megabytes
 * of MimeContent instead of an anchored pattern's (same language as /^[A-Za-z0-9+/\s]*={0,2}\s*$/).
 */
const NOT_BASE64 = /[^A-Za-z0-9+/\s=]/;
const PADDING_TAIL = /^={1,2}\s*$/;

export function decodeBase64(text: string, code: string): Buffer {
  // Fast path for the usual unbroken base64: Node's decoder skips characters outside the alphabet
  // (and stops at an inner '='), so it yields exactly the length the text announces only when
  // every character counted. It also reads the URL-safe '-' and '_', which EWS does not allow.
  const bytes = Buffer.from(text, 'base64');
  if (text.length % 4 === 0 && bytes.length === Buffer.byteLength(text, 'base64') && !text.includes('-') && !text.includes('_')) return bytes;
  const pad = text.indexOf('=');
  if (NOT_BASE64.test(text) || (pad >= 0 && !PADDING_TAIL.test(text.slice(pad)))) throw new EwsError(code);
  return bytes;
}

/**
 * Reads one item of CreateItem. Children are looked up by name, in any order (DavMail mixes
 * MimeContent and ExtendedProperty in HashMap order). With MimeContent, the message comes from the
 * MIME and the explicit properties are applied over it; the raw MIME is kept.
 */
export async function parseNewItem(el: XmlElement, mailbox: Mailbox): Promise<NewItem> {
  if (!MESSAGE_ELEMENTS.has(el.name)) {
    throw new EwsError('ErrorInvalidOperation', `Creating a t:${el.name} is not supported yet; only t:Message and t:Item are.`);
  }
  const mimeEl = el.child('MimeContent');
  const mime = mimeEl ? decodeBase64(mimeEl.text, 'ErrorMimeContentInvalidBase64String') : undefined;
  const base = mime ? await itemFromMimeContent(mime) : undefined;
  const item = await parseItemBody(el, base);
  const props = item.props;
  props.isFromMe = props.from?.address?.toLowerCase() === mailbox.email;
  props.conversationTopic ??= props.subject;
  // Exchange gives every new message an Internet message id; clients thread on it.
  props.internetMessageId ??= `<${randomUUID()}@${mailbox.email.split('@')[1]}>`;
  return mime ? { ...item, mime } : item;
}

/** Applies an item element's children over `base` (also used for messages inside item attachments). */
async function parseItemBody(el: XmlElement, base: AttachedItem | undefined): Promise<AttachedItem> {
  const props: MessageProps = base?.props ?? emptyMessageProps();
  const extended = new Map(props.extended.map((e) => [e.key, e]));
  for (const child of el.children) {
    const spec = WRITABLE_BY_ELEMENT.get(child.name);
    if (spec) spec.set(props, child);
  }
  // Mapped MAPI properties (flags, delivery time) win over the defaults; in document order.
  for (const child of el.all('ExtendedProperty')) {
    const prop = parseExtendedProperty(child);
    if (!applyMappedProperty(props, prop)) extended.set(prop.key, prop);
  }
  props.extended = [...extended.values()];
  const attachments = base?.attachments ?? [];
  const attEl = el.child('Attachments');
  if (attEl) attachments.push(...(await parseAttachments(attEl)));
  return { props, attachments };
}

export async function parseAttachments(container: XmlElement): Promise<NewAttachment[]> {
  const out: NewAttachment[] = [];
  for (const a of container.children) out.push(await parseAttachment(a));
  return out;
}

export async function parseAttachment(a: XmlElement): Promise<NewAttachment> {
  const name = a.child('Name')?.text ?? '';
  const isInlineEl = a.child('IsInline');
  const isInline = isInlineEl ? parseBoolean(isInlineEl) : false;
  const contentId = a.childText('ContentId');
  if (a.name === 'FileAttachment') {
    const content = decodeBase64(a.child('Content')?.text ?? '', 'ErrorCorruptData');
    const file: NewAttachment = { kind: 'file', name, contentType: a.childText('ContentType') || 'application/octet-stream', isInline, content };
    if (contentId) file.contentId = contentId;
    const location = a.childText('ContentLocation');
    if (location) file.contentLocation = location;
    return file;
  }
  if (a.name === 'ItemAttachment') {
    const inner = a.children.find((c) => MESSAGE_ELEMENTS.has(c.name));
    if (!inner) throw new EwsError('ErrorInvalidOperation', 'An item attachment must hold a t:Message or t:Item.');
    const mimeEl = inner.child('MimeContent');
    const base = mimeEl ? await itemFromMimeContent(decodeBase64(mimeEl.text, 'ErrorMimeContentInvalidBase64String'), 1) : undefined;
    const item = await parseItemBody(inner, base);
    item.props.isDraft = false;
    const att: NewAttachment = { kind: 'item', name: name || item.props.subject || 'Untitled', isInline, item };
    const contentType = a.childText('ContentType');
    if (contentType) att.contentType = contentType;
    if (contentId) att.contentId = contentId;
    return att;
  }
  throw new EwsError('ErrorInvalidOperation', `Attachments of type t:${a.name} are not supported.`);
}
