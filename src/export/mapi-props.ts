/**
 * MAPI property model used by the item export stream (ExportItems / UploadItems).
 *
 * Facts from [MS-OXCDATA] 2.11.1 (property types) and [MS-OXPROPS] (tags). A property tag is
 * `id << 16 | type`; ids >= 0x8000 are named properties, identified on the wire by a property-set
 * GUID plus a numeric LID or a string name. Pure data: no EWS, no SQL.
 */

/** Property types ([MS-OXCDATA] 2.11.1). Multi-valued = single type | 0x1000. */
export const PropType = {
  Integer16: 0x0002,
  Integer32: 0x0003,
  Floating32: 0x0004,
  Floating64: 0x0005,
  Currency: 0x0006,
  FloatingTime: 0x0007,
  ErrorCode: 0x000a,
  Boolean: 0x000b,
  Object: 0x000d,
  Integer64: 0x0014,
  String8: 0x001e,
  String: 0x001f,
  Time: 0x0040,
  Guid: 0x0048,
  ServerId: 0x00fb,
  Restriction: 0x00fd,
  RuleAction: 0x00fe,
  Binary: 0x0102,
  MultipleInteger16: 0x1002,
  MultipleInteger32: 0x1003,
  MultipleFloating32: 0x1004,
  MultipleFloating64: 0x1005,
  MultipleCurrency: 0x1006,
  MultipleFloatingTime: 0x1007,
  MultipleInteger64: 0x1014,
  MultipleString8: 0x101e,
  MultipleString: 0x101f,
  MultipleTime: 0x1040,
  MultipleGuid: 0x1048,
  MultipleBinary: 0x1102,
} as const;

export const MV_FLAG = 0x1000;

type PT = typeof PropType;
/** Single values held as JS numbers (all fit a double exactly). */
export type NumberType = PT['Integer16'] | PT['Integer32'] | PT['Floating32'] | PT['Floating64'] | PT['FloatingTime'] | PT['ErrorCode'];
/** 64-bit values held as bigint: Currency (x10000), Integer64, Time (FILETIME, 100 ns since 1601). */
export type BigIntType = PT['Currency'] | PT['Integer64'] | PT['Time'];
/** Counted byte values, kept opaque. */
export type BytesType = PT['Binary'] | PT['Object'] | PT['ServerId'] | PT['Restriction'] | PT['RuleAction'];
export type MultiNumberType =
  | PT['MultipleInteger16'] | PT['MultipleInteger32'] | PT['MultipleFloating32'] | PT['MultipleFloating64'] | PT['MultipleFloatingTime'];
export type MultiBigIntType = PT['MultipleCurrency'] | PT['MultipleInteger64'] | PT['MultipleTime'];

/**
 * A property value, discriminated by its MAPI type. GUIDs are canonical lowercase strings
 * ("00020329-0000-0000-c000-000000000046"). `codePage` records how a string travelled:
 * String with codePage 1200 is written as the code-page form 0x84B0 (what Exchange emits);
 * String8 with a codePage came from a 0x8000|cp type and is written back in that code page when
 * its characters fit (1252 family), else as UTF-16 (code page 1200).
 */
export type MapiValue =
  | { type: NumberType; value: number }
  | { type: BigIntType; value: bigint }
  | { type: PT['Boolean']; value: boolean }
  | { type: PT['Guid']; value: string }
  | { type: PT['String']; value: string; codePage?: number }
  | { type: PT['String8']; value: string; codePage?: number }
  | { type: BytesType; value: Buffer }
  | { type: MultiNumberType; values: number[] }
  | { type: MultiBigIntType; values: bigint[] }
  | { type: PT['MultipleGuid']; values: string[] }
  | { type: PT['MultipleString'] | PT['MultipleString8']; values: string[] }
  | { type: PT['MultipleBinary']; values: Buffer[] };

/** A full 32-bit property tag: id << 16 | type. */
export type MapiPropTag = number;

export function propTag(id: number, type: number): MapiPropTag {
  return ((id & 0xffff) << 16 | (type & 0xffff)) >>> 0;
}
export const tagId = (tag: MapiPropTag): number => tag >>> 16;
export const tagType = (tag: MapiPropTag): number => tag & 0xffff;

/** A named property: property set GUID plus a numeric LID (MNID_ID) or a string name (MNID_STRING). */
export type NamedPropertyId = { set: string; lid: number; name?: undefined } | { set: string; name: string; lid?: undefined };

/** Tagged properties are keyed by their 16-bit id (< 0x8000), named ones by NamedPropertyId. */
export type PropertyKey = number | NamedPropertyId;

export interface MapiProperty {
  key: PropertyKey;
  value: MapiValue;
}

/** Well-known property sets ([MS-OXPROPS] 1.3.2). */
export const PropertySet = {
  PublicStrings: '00020329-0000-0000-c000-000000000046',
  Common: '00062008-0000-0000-c000-000000000046',
  Address: '00062004-0000-0000-c000-000000000046',
  InternetHeaders: '00020386-0000-0000-c000-000000000046',
  Appointment: '00062002-0000-0000-c000-000000000046',
  Task: '00062003-0000-0000-c000-000000000046',
  Meeting: '6ed8da90-450b-101b-98da-00aa003f1305',
  CalendarAssistant: '11000e07-b51b-40d6-af21-caa85edab1d0',
  UnifiedMessaging: '4442858e-a9e3-4e80-b900-317a210cc15b',
  Sharing: '00062040-0000-0000-c000-000000000046',
  Mapi: '00020328-0000-0000-c000-000000000046',
  /** ewsd's own set, for what MAPI has no public property for (the original MIME). */
  Ewsd: '19b4c689-027a-4a40-9646-c59a8d94e060',
} as const;

/** EWS DistinguishedPropertySetId -> property set GUID (for ExtendedFieldURI). */
export const DISTINGUISHED_PROPERTY_SETS: Readonly<Record<string, string>> = {
  Meeting: PropertySet.Meeting,
  Appointment: PropertySet.Appointment,
  Common: PropertySet.Common,
  PublicStrings: PropertySet.PublicStrings,
  Address: PropertySet.Address,
  InternetHeaders: PropertySet.InternetHeaders,
  CalendarAssistant: PropertySet.CalendarAssistant,
  UnifiedMessaging: PropertySet.UnifiedMessaging,
  Task: PropertySet.Task,
  Sharing: PropertySet.Sharing,
};

/** EWS MapiPropertyTypeType names (ExtendedFieldURI PropertyType) -> MAPI property type. */
export const PROP_TYPE_BY_EWS_NAME: Readonly<Record<string, number>> = {
  ApplicationTime: PropType.FloatingTime,
  ApplicationTimeArray: PropType.MultipleFloatingTime,
  Binary: PropType.Binary,
  BinaryArray: PropType.MultipleBinary,
  Boolean: PropType.Boolean,
  CLSID: PropType.Guid,
  CLSIDArray: PropType.MultipleGuid,
  Currency: PropType.Currency,
  CurrencyArray: PropType.MultipleCurrency,
  Double: PropType.Floating64,
  DoubleArray: PropType.MultipleFloating64,
  Error: PropType.ErrorCode,
  Float: PropType.Floating32,
  FloatArray: PropType.MultipleFloating32,
  Integer: PropType.Integer32,
  IntegerArray: PropType.MultipleInteger32,
  Long: PropType.Integer64,
  LongArray: PropType.MultipleInteger64,
  Object: PropType.Object,
  Short: PropType.Integer16,
  ShortArray: PropType.MultipleInteger16,
  SystemTime: PropType.Time,
  SystemTimeArray: PropType.MultipleTime,
  String: PropType.String,
  StringArray: PropType.MultipleString,
};

/** The original RFC 5322 bytes of an item, so that ewsd -> ewsd keeps MimeContent byte for byte. */
export const PidNameEwsdMimeContent: NamedPropertyId = { set: PropertySet.Ewsd, name: 'MimeContent' };

/** Categories: PidNameKeywords, a multi-valued string in PS_PUBLIC_STRINGS. */
export const PidNameKeywords: NamedPropertyId = { set: PropertySet.PublicStrings, name: 'Keywords' };

/** Property ids ([MS-OXPROPS]) of the message, recipient and attachment properties ewsd maps. */
export const PidTag = {
  OriginatorDeliveryReportRequested: 0x0023,
  Importance: 0x0017,
  MessageClass: 0x001a,
  ReadReceiptRequested: 0x0029,
  Sensitivity: 0x0036,
  Subject: 0x0037,
  ClientSubmitTime: 0x0039,
  SentRepresentingSearchKey: 0x003b,
  SubjectPrefix: 0x003d,
  SentRepresentingEntryId: 0x0041,
  SentRepresentingName: 0x0042,
  ConversationTopic: 0x0070,
  ConversationIndex: 0x0071,
  TransportMessageHeaders: 0x007d,
  SentRepresentingAddressType: 0x0064,
  SentRepresentingEmailAddress: 0x0065,
  RecipientType: 0x0c15,
  SenderName: 0x0c1a,
  SenderAddressType: 0x0c1e,
  SenderEmailAddress: 0x0c1f,
  MessageDeliveryTime: 0x0e06,
  MessageFlags: 0x0e07,
  MessageSize: 0x0e08,
  MessageRecipients: 0x0e12,
  MessageAttachments: 0x0e13,
  HasAttachments: 0x0e1b,
  AttachSize: 0x0e20,
  AttachNumber: 0x0e21,
  Body: 0x1000,
  RtfCompressed: 0x1009,
  Html: 0x1013,
  InternetMessageId: 0x1035,
  InternetReferences: 0x1039,
  InReplyToId: 0x1042,
  Rowid: 0x3000,
  DisplayName: 0x3001,
  AddressType: 0x3002,
  EmailAddress: 0x3003,
  CreationTime: 0x3007,
  LastModificationTime: 0x3008,
  AttachDataBinary: 0x3701,
  AttachFilename: 0x3704,
  AttachMethod: 0x3705,
  AttachLongFilename: 0x3707,
  RenderingPosition: 0x370b,
  AttachMimeTag: 0x370e,
  AttachContentId: 0x3712,
  AttachFlags: 0x3714,
  DisplayType: 0x3900,
  SmtpAddress: 0x39fe,
  SenderSmtpAddress: 0x5d01,
  SentRepresentingSmtpAddress: 0x5d02,
  InternetCodepage: 0x3fde,
  MessageLocaleId: 0x3ff1,
  AttachmentHidden: 0x7ffe,
  ObjectType: 0x0ffe,
  RecordKey: 0x0ff9,
  AccessLevel: 0x0ff7,
  Mid: 0x674a,
  FlagStatus: 0x1090,
  FlagCompleteTime: 0x1091,
  IconIndex: 0x1080,
  LastVerbExecuted: 0x1081,
  ReplyRecipientNames: 0x0050,
  ReceivedByName: 0x0040,
  ReceivedByEmailAddress: 0x0076,
  ReceivedBySmtpAddress: 0x5d07,
  BodyContentId: 0x1015,
  NativeBody: 0x1016,
  AttachContentLocation: 0x3713,
  LastModifierName: 0x3ffa,
} as const;

/** PidTagMessageFlags bits ([MS-OXCMSG] 2.2.1.6). */
export const MessageFlag = {
  Read: 0x0001,
  Unmodified: 0x0002,
  Submit: 0x0004,
  Unsent: 0x0008,
  HasAttach: 0x0010,
  FromMe: 0x0020,
  Associated: 0x0040,
  Resend: 0x0080,
  NotifyRead: 0x0100,
  NotifyUnread: 0x0200,
  EverRead: 0x0400,
} as const;

/** PidTagRecipientType values. */
export const RecipientType = { To: 1, Cc: 2, Bcc: 3 } as const;
/** PidTagAttachMethod values. */
export const AttachMethod = { None: 0, ByValue: 1, ByReference: 2, EmbeddedMessage: 5, Ole: 6 } as const;

const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isGuid(text: string): boolean {
  return GUID_RE.test(text);
}

/** GUIDs on the wire use the Windows layout: Data1..Data3 little-endian, Data4 as bytes. */
export function guidToBytes(guid: string): Buffer {
  const g = guid.toLowerCase();
  if (!GUID_RE.test(g)) throw new RangeError(`not a GUID: ${guid}`);
  const hex = g.replace(/-/g, '');
  const b = Buffer.from(hex, 'hex');
  b.subarray(0, 4).reverse();
  b.subarray(4, 6).reverse();
  b.subarray(6, 8).reverse();
  return b;
}

export function guidFromBytes(bytes: Buffer): string {
  const b = Buffer.from(bytes.subarray(0, 16));
  b.subarray(0, 4).reverse();
  b.subarray(4, 6).reverse();
  b.subarray(6, 8).reverse();
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** FILETIME ticks (100 ns since 1601-01-01 UTC) <-> Date. */
const FILETIME_UNIX_EPOCH = 116444736000000000n;
export function dateToFiletime(d: Date): bigint {
  return BigInt(d.getTime()) * 10000n + FILETIME_UNIX_EPOCH;
}
export function filetimeToDate(ft: bigint): Date {
  return new Date(Number((ft - FILETIME_UNIX_EPOCH) / 10000n));
}

/** Identity of a property in a bag: tagged by id, named by (set, LID) or (set, name). */
export function keyString(key: PropertyKey): string {
  if (typeof key === 'number') return `t:${key}`;
  const set = key.set.toLowerCase();
  return key.name !== undefined ? `n:${set}:s:${key.name}` : `n:${set}:l:${key.lid}`;
}

/** An ordered bag of properties: one value per id (tagged) or per NamedPropertyId (named). */
export class MapiPropertyBag {
  private readonly props = new Map<string, MapiProperty>();

  constructor(entries: Iterable<MapiProperty> = []) {
    for (const p of entries) this.setKey(p.key, p.value);
  }

  get size(): number {
    return this.props.size;
  }

  /** Sets a tagged property (id < 0x8000). */
  set(id: number, value: MapiValue): this {
    if (!Number.isInteger(id) || id < 0 || id >= 0x8000) throw new RangeError(`tagged property id out of range: ${id}`);
    return this.setKey(id, value);
  }

  setNamed(named: NamedPropertyId, value: MapiValue): this {
    return this.setKey(named, value);
  }

  /** Sets a property by key; named keys are stored with their set GUID in lowercase. */
  setKey(key: PropertyKey, value: MapiValue): this {
    if (typeof key === 'number') {
      this.props.set(keyString(key), { key, value });
      return this;
    }
    const set = key.set.toLowerCase();
    if (!isGuid(set)) throw new RangeError(`named property set is not a GUID: ${key.set}`);
    const named: NamedPropertyId = key.name !== undefined ? { set, name: key.name } : { set, lid: key.lid };
    this.props.set(keyString(named), { key: named, value });
    return this;
  }

  get(id: number): MapiValue | undefined {
    return this.props.get(keyString(id))?.value;
  }

  getNamed(named: NamedPropertyId): MapiValue | undefined {
    return this.props.get(keyString(named))?.value;
  }

  has(key: PropertyKey): boolean {
    return this.props.has(keyString(key));
  }

  delete(key: PropertyKey): boolean {
    return this.props.delete(keyString(key));
  }

  /** Convenience: a string-valued property (String or String8), else undefined. */
  getString(id: number): string | undefined {
    const v = this.get(id);
    return v && (v.type === PropType.String || v.type === PropType.String8) ? v.value : undefined;
  }

  [Symbol.iterator](): IterableIterator<MapiProperty> {
    return this.props.values();
  }
}
