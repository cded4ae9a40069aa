import type { ExtendedProperty } from '../../domain/item.js';
import type { XmlElement } from '../../soap/xml-element.js';
import type { XmlWriter } from '../../soap/xml-writer.js';
import { parseEwsDate } from '../dates.js';
import { EwsError, SoapFault } from '../errors.js';
import { extendedFieldAttrs, extendedFieldKey, parseExtendedFieldUri } from '../extended-field.js';

/** MapiPropertyTypeType of Types.xsd. */
const SCALAR_TYPES = new Set([
  'ApplicationTime', 'Binary', 'Boolean', 'CLSID', 'Currency', 'Double', 'Error', 'Float', 'Integer', 'Long', 'Null', 'Object',
  'Short', 'SystemTime', 'String',
]);

function scalarOf(type: string): string | undefined {
  if (SCALAR_TYPES.has(type)) return type;
  if (type.endsWith('Array') && SCALAR_TYPES.has(type.slice(0, -5))) return type.slice(0, -5);
  return undefined;
}

/**
 * Reads a `t:ExtendedProperty` (ExtendedFieldURI + Value or Values). The value is kept exactly as
 * given, after checking it fits the declared type so that a bad value fails that item only.
 */
export function parseExtendedProperty(el: XmlElement): ExtendedProperty {
  const uriEl = el.child('ExtendedFieldURI');
  if (!uriEl) throw SoapFault.schema("The element 'ExtendedProperty' requires an 'ExtendedFieldURI'.", el.line);
  const name = parseExtendedFieldUri(uriEl);
  const scalar = scalarOf(name.propertyType);
  if (!scalar) throw SoapFault.schema(`The PropertyType '${name.propertyType}' is invalid.`, uriEl.line);
  const isArray = name.propertyType.endsWith('Array');
  const prop: ExtendedProperty = { key: extendedFieldKey(name), name };
  const valueEl = el.child('Value');
  const valuesEl = el.child('Values');
  if (isArray) {
    if (!valuesEl) throw new EwsError('ErrorInvalidExtendedPropertyValue', `A property of type ${name.propertyType} needs t:Values.`);
    prop.values = valuesEl.all('Value').map((v) => v.text);
    if (prop.values.length === 0) throw new EwsError('ErrorInvalidExtendedPropertyValue', 't:Values must hold at least one t:Value.');
    for (const v of prop.values) checkValue(scalar, v);
  } else {
    if (!valueEl) throw new EwsError('ErrorInvalidExtendedPropertyValue', `A property of type ${name.propertyType} needs a single t:Value.`);
    prop.value = valueEl.text;
    checkValue(scalar, prop.value);
  }
  return prop;
}

const INTEGER = /^\s*[+-]?\d+\s*$/;
const NUMBER = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/;
const RANGES: Record<string, [bigint, bigint]> = {
  Short: [-32768n, 65535n],
  Integer: [-2147483648n, 4294967295n],
  Long: [-9223372036854775808n, 18446744073709551615n],
  Currency: [-9223372036854775808n, 9223372036854775807n],
  Error: [-2147483648n, 4294967295n],
};

function checkValue(type: string, value: string): void {
  const bad = (): never => {
    throw new EwsError('ErrorInvalidExtendedPropertyValue', `The value '${value.slice(0, 80)}' is not a valid ${type}.`);
  };
  const range = RANGES[type];
  if (range) {
    if (!INTEGER.test(value)) bad();
    const n = BigInt(value.trim());
    if (n < range[0] || n > range[1]) bad();
  } else if (type === 'Boolean') {
    if (!/^\s*(true|false|1|0)\s*$/.test(value)) bad();
  } else if (type === 'Double' || type === 'Float' || type === 'ApplicationTime') {
    if (!NUMBER.test(value)) bad();
  } else if (type === 'SystemTime') {
    if (!parseEwsDate(value)) bad();
  } else if (type === 'Binary') {
    if (!/^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(value)) bad();
  } else if (type === 'CLSID') {
    if (!/^\s*\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?\s*$/.test(value)) bad();
  }
}

export function writeExtendedProperty(w: XmlWriter, prop: Pick<ExtendedProperty, 'name' | 'value' | 'values'>): void {
  w.open('t:ExtendedProperty').empty('t:ExtendedFieldURI', extendedFieldAttrs(prop.name));
  if (prop.values) {
    w.open('t:Values');
    for (const v of prop.values) w.leaf('t:Value', v);
    w.close('t:Values');
  } else {
    w.leaf('t:Value', prop.value ?? '');
  }
  w.close('t:ExtendedProperty');
}
