import { randomUUID } from 'node:crypto';
import { emptyMessageProps, type AttachedItem, type MessageProps, type NewAttachment, type NewItem } from '../../domain/item.js';
import type { Mailbox } from '../../domain/mailbox.js';
import type { XmlElement } from '../../soap/xml-element.js';
import { EwsError } from '../errors.js';
import { parseExtendedProperty } from './extended-props.js';
import { MESSAGE_ELEMENTS, parseBoolean, WRITABLE_BY_ELEMENT } from './item-fields.js';
import { decodeBase64Element } from './base64-text.js';
import { takeStartedMime } from './early-mime.js';
import { itemFromMimeContent } from './item-mime.js';
import { keptWithMime } from '../../items/mime-mapping.js';
import { applyMappedProperty } from './mapi-props.js';

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
  // Usually under way already, begun while the request was read (early-mime.ts).
  const started = mimeEl && takeStartedMime(mimeEl);
  const mime = started ? started.mime : mimeEl ? decodeBase64Element(mimeEl, 'ErrorMimeContentInvalidBase64String') : undefined;
  const base = started ? await started.item : mime ? await itemFromMimeContent(mime) : undefined;
  const item = await parseItemBody(el, base);
  const props = item.props;
  props.isFromMe = props.from?.address?.toLowerCase() === mailbox.email;
  props.conversationTopic ??= props.subject;
  // Exchange gives every new message an Internet message id; clients thread on it.
  props.internetMessageId ??= `<${randomUUID()}@${mailbox.email.split('@')[1]}>`;
  return mime ? keptWithMime(item, mime, base) : item;
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
    const content = decodeBase64Element(a.child('Content'), 'ErrorCorruptData');
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
    const base = mimeEl ? await itemFromMimeContent(decodeBase64Element(mimeEl, 'ErrorMimeContentInvalidBase64String'), 1) : undefined;
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
