import type { EmailAddress, Item } from '../../domain/item.js';
import { extendedFieldKey, type ExtendedFieldUri } from '../extended-field.js';
import { computedMapiValue } from './mapi-props.js';

/** A property value for sorting and searching; arrays are multi-valued properties. */
export type ItemValue = string | number | boolean | Date | readonly string[];

const addresses = (list: readonly EmailAddress[]): string[] => list.flatMap((a) => [a.address ?? '', a.name ?? ''].filter((s) => s !== ''));
const one = (a: EmailAddress | undefined): string[] | undefined => (a ? addresses([a]) : undefined);

/** First-class properties by FieldURI, as FindItem sorts and restricts on them. */
const FIELD_VALUES: Record<string, (item: Item) => ItemValue | undefined> = {
  'item:Subject': (i) => i.props.subject,
  'item:ItemClass': (i) => i.props.itemClass,
  'item:DateTimeReceived': (i) => i.dateTimeReceived,
  'item:DateTimeCreated': (i) => i.createdAt,
  'item:DateTimeSent': (i) => i.props.dateTimeSent ?? i.createdAt,
  'item:LastModifiedTime': (i) => i.modifiedAt,
  'item:Size': (i) => i.size,
  'item:Importance': (i) => i.props.importance ?? 'Normal',
  'item:Sensitivity': (i) => i.props.sensitivity ?? 'Normal',
  'item:Categories': (i) => (i.props.categories.length ? i.props.categories : undefined),
  'item:HasAttachments': (i) => i.hasAttachments,
  'item:IsDraft': (i) => i.props.isDraft,
  'item:IsSubmitted': (i) => i.props.isSubmitted,
  'item:IsFromMe': (i) => i.props.isFromMe,
  'item:InReplyTo': (i) => i.props.inReplyTo,
  'item:Body': (i) => i.props.body?.content,
  'item:DisplayTo': (i) => i.props.to.map((a) => a.name ?? a.address ?? '').join('; '),
  'item:DisplayCc': (i) => i.props.cc.map((a) => a.name ?? a.address ?? '').join('; '),
  'message:IsRead': (i) => i.props.isRead,
  'message:From': (i) => one(i.props.from),
  'message:Sender': (i) => one(i.props.sender),
  'message:ToRecipients': (i) => addresses(i.props.to),
  'message:CcRecipients': (i) => addresses(i.props.cc),
  'message:BccRecipients': (i) => addresses(i.props.bcc),
  'message:InternetMessageId': (i) => i.props.internetMessageId,
  'message:ConversationTopic': (i) => i.props.conversationTopic,
  'message:References': (i) => i.props.references,
  'message:IsReadReceiptRequested': (i) => i.props.isReadReceiptRequested ?? false,
  'message:IsDeliveryReceiptRequested': (i) => i.props.isDeliveryReceiptRequested ?? false,
};

export function fieldValue(item: Item, uri: string): ItemValue | undefined {
  return FIELD_VALUES[uri]?.(item);
}

export function isKnownField(uri: string): boolean {
  return uri in FIELD_VALUES;
}

/** An extended property: computed MAPI values first, then what the client stored (typed by its PropertyType). */
export function extendedValue(item: Item, uri: ExtendedFieldUri): ItemValue | undefined {
  const computed = uri.propertyTag !== undefined ? computedMapiValue(item, uri.propertyTag) : undefined;
  const raw = computed ?? item.props.extended.find((e) => e.key === extendedFieldKey(uri));
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string') return raw.values ?? typed(raw.value ?? '', raw.name.propertyType);
  return typed(raw, uri.propertyType);
}

function typed(value: string, type: string): ItemValue {
  if (/^(Short|Integer|Long|Double|Float|Currency|ApplicationTime|Error)$/.test(type)) return Number(value);
  if (type === 'Boolean') return value.trim() === 'true' || value.trim() === '1';
  if (type === 'SystemTime') return new Date(value);
  return value;
}
