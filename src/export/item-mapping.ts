/**
 * ewsd items <-> MAPI message content of the item stream (docs/export-format.md section 4).
 * Pure functions: no XML, no SQL. `itemToMessage` then `messageToItem` gives back the same
 * properties; a MAPI property ewsd has no field for becomes an extended property, so data from
 * Exchange keeps what ewsd does not interpret and gives it back on the next export.
 */
import type { AttachedItem, EmailAddress, ExtendedProperty, Importance, MessageProps, NewAttachment, NewItem, Sensitivity } from '../domain/item.js';
import { emptyMessageProps } from '../domain/item.js';
import { decodeCodePage } from './code-pages.js';
import { extendedKey, extendedToMapi, mapiToExtended } from './extended-values.js';
import type { ExportedAttachment, ExportedMessage } from './message-content.js';
import {
  AttachMethod,
  MapiPropertyBag,
  MessageFlag,
  PidNameEwsdMimeContent,
  PidNameKeywords,
  PidTag,
  PropertySet,
  PropType,
  RecipientType,
  dateToFiletime,
  filetimeToDate,
  keyString,
  type MapiValue,
  type NamedPropertyId,
} from './mapi-props.js';
import { decodeFlatEntryList, decodeOneOff, encodeFlatEntryList, encodeOneOff } from './one-off-entry-ids.js';

/** What an export needs of an item: its properties, attachments with bytes, and its history. */
export interface ExportSource {
  props: MessageProps;
  attachments: readonly NewAttachment[];
  mime?: Buffer;
  createdAt?: Date;
  modifiedAt?: Date;
  dateTimeReceived?: Date;
  size?: number;
  hasAttachments?: boolean;
}

const TAG = {
  ...PidTag,
  ResponseRequested: 0x0063,
  ReplyRecipientEntries: 0x004f,
  EntryId: 0x0fff,
  ParentEntryId: 0x0e09,
  SearchKey: 0x300b,
  InstanceKey: 0x0ff6,
  SourceKey: 0x65e0,
  ParentSourceKey: 0x65e1,
  ChangeKey: 0x65e2,
  PredecessorChangeList: 0x65e3,
  InternetArticleNumber: 0x0e23,
  DnPrefix: 0x4008,
} as const;

const ewsd = (name: string): NamedPropertyId => ({ set: PropertySet.Ewsd, name });
const MAILBOX_TYPE = { from: ewsd('FromMailboxType'), sender: ewsd('SenderMailboxType'), recipient: ewsd('MailboxType') } as const;

const IMPORTANCE: readonly Importance[] = ['Low', 'Normal', 'High'];
const SENSITIVITY: readonly Sensitivity[] = ['Normal', 'Personal', 'Private', 'Confidential'];

/**
 * Tags the mapping interprets (never stored as extended properties), plus identifiers that belong
 * to the exporting store and mean nothing once the item lands elsewhere (entry ids, source keys,
 * the IMAP UID, Exchange's legacy-DN prefix).
 */
const CONSUMED_TAGS: ReadonlySet<number> = new Set([
  TAG.MessageClass, TAG.Subject, TAG.Body, TAG.Html, TAG.InternetCodepage, TAG.Importance, TAG.Sensitivity,
  TAG.MessageFlags, TAG.HasAttachments, TAG.ReadReceiptRequested, TAG.OriginatorDeliveryReportRequested, TAG.ResponseRequested,
  TAG.ClientSubmitTime, TAG.MessageDeliveryTime, TAG.CreationTime, TAG.LastModificationTime, TAG.MessageSize,
  TAG.InternetMessageId, TAG.InReplyToId, TAG.InternetReferences, TAG.ConversationTopic, TAG.ConversationIndex,
  TAG.TransportMessageHeaders, TAG.SentRepresentingName, TAG.SentRepresentingEmailAddress, TAG.SentRepresentingAddressType,
  TAG.SentRepresentingSmtpAddress, TAG.SenderName, TAG.SenderEmailAddress, TAG.SenderAddressType, TAG.SenderSmtpAddress,
  TAG.ReplyRecipientNames, TAG.ReplyRecipientEntries,
  TAG.EntryId, TAG.ParentEntryId, TAG.SearchKey, TAG.InstanceKey, TAG.RecordKey, TAG.SourceKey, TAG.ParentSourceKey, TAG.ChangeKey,
  TAG.PredecessorChangeList, TAG.Mid, TAG.AccessLevel, TAG.ObjectType, TAG.InternetArticleNumber, TAG.DnPrefix,
]);
const CONSUMED_NAMED: ReadonlySet<string> = new Set(
  [PidNameKeywords, PidNameEwsdMimeContent, MAILBOX_TYPE.from, MAILBOX_TYPE.sender].map((k) => keyString(k)),
);

const str = (value: string): MapiValue => ({ type: PropType.String, value, codePage: 1200 });
const bool = (value: boolean): MapiValue => ({ type: PropType.Boolean, value });
const int = (value: number): MapiValue => ({ type: PropType.Integer32, value });
const time = (d: Date): MapiValue => ({ type: PropType.Time, value: dateToFiletime(d) });
const bin = (value: Buffer): MapiValue => ({ type: PropType.Binary, value });

// ---------------------------------------------------------------- item -> MAPI

export function itemToMessage(src: ExportSource): ExportedMessage {
  const p = src.props;
  const bag = new MapiPropertyBag();
  // Extended properties first: the mapped fields below win where a client stored a mapped tag.
  for (const e of p.extended) {
    const key = extendedKey(e.name);
    const value = extendedToMapi(e);
    if (key !== undefined && value) bag.setKey(key, value);
  }
  bag.set(TAG.MessageClass, str(p.itemClass));
  if (p.subject !== undefined) bag.set(TAG.Subject, str(p.subject));
  if (p.body?.type === 'HTML') {
    bag.set(TAG.Html, bin(Buffer.from(p.body.content, 'utf8')));
    bag.set(TAG.InternetCodepage, int(65001));
  } else if (p.body) {
    bag.set(TAG.Body, str(p.body.content));
  }
  if (p.importance) bag.set(TAG.Importance, int(IMPORTANCE.indexOf(p.importance)));
  if (p.sensitivity) bag.set(TAG.Sensitivity, int(SENSITIVITY.indexOf(p.sensitivity)));
  const hasAttachments = src.hasAttachments ?? src.attachments.some((a) => !a.isInline);
  const flags = (p.isRead ? MessageFlag.Read : 0) | (p.isSubmitted ? MessageFlag.Submit : 0) | (p.isDraft ? MessageFlag.Unsent : 0)
    | (hasAttachments ? MessageFlag.HasAttach : 0) | (p.isFromMe ? MessageFlag.FromMe : 0);
  bag.set(TAG.MessageFlags, int(flags));
  if (p.categories.length) bag.setNamed(PidNameKeywords, { type: PropType.MultipleString, values: [...p.categories] });
  if (p.isReadReceiptRequested !== undefined) bag.set(TAG.ReadReceiptRequested, bool(p.isReadReceiptRequested));
  if (p.isDeliveryReceiptRequested !== undefined) bag.set(TAG.OriginatorDeliveryReportRequested, bool(p.isDeliveryReceiptRequested));
  if (p.isResponseRequested !== undefined) bag.set(TAG.ResponseRequested, bool(p.isResponseRequested));
  if (p.dateTimeSent) bag.set(TAG.ClientSubmitTime, time(p.dateTimeSent));
  const received = src.dateTimeReceived ?? p.dateTimeReceived;
  if (received) bag.set(TAG.MessageDeliveryTime, time(received));
  if (src.createdAt) bag.set(TAG.CreationTime, time(src.createdAt));
  if (src.modifiedAt) bag.set(TAG.LastModificationTime, time(src.modifiedAt));
  if (src.size !== undefined) bag.set(TAG.MessageSize, int(src.size));
  if (p.internetMessageId !== undefined) bag.set(TAG.InternetMessageId, str(p.internetMessageId));
  if (p.inReplyTo !== undefined) bag.set(TAG.InReplyToId, str(p.inReplyTo));
  if (p.references !== undefined) bag.set(TAG.InternetReferences, str(p.references));
  if (p.conversationTopic !== undefined) bag.set(TAG.ConversationTopic, str(p.conversationTopic));
  if (p.conversationIndex !== undefined) bag.set(TAG.ConversationIndex, bin(Buffer.from(p.conversationIndex, 'base64')));
  if (p.internetMessageHeaders.length) bag.set(TAG.TransportMessageHeaders, str(formatHeaders(p.internetMessageHeaders)));
  if (p.from) setAddress(bag, p.from, [TAG.SentRepresentingName, TAG.SentRepresentingEmailAddress, TAG.SentRepresentingAddressType, TAG.SentRepresentingSmtpAddress], MAILBOX_TYPE.from);
  if (p.sender) setAddress(bag, p.sender, [TAG.SenderName, TAG.SenderEmailAddress, TAG.SenderAddressType, TAG.SenderSmtpAddress], MAILBOX_TYPE.sender);
  if (p.replyTo.length) {
    bag.set(TAG.ReplyRecipientNames, str(p.replyTo.map((a) => a.name ?? a.address ?? '').join(';')));
    bag.set(TAG.ReplyRecipientEntries, bin(encodeFlatEntryList(p.replyTo.map((a) => encodeOneOff({ ...nameAddress(a), addressType: a.routingType ?? 'SMTP' })))));
  }
  if (src.mime) bag.setNamed(PidNameEwsdMimeContent, bin(src.mime));
  const recipients = [
    ...p.to.map((a) => recipientRow(a, RecipientType.To)),
    ...p.cc.map((a) => recipientRow(a, RecipientType.Cc)),
    ...p.bcc.map((a) => recipientRow(a, RecipientType.Bcc)),
  ];
  return { properties: bag, recipients, attachments: src.attachments.map(attachmentToMapi) };
}

function nameAddress(a: EmailAddress): { name?: string; address?: string } {
  const out: { name?: string; address?: string } = {};
  if (a.name !== undefined) out.name = a.name;
  if (a.address !== undefined) out.address = a.address;
  return out;
}

function setAddress(bag: MapiPropertyBag, a: EmailAddress, tags: readonly [number, number, number, number], mailboxType: NamedPropertyId): void {
  if (a.name !== undefined) bag.set(tags[0], str(a.name));
  if (a.address !== undefined) {
    bag.set(tags[1], str(a.address));
    bag.set(tags[3], str(a.address));
  }
  bag.set(tags[2], str(a.routingType ?? 'SMTP'));
  if (a.mailboxType !== undefined) bag.setNamed(mailboxType, str(a.mailboxType));
}

function recipientRow(a: EmailAddress, type: number): MapiPropertyBag {
  const bag = new MapiPropertyBag();
  bag.set(TAG.RecipientType, int(type));
  setAddress(bag, a, [TAG.DisplayName, TAG.EmailAddress, TAG.AddressType, TAG.SmtpAddress], MAILBOX_TYPE.recipient);
  return bag;
}

function attachmentToMapi(a: NewAttachment): ExportedAttachment {
  const bag = new MapiPropertyBag();
  if (a.contentType !== undefined) bag.set(TAG.AttachMimeTag, str(a.contentType));
  if (a.contentId !== undefined) bag.set(TAG.AttachContentId, str(a.contentId));
  if (a.isInline) {
    bag.set(TAG.AttachmentHidden, bool(true));
    bag.set(TAG.AttachFlags, int(0x4)); // ATT_MHTML_REF: referenced from the HTML body
  }
  if (a.lastModified) bag.set(TAG.LastModificationTime, time(a.lastModified));
  if (a.kind === 'file') {
    bag.set(TAG.AttachMethod, int(AttachMethod.ByValue));
    bag.set(TAG.AttachLongFilename, str(a.name));
    if (a.contentLocation !== undefined) bag.set(TAG.AttachContentLocation, str(a.contentLocation));
    bag.set(TAG.AttachSize, int(a.content.length));
    bag.set(TAG.AttachDataBinary, bin(a.content));
    return { properties: bag };
  }
  bag.set(TAG.AttachMethod, int(AttachMethod.EmbeddedMessage));
  bag.set(TAG.DisplayName, str(a.name));
  return { properties: bag, embedded: attachedToMessage(a.item) };
}

function attachedToMessage(item: AttachedItem): ExportedMessage {
  return itemToMessage({ props: item.props, attachments: item.attachments });
}

function formatHeaders(headers: MessageProps['internetMessageHeaders']): string {
  return headers.map((h) => `${h.name}: ${h.value}\r\n`).join('');
}

// ---------------------------------------------------------------- MAPI -> item

/** An uploaded item: what the store creates, with the exported history kept. */
export function messageToItem(msg: ExportedMessage): NewItem {
  const { props, attachments } = messageToAttached(msg, 0);
  const bag = msg.properties;
  const item: NewItem = { props, attachments };
  const mime = bytes(bag.getNamed(PidNameEwsdMimeContent));
  if (mime) item.mime = mime;
  const created = date(bag.get(TAG.CreationTime));
  if (created) item.createdAt = created;
  const modified = date(bag.get(TAG.LastModificationTime));
  if (modified) item.modifiedAt = modified;
  const size = number(bag.get(TAG.MessageSize));
  if (size !== undefined && size > 0) item.size = size;
  return item;
}

function messageToAttached(msg: ExportedMessage, depth: number): AttachedItem {
  const bag = msg.properties;
  const p = emptyMessageProps(bag.getString(TAG.MessageClass) ?? 'IPM.Note');
  const s = (tag: number) => bag.getString(tag);
  const subject = s(TAG.Subject);
  if (subject !== undefined) p.subject = subject;
  const html = bytes(bag.get(TAG.Html));
  const text = s(TAG.Body);
  if (html) p.body = { type: 'HTML', content: decodeHtml(html, number(bag.get(TAG.InternetCodepage))) };
  else if (text !== undefined) p.body = { type: 'Text', content: text };
  const importance = IMPORTANCE[number(bag.get(TAG.Importance)) ?? -1];
  if (importance) p.importance = importance;
  const sensitivity = SENSITIVITY[number(bag.get(TAG.Sensitivity)) ?? -1];
  if (sensitivity) p.sensitivity = sensitivity;
  const flags = number(bag.get(TAG.MessageFlags)) ?? MessageFlag.Read;
  p.isRead = (flags & MessageFlag.Read) !== 0;
  p.isDraft = (flags & MessageFlag.Unsent) !== 0;
  p.isSubmitted = (flags & MessageFlag.Submit) !== 0;
  p.isFromMe = (flags & MessageFlag.FromMe) !== 0;
  const keywords = bag.getNamed(PidNameKeywords);
  if (keywords && (keywords.type === PropType.MultipleString || keywords.type === PropType.MultipleString8)) p.categories = [...keywords.values];
  const rr = boolean(bag.get(TAG.ReadReceiptRequested));
  if (rr !== undefined) p.isReadReceiptRequested = rr;
  const dr = boolean(bag.get(TAG.OriginatorDeliveryReportRequested));
  if (dr !== undefined) p.isDeliveryReceiptRequested = dr;
  const resp = boolean(bag.get(TAG.ResponseRequested));
  if (resp !== undefined) p.isResponseRequested = resp;
  const sent = date(bag.get(TAG.ClientSubmitTime));
  if (sent) p.dateTimeSent = sent;
  const received = date(bag.get(TAG.MessageDeliveryTime));
  if (received) p.dateTimeReceived = received;
  const optional: Array<[number, 'internetMessageId' | 'inReplyTo' | 'references' | 'conversationTopic']> = [
    [TAG.InternetMessageId, 'internetMessageId'], [TAG.InReplyToId, 'inReplyTo'], [TAG.InternetReferences, 'references'], [TAG.ConversationTopic, 'conversationTopic'],
  ];
  for (const [tag, field] of optional) {
    const v = s(tag);
    if (v !== undefined) p[field] = v;
  }
  const index = bytes(bag.get(TAG.ConversationIndex));
  if (index) p.conversationIndex = index.toString('base64');
  const headers = s(TAG.TransportMessageHeaders);
  if (headers) p.internetMessageHeaders = parseHeaders(headers);
  const from = readAddress(bag, [TAG.SentRepresentingName, TAG.SentRepresentingEmailAddress, TAG.SentRepresentingAddressType, TAG.SentRepresentingSmtpAddress], MAILBOX_TYPE.from);
  if (from) p.from = from;
  const sender = readAddress(bag, [TAG.SenderName, TAG.SenderEmailAddress, TAG.SenderAddressType, TAG.SenderSmtpAddress], MAILBOX_TYPE.sender);
  if (sender) p.sender = sender;
  p.replyTo = readReplyTo(bag);
  for (const row of msg.recipients) {
    const a = readAddress(row, [TAG.DisplayName, TAG.EmailAddress, TAG.AddressType, TAG.SmtpAddress], MAILBOX_TYPE.recipient) ?? {};
    const type = number(row.get(TAG.RecipientType)) ?? RecipientType.To;
    (type === RecipientType.Bcc ? p.bcc : type === RecipientType.Cc ? p.cc : p.to).push(a);
  }
  p.extended = unmappedProperties(bag);
  return { props: p, attachments: msg.attachments.map((a) => attachmentFromMapi(a, depth)) };
}

function unmappedProperties(bag: MapiPropertyBag): ExtendedProperty[] {
  const out: ExtendedProperty[] = [];
  for (const { key, value } of bag) {
    if (typeof key === 'number' ? CONSUMED_TAGS.has(key) : CONSUMED_NAMED.has(keyString(key))) continue;
    const e = mapiToExtended(key, value);
    if (e) out.push(e);
  }
  return out;
}

function readAddress(bag: MapiPropertyBag, tags: readonly [number, number, number, number], mailboxType: NamedPropertyId): EmailAddress | undefined {
  const name = bag.getString(tags[0]);
  const type = bag.getString(tags[2]);
  // Exchange's own addresses are legacy DNs (type EX); the SMTP address is what other servers understand.
  const address = bag.getString(tags[3]) ?? bag.getString(tags[1]);
  if (name === undefined && address === undefined) return undefined;
  const a: EmailAddress = {};
  if (name !== undefined) a.name = name;
  if (address !== undefined) a.address = address;
  if (type !== undefined && type !== 'SMTP' && type !== 'EX') a.routingType = type;
  const mt = bag.getNamed(mailboxType);
  if (mt && (mt.type === PropType.String || mt.type === PropType.String8)) a.mailboxType = mt.value;
  return a;
}

function readReplyTo(bag: MapiPropertyBag): EmailAddress[] {
  const entries = bytes(bag.get(TAG.ReplyRecipientEntries));
  const fromEntries = entries ? decodeFlatEntryList(entries).map(decodeOneOff) : [];
  if (fromEntries.length && fromEntries.every((e) => e !== undefined)) {
    return fromEntries.map((e) => {
      const a: EmailAddress = {};
      if (e!.name !== undefined) a.name = e!.name;
      if (e!.address !== undefined) a.address = e!.address;
      if (e!.addressType && e!.addressType !== 'SMTP') a.routingType = e!.addressType;
      return a;
    });
  }
  // Without readable entries only the display names are known.
  const names = bag.getString(TAG.ReplyRecipientNames);
  return names ? names.split(';').map((n) => n.trim()).filter(Boolean).map((n) => (n.includes('@') ? { address: n } : { name: n })) : [];
}

function attachmentFromMapi(att: ExportedAttachment, depth: number): NewAttachment {
  const bag = att.properties;
  const isInline = boolean(bag.get(TAG.AttachmentHidden)) === true || ((number(bag.get(TAG.AttachFlags)) ?? 0) & 0x4) !== 0;
  const contentType = bag.getString(TAG.AttachMimeTag);
  const contentId = bag.getString(TAG.AttachContentId);
  const lastModified = depth === 0 ? date(bag.get(TAG.LastModificationTime)) : undefined;
  const name = bag.getString(TAG.AttachLongFilename) ?? bag.getString(TAG.AttachFilename) ?? bag.getString(TAG.DisplayName);
  if (att.embedded && number(bag.get(TAG.AttachMethod)) === AttachMethod.EmbeddedMessage) {
    const item = messageToAttached(att.embedded, depth + 1);
    const out: NewAttachment = { kind: 'item', name: name ?? item.props.subject ?? 'message', isInline, item };
    if (contentType !== undefined) out.contentType = contentType;
    if (contentId !== undefined) out.contentId = contentId;
    if (lastModified) out.lastModified = lastModified;
    return out;
  }
  const out: NewAttachment = {
    kind: 'file',
    name: name ?? 'attachment',
    contentType: contentType ?? 'application/octet-stream',
    isInline,
    content: bytes(bag.get(TAG.AttachDataBinary)) ?? Buffer.alloc(0),
  };
  if (contentId !== undefined) out.contentId = contentId;
  const location = bag.getString(TAG.AttachContentLocation);
  if (location !== undefined) out.contentLocation = location;
  if (lastModified) out.lastModified = lastModified;
  return out;
}

/** Header lines; a line starting with white space continues the previous header (folding kept). */
function parseHeaders(text: string): MessageProps['internetMessageHeaders'] {
  const out: MessageProps['internetMessageHeaders'] = [];
  for (const line of text.split('\r\n')) {
    if (line === '') continue;
    const last = out.at(-1);
    if (/^[ \t]/.test(line) && last) {
      last.value += `\r\n${line}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    out.push({ name: line.slice(0, colon), value: line.slice(colon + 1).replace(/^ /, '') });
  }
  return out;
}

function decodeHtml(b: Buffer, codePage: number | undefined): string {
  if (codePage === undefined || codePage === 65001) return b.toString('utf8');
  return decodeCodePage(b, codePage) ?? b.toString('utf8');
}

function number(v: MapiValue | undefined): number | undefined {
  if (!v || !('value' in v)) return undefined;
  if (typeof v.value === 'number') return v.value;
  if (typeof v.value === 'bigint' && v.type !== PropType.Time) return Number(v.value);
  return undefined;
}

function boolean(v: MapiValue | undefined): boolean | undefined {
  if (!v || !('value' in v)) return undefined;
  if (typeof v.value === 'boolean') return v.value;
  return typeof v.value === 'number' ? v.value !== 0 : undefined;
}

function date(v: MapiValue | undefined): Date | undefined {
  return v?.type === PropType.Time ? filetimeToDate(v.value) : undefined;
}

function bytes(v: MapiValue | undefined): Buffer | undefined {
  return v && 'value' in v && Buffer.isBuffer(v.value) ? v.value : undefined;
}
