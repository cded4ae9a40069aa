import type { ExtendedPropertyName } from '../domain/item.js';
import type { XmlElement } from '../soap/xml-element.js';
import { SoapFault } from './errors.js';

/**
 * A MAPI property named by `t:ExtendedFieldURI`. Clients match the echoed attributes as strings,
 * so they are normalised the way Exchange writes them: PropertyTag as `0x` + lower-case hex
 * without padding (`0xe07`), PropertyId in decimal, PropertySetId as a lower-case GUID.
 * Tags arrive in hex (DavMail, exchangelib) or decimal (Evolution: `4340`); both are read.
 */
export type ExtendedFieldUri = ExtendedPropertyName;

export function parseExtendedFieldUri(el: XmlElement): ExtendedFieldUri {
  const type = el.attr('PropertyType');
  if (!type) throw SoapFault.schema("The required attribute 'PropertyType' is missing.", el.line);
  const uri: ExtendedFieldUri = { propertyType: type };
  const tag = el.attr('PropertyTag');
  if (tag !== undefined) {
    const n = /^0x[0-9a-f]{1,4}$/i.test(tag) ? parseInt(tag.slice(2), 16) : /^\d{1,5}$/.test(tag) ? Number(tag) : NaN;
    if (!(n >= 0 && n <= 0xffff)) throw SoapFault.schema(`The PropertyTag '${tag}' is invalid.`, el.line);
    uri.propertyTag = n;
  }
  const dset = el.attr('DistinguishedPropertySetId');
  if (dset !== undefined) uri.distinguishedPropertySetId = dset;
  const set = el.attr('PropertySetId');
  if (set !== undefined) uri.propertySetId = set.toLowerCase();
  const name = el.attr('PropertyName');
  if (name !== undefined) uri.propertyName = name;
  const id = el.attr('PropertyId');
  if (id !== undefined) {
    const n = /^0x[0-9a-f]+$/i.test(id) ? parseInt(id.slice(2), 16) : Number(id);
    if (!Number.isInteger(n) || n < 0) throw SoapFault.schema(`The PropertyId '${id}' is invalid.`, el.line);
    uri.propertyId = n;
  }
  return uri;
}

/** A stable identity for a property, independent of its type and of how the request spelled it. */
export function extendedFieldKey(uri: ExtendedFieldUri): string {
  if (uri.propertyTag !== undefined) return `tag:${uri.propertyTag}`;
  const set = uri.propertySetId ?? uri.distinguishedPropertySetId ?? '';
  return uri.propertyName !== undefined ? `name:${set}:${uri.propertyName}` : `id:${set}:${uri.propertyId ?? ''}`;
}

/** The attributes to echo in a response, in canonical spelling. */
export function extendedFieldAttrs(uri: ExtendedFieldUri): Record<string, string | undefined> {
  return {
    DistinguishedPropertySetId: uri.distinguishedPropertySetId,
    PropertySetId: uri.propertySetId,
    PropertyTag: uri.propertyTag !== undefined ? `0x${uri.propertyTag.toString(16)}` : undefined,
    PropertyName: uri.propertyName,
    PropertyId: uri.propertyId !== undefined ? String(uri.propertyId) : undefined,
    PropertyType: uri.propertyType,
  };
}
