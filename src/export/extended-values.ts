/**
 * Extended properties (EWS `t:ExtendedProperty`, kept as strings exactly as a client wrote them)
 * <-> MAPI property values of the item stream. Pure functions: no XML, no SQL.
 *
 * Values are converted by their declared type; a value that does not read as its type (which
 * parseExtendedProperty already refuses on the way in) is left out rather than guessed at.
 * Conversion normalises spelling (Boolean "1" comes back as "true", Integer 4294967295 as -1,
 * SystemTime without fractions); the value itself is kept.
 */
import type { ExtendedProperty, ExtendedPropertyName } from '../domain/item.js';
import { extendedFieldKey } from '../ews/extended-field.js';
import {
  DISTINGUISHED_PROPERTY_SETS,
  PROP_TYPE_BY_EWS_NAME,
  PropType,
  dateToFiletime,
  filetimeToDate,
  type MapiValue,
  type PropertyKey,
} from './mapi-props.js';

const EWS_NAME_BY_TYPE: ReadonlyMap<number, string> = new Map([
  ...Object.entries(PROP_TYPE_BY_EWS_NAME).map(([name, type]) => [type, name] as [number, string]),
  [PropType.String8, 'String'],
  [PropType.MultipleString8, 'StringArray'],
]);
const DISTINGUISHED_BY_GUID: ReadonlyMap<string, string> = new Map(Object.entries(DISTINGUISHED_PROPERTY_SETS).map(([n, g]) => [g, n]));

/** The MAPI key of an extended property: its tag id, or its (set GUID, LID | name). */
export function extendedKey(name: ExtendedPropertyName): PropertyKey | undefined {
  if (name.propertyTag !== undefined) return name.propertyTag;
  const set = name.propertySetId ?? (name.distinguishedPropertySetId ? DISTINGUISHED_PROPERTY_SETS[name.distinguishedPropertySetId] : undefined);
  if (!set) return undefined;
  if (name.propertyName !== undefined) return { set, name: name.propertyName };
  if (name.propertyId !== undefined) return { set, lid: name.propertyId };
  return undefined;
}

/** An extended property as a MAPI value, or undefined when its type has no stream form (Null). */
export function extendedToMapi(prop: ExtendedProperty): MapiValue | undefined {
  const type = PROP_TYPE_BY_EWS_NAME[prop.name.propertyType];
  if (type === undefined) return undefined;
  try {
    if (prop.values) return multi(type, prop.values);
    return prop.value === undefined ? undefined : single(type, prop.value);
  } catch {
    return undefined;
  }
}

function single(type: number, v: string): MapiValue | undefined {
  const t = v.trim();
  switch (type) {
    case PropType.Integer16: return { type, value: (Number(t) << 16) >> 16 };
    case PropType.Integer32: return { type, value: Number(BigInt.asIntN(32, BigInt(t))) };
    case PropType.ErrorCode: return { type, value: Number(BigInt.asUintN(32, BigInt(t))) };
    case PropType.Floating32:
    case PropType.Floating64:
    case PropType.FloatingTime: return { type, value: Number(t) };
    case PropType.Integer64:
    case PropType.Currency: return { type, value: BigInt.asIntN(64, BigInt(t)) };
    case PropType.Boolean: return { type, value: t === 'true' || t === '1' };
    case PropType.Time: {
      const d = new Date(t);
      return Number.isNaN(d.getTime()) ? undefined : { type, value: dateToFiletime(d) };
    }
    case PropType.Guid: return { type, value: t.replace(/[{}]/g, '').toLowerCase() };
    case PropType.Binary:
    case PropType.Object: return { type, value: Buffer.from(t, 'base64') };
    case PropType.String: return { type, value: v, codePage: 1200 };
    default: return undefined;
  }
}

function multi(type: number, vs: readonly string[]): MapiValue | undefined {
  switch (type) {
    case PropType.MultipleInteger16: return { type, values: vs.map((v) => (Number(v.trim()) << 16) >> 16) };
    case PropType.MultipleInteger32: return { type, values: vs.map((v) => Number(BigInt.asIntN(32, BigInt(v.trim())))) };
    case PropType.MultipleFloating32:
    case PropType.MultipleFloating64:
    case PropType.MultipleFloatingTime: return { type, values: vs.map((v) => Number(v.trim())) };
    case PropType.MultipleInteger64:
    case PropType.MultipleCurrency: return { type, values: vs.map((v) => BigInt.asIntN(64, BigInt(v.trim()))) };
    case PropType.MultipleTime: return { type, values: vs.map((v) => dateToFiletime(new Date(v.trim()))) };
    case PropType.MultipleGuid: return { type, values: vs.map((v) => v.trim().replace(/[{}]/g, '').toLowerCase()) };
    case PropType.MultipleBinary: return { type, values: vs.map((v) => Buffer.from(v.trim(), 'base64')) };
    case PropType.MultipleString: return { type, values: [...vs] };
    default: return undefined;
  }
}

/**
 * A MAPI property as an extended property, or undefined when EWS has no type for it (ServerId,
 * Restriction, RuleAction: store-internal values that mean nothing in another mailbox).
 * Named properties of a distinguished set come back with DistinguishedPropertySetId.
 */
export function mapiToExtended(key: PropertyKey, value: MapiValue): ExtendedProperty | undefined {
  const propertyType = EWS_NAME_BY_TYPE.get(value.type);
  if (!propertyType) return undefined;
  const name: ExtendedPropertyName = { propertyType };
  if (typeof key === 'number') {
    name.propertyTag = key;
  } else {
    const distinguished = DISTINGUISHED_BY_GUID.get(key.set);
    if (distinguished) name.distinguishedPropertySetId = distinguished;
    else name.propertySetId = key.set;
    if (key.name !== undefined) name.propertyName = key.name;
    else name.propertyId = key.lid;
  }
  const prop: ExtendedProperty = { key: extendedFieldKey(name), name };
  if ('values' in value) prop.values = (value.values as ReadonlyArray<number | bigint | string | Buffer>).map((v) => text(value.type & ~0x1000, v));
  else prop.value = text(value.type, value.value);
  return prop;
}

function text(type: number, v: number | bigint | string | Buffer | boolean): string {
  if (Buffer.isBuffer(v)) return v.toString('base64');
  if (type === PropType.Time && typeof v === 'bigint') return filetimeToDate(v).toISOString().replace(/\.000Z$/, 'Z');
  return String(v);
}
