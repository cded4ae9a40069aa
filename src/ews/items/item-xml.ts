import type { Folder } from '../../domain/folder.js';
import type { Attachment, EmailAddress, Item, ItemBody } from '../../domain/item.js';
import type { Mailbox } from '../../domain/mailbox.js';
import { htmlToText, textToHtml } from '../../mime/html-text.js';
import type { XmlWriter } from '../../soap/xml-writer.js';
import { ewsDate } from '../dates.js';
import { extendedFieldKey } from '../extended-field.js';
import { folderIdAttrs } from '../folders/folder-xml.js';
import { encodeId } from '../ids.js';
import { writeExtendedProperty } from './extended-props.js';
import { itemIdAttrs } from './item-ids.js';
import type { ItemShape, RequestedBodyType } from './item-shape.js';
import { computedMapiValue } from './mapi-props.js';

/** What writing an item may need beyond the item itself (fetched by the operation, asynchronously). */
export interface ItemExtras {
  parent?: Pick<Folder, 'id' | 'modseq'>;
  /** The MIME to return when MimeContent is asked for. */
  mime?: Buffer;
}

export type ItemElement = 'Message' | 'MeetingRequest' | 'MeetingResponse' | 'MeetingCancellation' | 'CalendarItem' | 'Contact' | 'Task' | 'PostItem' | 'Item';

const ELEMENT_BY_CLASS: ReadonlyArray<readonly [RegExp, ItemElement]> = [
  [/^(REPORT\.)?IPM\.Note(\.|$)/i, 'Message'],
  [/^IPM\.Schedule\.Meeting\.Request(\.|$)/i, 'MeetingRequest'],
  [/^IPM\.Schedule\.Meeting\.Resp(\.|$)/i, 'MeetingResponse'],
  [/^IPM\.Schedule\.Meeting\.Canceled(\.|$)/i, 'MeetingCancellation'],
  [/^IPM\.Appointment(\.|$)/i, 'CalendarItem'],
  [/^IPM\.Contact(\.|$)/i, 'Contact'],
  [/^IPM\.Task(\.|$)/i, 'Task'],
  [/^IPM\.Post(\.|$)/i, 'PostItem'],
];

/** The element an item is written as (clients tell item types apart by it), from its ItemClass. */
export function itemElement(itemClass: string): ItemElement {
  return ELEMENT_BY_CLASS.find(([re]) => re.test(itemClass))?.[1] ?? 'Item';
}

/** Message and meeting-message elements extend MessageType, so they carry the message fields. */
function isMessageElement(kind: ItemElement): boolean {
  return kind === 'Message' || kind.startsWith('Meeting');
}

/** Writes an item with the properties of `shape`, in the element order of Types.xsd (ItemType, then MessageType). */
export function writeItem(w: XmlWriter, mailbox: Mailbox, item: Item, shape: ItemShape, extras: ItemExtras = {}): void {
  const f = shape.fields;
  const p = item.props;
  const kind = itemElement(p.itemClass);
  const el = `t:${kind}`;
  w.open(el);
  if (f.has('MimeContent') && extras.mime) w.base64('t:MimeContent', extras.mime, { CharacterSet: 'UTF-8' });
  if (f.has('ItemId')) w.empty('t:ItemId', itemIdAttrs(mailbox, item));
  if (f.has('ParentFolderId')) w.empty('t:ParentFolderId', folderIdAttrs(mailbox, extras.parent ?? { id: item.folderId, modseq: 0 }));
  if (f.has('ItemClass')) w.leaf('t:ItemClass', p.itemClass);
  if (f.has('Subject')) w.leaf('t:Subject', p.subject);
  if (f.has('Sensitivity')) w.leaf('t:Sensitivity', p.sensitivity ?? 'Normal');
  if (f.has('Body') && p.body) writeBody(w, 't:Body', p.body, shape.bodyType);
  if (f.has('Attachments') && item.attachments.length) writeAttachments(w, mailbox, item);
  if (f.has('DateTimeReceived')) w.leaf('t:DateTimeReceived', ewsDate(item.dateTimeReceived));
  if (f.has('Size')) w.leaf('t:Size', item.size);
  if (f.has('Categories') && p.categories.length) {
    w.open('t:Categories');
    for (const c of p.categories) w.leaf('t:String', c);
    w.close('t:Categories');
  }
  if (f.has('Importance')) w.leaf('t:Importance', p.importance ?? 'Normal');
  if (f.has('InReplyTo')) w.leaf('t:InReplyTo', p.inReplyTo);
  if (f.has('IsSubmitted')) w.leaf('t:IsSubmitted', p.isSubmitted);
  if (f.has('IsDraft')) w.leaf('t:IsDraft', p.isDraft);
  if (f.has('IsFromMe')) w.leaf('t:IsFromMe', p.isFromMe);
  if (f.has('IsResend')) w.leaf('t:IsResend', false);
  if (f.has('IsUnmodified')) w.leaf('t:IsUnmodified', !p.isDraft && item.modifiedAt.getTime() === item.createdAt.getTime());
  if (f.has('InternetMessageHeaders') && p.internetMessageHeaders.length) {
    w.open('t:InternetMessageHeaders');
    for (const h of p.internetMessageHeaders) w.leaf('t:InternetMessageHeader', h.value, { HeaderName: h.name });
    w.close('t:InternetMessageHeaders');
  }
  if (f.has('DateTimeSent')) w.leaf('t:DateTimeSent', ewsDate(p.dateTimeSent ?? item.createdAt));
  if (f.has('DateTimeCreated')) w.leaf('t:DateTimeCreated', ewsDate(item.createdAt));
  if (f.has('DisplayCc')) w.leaf('t:DisplayCc', displayList(p.cc));
  if (f.has('DisplayTo')) w.leaf('t:DisplayTo', displayList(p.to));
  if (f.has('HasAttachments')) w.leaf('t:HasAttachments', item.hasAttachments);
  writeExtended(w, item, shape);
  if (f.has('EffectiveRights')) {
    // The owner's rights on an item: the Create* rights only mean something on folders.
    w.open('t:EffectiveRights').leaf('t:CreateAssociated', false).leaf('t:CreateContents', false).leaf('t:CreateHierarchy', false);
    w.leaf('t:Delete', true).leaf('t:Modify', true).leaf('t:Read', true).leaf('t:ViewPrivateItems', true).close('t:EffectiveRights');
  }
  if (f.has('LastModifiedTime')) w.leaf('t:LastModifiedTime', ewsDate(item.modifiedAt));
  if (f.has('IsAssociated')) w.leaf('t:IsAssociated', false);
  if (f.has('TextBody') && p.body) writeBody(w, 't:TextBody', p.body, 'Text');
  if (isMessageElement(kind)) {
    if (f.has('Sender') && p.sender) writeSingle(w, 't:Sender', p.sender);
    if (f.has('ToRecipients')) writeRecipients(w, 't:ToRecipients', p.to);
    if (f.has('CcRecipients')) writeRecipients(w, 't:CcRecipients', p.cc);
    if (f.has('BccRecipients')) writeRecipients(w, 't:BccRecipients', p.bcc);
    if (f.has('IsReadReceiptRequested')) w.leaf('t:IsReadReceiptRequested', p.isReadReceiptRequested ?? false);
    if (f.has('IsDeliveryReceiptRequested')) w.leaf('t:IsDeliveryReceiptRequested', p.isDeliveryReceiptRequested ?? false);
    if (f.has('ConversationIndex')) w.leaf('t:ConversationIndex', p.conversationIndex);
    if (f.has('ConversationTopic')) w.leaf('t:ConversationTopic', p.conversationTopic);
    if (f.has('From') && p.from) writeSingle(w, 't:From', p.from);
    if (f.has('InternetMessageId')) w.leaf('t:InternetMessageId', p.internetMessageId);
    if (f.has('IsRead')) w.leaf('t:IsRead', p.isRead);
    if (f.has('IsResponseRequested')) w.leaf('t:IsResponseRequested', p.isResponseRequested ?? false);
    if (f.has('References')) w.leaf('t:References', p.references);
    if (f.has('ReplyTo')) writeRecipients(w, 't:ReplyTo', p.replyTo);
  }
  w.close(el);
}

/** The fields {@link writeItemHead} can write: a shape asking for no more needs no full item. */
const HEAD_FIELDS: ReadonlySet<string> = new Set(['MimeContent', 'ItemId', 'ItemClass']);

/** Whether `shape` asks for MimeContent and nothing beyond what {@link writeItemHead} writes. */
export function isMimeOnlyShape(shape: ItemShape): boolean {
  if (!shape.fields.has('MimeContent') || shape.extended.length > 0) return false;
  for (const f of shape.fields) if (!HEAD_FIELDS.has(f)) return false;
  return true;
}

/**
 * Writes what {@link writeItem} writes for a {@link isMimeOnlyShape} shape, byte for byte, from
 * the item's id, version and class alone (test/get-item-mime.test.ts compares the two).
 */
export function writeItemHead(w: XmlWriter, mailbox: Mailbox, item: Pick<Item, 'id' | 'modseq'> & { itemClass: string }, shape: ItemShape, mime: Buffer): void {
  const f = shape.fields;
  const el = `t:${itemElement(item.itemClass)}`;
  w.open(el).base64('t:MimeContent', mime, { CharacterSet: 'UTF-8' });
  if (f.has('ItemId')) w.empty('t:ItemId', itemIdAttrs(mailbox, item));
  if (f.has('ItemClass')) w.leaf('t:ItemClass', item.itemClass);
  w.close(el);
}

/** Converts between HTML and text as the request's BodyType asks. */
export function bodyAs(body: ItemBody, wanted: RequestedBodyType): ItemBody {
  if (wanted === 'Best' || wanted === body.type) return body;
  return wanted === 'Text' ? { type: 'Text', content: htmlToText(body.content) } : { type: 'HTML', content: textToHtml(body.content) };
}

function writeBody(w: XmlWriter, name: string, body: ItemBody, wanted: RequestedBodyType): void {
  const out = bodyAs(body, wanted);
  w.leaf(name, out.content, { BodyType: out.type });
}

/** Requested extended properties: computed MAPI values first, then what the client stored, echoed as asked. */
function writeExtended(w: XmlWriter, item: Item, shape: ItemShape): void {
  if (shape.extended.length === 0) return;
  const stored = new Map(item.props.extended.map((e) => [e.key, e]));
  for (const uri of shape.extended) {
    const computed = uri.propertyTag !== undefined ? computedMapiValue(item, uri.propertyTag) : undefined;
    if (computed !== undefined) {
      writeExtendedProperty(w, { name: uri, value: computed });
      continue;
    }
    const prop = stored.get(extendedFieldKey(uri));
    if (prop) writeExtendedProperty(w, { name: uri, ...(prop.values ? { values: prop.values } : { value: prop.value ?? '' }) });
  }
}

function displayList(list: readonly EmailAddress[]): string {
  return list.map((a) => a.name ?? a.address ?? '').join('; ');
}

export function writeMailbox(w: XmlWriter, a: EmailAddress): void {
  w.open('t:Mailbox').leaf('t:Name', a.name ?? a.address).leaf('t:EmailAddress', a.address);
  w.leaf('t:RoutingType', a.routingType ?? (a.address ? 'SMTP' : undefined)).leaf('t:MailboxType', a.mailboxType ?? (a.address ? 'OneOff' : undefined));
  w.close('t:Mailbox');
}

function writeSingle(w: XmlWriter, name: string, a: EmailAddress): void {
  w.open(name);
  writeMailbox(w, a);
  w.close(name);
}

function writeRecipients(w: XmlWriter, name: string, list: readonly EmailAddress[]): void {
  if (list.length === 0) return;
  w.open(name);
  for (const a of list) writeMailbox(w, a);
  w.close(name);
}

export function attachmentIdAttrs(mailbox: Mailbox, item: Pick<Item, 'id' | 'modseq'>, attachment: Pick<Attachment, 'id'>) {
  const root = itemIdAttrs(mailbox, item);
  return { Id: encodeId('A', mailbox.guid, item.id, attachment.id), RootItemId: root.Id, RootItemChangeKey: root.ChangeKey };
}

/** Attachment metadata (GetItem never carries content: GetAttachment does). */
export function writeAttachments(w: XmlWriter, mailbox: Mailbox, item: Item): void {
  w.open('t:Attachments');
  for (const a of item.attachments) {
    const el = a.kind === 'file' ? 't:FileAttachment' : 't:ItemAttachment';
    w.open(el).empty('t:AttachmentId', attachmentIdAttrs(mailbox, item, a));
    w.leaf('t:Name', a.name).leaf('t:ContentType', a.contentType).leaf('t:ContentId', a.contentId).leaf('t:ContentLocation', a.contentLocation);
    w.leaf('t:Size', a.size).leaf('t:LastModifiedTime', ewsDate(a.lastModified)).leaf('t:IsInline', a.isInline);
    if (a.kind === 'file') w.leaf('t:IsContactPhoto', false);
    w.close(el);
  }
  w.close('t:Attachments');
}
