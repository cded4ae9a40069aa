import type { XmlElement } from '../../soap/xml-element.js';
import { SoapFault } from '../errors.js';
import { parseExtendedFieldUri, type ExtendedFieldUri } from '../extended-field.js';
import { parseBoolean } from './item-fields.js';

export type RequestedBodyType = 'Best' | 'HTML' | 'Text';

/** Which item properties a response carries (`m:ItemShape`), by element name. */
export interface ItemShape {
  fields: ReadonlySet<string>;
  extended: readonly ExtendedFieldUri[];
  bodyType: RequestedBodyType;
}

const DEFAULT_FIELDS = [
  'ItemId', 'ParentFolderId', 'ItemClass', 'Subject', 'Sensitivity', 'Body', 'Attachments', 'DateTimeReceived', 'Size', 'Importance',
  'IsSubmitted', 'IsDraft', 'IsFromMe', 'DateTimeSent', 'DateTimeCreated', 'DisplayCc', 'DisplayTo', 'HasAttachments', 'Sender',
  'ToRecipients', 'CcRecipients', 'IsReadReceiptRequested', 'From', 'IsRead',
];

/** AllProperties: every first-class property we hold (not MimeContent, not extended properties: those are asked for by name). */
const ALL_FIELDS = [
  ...DEFAULT_FIELDS, 'Categories', 'InReplyTo', 'IsResend', 'IsUnmodified', 'InternetMessageHeaders', 'EffectiveRights',
  'LastModifiedTime', 'IsAssociated', 'BccRecipients', 'IsDeliveryReceiptRequested', 'ConversationIndex', 'ConversationTopic',
  'InternetMessageId', 'IsResponseRequested', 'References', 'ReplyTo',
];

const BASE_SHAPES: Record<string, readonly string[]> = {
  IdOnly: ['ItemId'],
  Default: DEFAULT_FIELDS,
  AllProperties: ALL_FIELDS,
  PcxPeopleSearch: DEFAULT_FIELDS,
};

/**
 * Reads an ItemShape. Every FieldURI is accepted: the ones we do not hold (calendar:*, contacts:*,
 * item:UniqueBody, ...) are simply not returned, as clients ask for everything they know.
 */
export function parseItemShape(shape: XmlElement | undefined): ItemShape {
  if (!shape) throw SoapFault.schema("The element 'ItemShape' is required.");
  const base = shape.childText('BaseShape') ?? '';
  const baseFields = BASE_SHAPES[base];
  if (!baseFields) throw SoapFault.schema(`The value '${base}' is not a valid BaseShape.`, shape.line);
  const fields = new Set(baseFields);
  const include = shape.child('IncludeMimeContent');
  if (include && parseBoolean(include)) fields.add('MimeContent');
  const bodyType = shape.childText('BodyType') ?? 'Best';
  if (bodyType !== 'Best' && bodyType !== 'HTML' && bodyType !== 'Text') throw SoapFault.schema(`The BodyType '${bodyType}' is invalid.`, shape.line);
  const extended: ExtendedFieldUri[] = [];
  for (const p of shape.child('AdditionalProperties')?.children ?? []) {
    if (p.name === 'FieldURI') {
      const uri = p.attr('FieldURI') ?? '';
      fields.add(uri.slice(uri.indexOf(':') + 1));
    } else if (p.name === 'ExtendedFieldURI') {
      extended.push(parseExtendedFieldUri(p));
    }
  }
  return { fields, extended, bodyType };
}

/** As documented, listings (FindItem, SyncFolderItems) return no bodies, attachments or recipient lists: GetItem does. */
const NOT_IN_LISTINGS = ['Body', 'UniqueBody', 'TextBody', 'NormalizedBody', 'Attachments', 'MimeContent', 'ToRecipients', 'CcRecipients', 'BccRecipients', 'ReplyTo', 'InternetMessageHeaders'];

export function listingShape(shape: ItemShape): ItemShape {
  const fields = new Set(shape.fields);
  for (const f of NOT_IN_LISTINGS) fields.delete(f);
  return { ...shape, fields };
}
