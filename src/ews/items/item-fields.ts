import type { BodyKind, EmailAddress, Importance, MessageProps, Sensitivity } from '../../domain/item.js';
import type { XmlElement } from '../../soap/xml-element.js';
import { SoapFault } from '../errors.js';

/**
 * The writable item and message fields: how each is read from a `t:Message` / `t:Item` element
 * and what SetItemField, AppendToItemField and DeleteItemField do to it. A FieldURI not listed
 * here but in READ_ONLY_FIELDS is known and refused on writes (ErrorInvalidPropertySet).
 */
export interface FieldSpec {
  uri: string;
  /** The element that carries the value inside `t:Message`. */
  element: string;
  set(props: MessageProps, el: XmlElement): void;
  delete?(props: MessageProps): void;
  append?(props: MessageProps, el: XmlElement): void;
  /** Fixed once the message has been sent (ErrorInvalidPropertyUpdateSentMessage). */
  draftOnly?: boolean;
}

/** Item elements CreateItem takes today; the others (calendar, contacts, tasks) come with their own issues. */
export const MESSAGE_ELEMENTS: ReadonlySet<string> = new Set(['Message', 'Item']);

export function parseBoolean(el: XmlElement): boolean {
  const v = el.text.trim();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw SoapFault.schema(`The value '${v}' of '${el.name}' is not a valid boolean.`, el.line);
}

function parseEnum<T extends string>(el: XmlElement, allowed: readonly T[]): T {
  const v = el.text.trim();
  if (!(allowed as readonly string[]).includes(v)) throw SoapFault.schema(`The value '${v}' of '${el.name}' is invalid.`, el.line);
  return v as T;
}

export function parseMailbox(el: XmlElement): EmailAddress {
  const a: EmailAddress = {};
  const name = el.child('Name')?.text;
  if (name !== undefined) a.name = name;
  const address = el.childText('EmailAddress');
  if (address) a.address = address;
  const routing = el.childText('RoutingType');
  if (routing) a.routingType = routing;
  const type = el.childText('MailboxType');
  if (type) a.mailboxType = type;
  return a;
}

function recipients(el: XmlElement): EmailAddress[] {
  return el.all('Mailbox').map(parseMailbox);
}

function single(el: XmlElement): EmailAddress | undefined {
  const mb = el.child('Mailbox');
  return mb ? parseMailbox(mb) : undefined;
}

function parseBody(el: XmlElement): { type: BodyKind; content: string } {
  const type = el.attr('BodyType');
  if (type !== 'HTML' && type !== 'Text') throw SoapFault.schema(`The BodyType '${type ?? ''}' is invalid.`, el.line);
  return { type, content: el.text };
}

type ListKey = 'to' | 'cc' | 'bcc' | 'replyTo';

function recipientField(uri: string, element: string, key: ListKey, draftOnly: boolean): FieldSpec {
  return {
    uri,
    element,
    draftOnly,
    set: (p, el) => void (p[key] = recipients(el)),
    append: (p, el) => void (p[key] = [...p[key], ...recipients(el)]),
    delete: (p) => void (p[key] = []),
  };
}

type OptionalKey = 'subject' | 'inReplyTo' | 'internetMessageId' | 'references';

function textField(uri: string, element: string, key: OptionalKey): FieldSpec {
  return { uri, element, set: (p, el) => void (p[key] = el.text), delete: (p) => void delete p[key] };
}

type FlagKey = 'isReadReceiptRequested' | 'isDeliveryReceiptRequested' | 'isResponseRequested';

function flagField(uri: string, element: string, key: FlagKey): FieldSpec {
  return { uri, element, set: (p, el) => void (p[key] = parseBoolean(el)), delete: (p) => void delete p[key] };
}

const SPECS: FieldSpec[] = [
  { uri: 'item:ItemClass', element: 'ItemClass', set: (p, el) => void (p.itemClass = el.text.trim() || 'IPM.Note') },
  textField('item:Subject', 'Subject', 'subject'),
  {
    uri: 'item:Sensitivity',
    element: 'Sensitivity',
    set: (p, el) => void (p.sensitivity = parseEnum<Sensitivity>(el, ['Normal', 'Personal', 'Private', 'Confidential'])),
    delete: (p) => void delete p.sensitivity,
  },
  { uri: 'item:Body', element: 'Body', set: (p, el) => void (p.body = parseBody(el)), delete: (p) => void delete p.body },
  {
    uri: 'item:Categories',
    element: 'Categories',
    set: (p, el) => void (p.categories = el.all('String').map((s) => s.text)),
    append: (p, el) => void (p.categories = [...p.categories, ...el.all('String').map((s) => s.text)]),
    delete: (p) => void (p.categories = []),
  },
  {
    uri: 'item:Importance',
    element: 'Importance',
    set: (p, el) => void (p.importance = parseEnum<Importance>(el, ['Low', 'Normal', 'High'])),
    delete: (p) => void delete p.importance,
  },
  textField('item:InReplyTo', 'InReplyTo', 'inReplyTo'),
  { uri: 'message:Sender', element: 'Sender', draftOnly: true, set: (p, el) => void (p.sender = single(el)), delete: (p) => void delete p.sender },
  recipientField('message:ToRecipients', 'ToRecipients', 'to', true),
  recipientField('message:CcRecipients', 'CcRecipients', 'cc', true),
  recipientField('message:BccRecipients', 'BccRecipients', 'bcc', true),
  flagField('message:IsReadReceiptRequested', 'IsReadReceiptRequested', 'isReadReceiptRequested'),
  flagField('message:IsDeliveryReceiptRequested', 'IsDeliveryReceiptRequested', 'isDeliveryReceiptRequested'),
  { uri: 'message:From', element: 'From', draftOnly: true, set: (p, el) => void (p.from = single(el)), delete: (p) => void delete p.from },
  textField('message:InternetMessageId', 'InternetMessageId', 'internetMessageId'),
  { uri: 'message:IsRead', element: 'IsRead', set: (p, el) => void (p.isRead = parseBoolean(el)) },
  flagField('message:IsResponseRequested', 'IsResponseRequested', 'isResponseRequested'),
  textField('message:References', 'References', 'references'),
  recipientField('message:ReplyTo', 'ReplyTo', 'replyTo', false),
];

export const WRITABLE_FIELDS: ReadonlyMap<string, FieldSpec> = new Map(SPECS.map((s) => [s.uri, s]));
export const WRITABLE_BY_ELEMENT: ReadonlyMap<string, FieldSpec> = new Map(SPECS.map((s) => [s.element, s]));

/** Fields the server maintains: asking for them is fine, writing them is ErrorInvalidPropertySet. */
export const READ_ONLY_FIELDS: ReadonlySet<string> = new Set([
  'item:MimeContent', 'item:ItemId', 'item:ParentFolderId', 'item:Attachments', 'item:DateTimeReceived', 'item:Size',
  'item:IsSubmitted', 'item:IsDraft', 'item:IsFromMe', 'item:IsResend', 'item:IsUnmodified', 'item:InternetMessageHeaders',
  'item:DateTimeSent', 'item:DateTimeCreated', 'item:DisplayCc', 'item:DisplayTo', 'item:DisplayBcc', 'item:HasAttachments',
  'item:LastModifiedName', 'item:LastModifiedTime', 'item:ConversationId', 'item:UniqueBody', 'item:TextBody',
  'item:EffectiveRights', 'item:IsAssociated', 'item:WebClientReadFormQueryString', 'item:WebClientEditFormQueryString',
  'item:Preview', 'item:InstanceKey', 'item:StoreEntryId', 'item:NormalizedBody', 'message:ConversationIndex',
  'message:ConversationTopic', 'message:ReceivedBy', 'message:ReceivedRepresenting',
]);
