/**
 * Reader and writer of the FastTransfer property stream ([MS-OXCFXICS] 2.2.4): a flat sequence of
 * 4-byte little-endian property tags, each followed by its value, interleaved with markers (tags
 * without a value) that open and close recipients, attachments and embedded messages.
 *
 * Value encoding (all little-endian):
 *  - fixed-size types: the bytes of the value (Boolean takes 2 bytes in this stream);
 *  - variable-size types (String, String8, Binary, Object, ServerId, ...): u32 byte count, bytes;
 *    strings include their terminator (2 zero bytes for UTF-16, 1 for 8-bit);
 *  - type 0x8000|cp: a string in code page cp, counted like String8;
 *  - multi-valued types (0x1000|t): u32 count, then the values (variable ones each counted);
 *  - a named property (id >= 0x8000) has, after its tag and before its value, the property-set
 *    GUID, a kind byte (0 = numeric LID as u32, 1 = NUL-terminated UTF-16LE name).
 *
 * The reader never trusts a length: every count is checked against the bytes that remain, so a
 * corrupt stream gives an ItemStreamError, never a huge allocation, an exception of another kind
 * or a loop (each step consumes at least 4 bytes).
 */
import { CP_UTF16LE, CP_WINDOWS_1252, decodeCodePage, encodeWindows1252 } from './code-pages.js';
import {
  PropType, guidFromBytes, guidToBytes, keyString, propTag, tagId, tagType,
  type MapiProperty, type MapiValue, type NamedPropertyId, type PropertyKey,
} from './mapi-props.js';

export type ItemStreamErrorCode = 'truncated' | 'corrupt' | 'foreign' | 'unsupported' | 'too-large' | 'too-deep';

/** Every decoding failure: a precise message, a machine-readable code and the byte offset. */
export class ItemStreamError extends Error {
  override readonly name = 'ItemStreamError';
  constructor(
    readonly code: ItemStreamErrorCode,
    /** The message without the position. */
    readonly detail: string,
    /** Byte offset of the problem in the data (or in the message content, see the message). */
    readonly offset?: number,
    where = 'at byte',
  ) {
    super(offset === undefined ? detail : `${detail} (${where} ${offset})`);
  }
}

/** Markers ([MS-OXCFXICS] 2.2.4.1.4): tags that carry no value. */
export const Marker = {
  NewAttach: 0x40000003,
  StartEmbed: 0x40010003,
  EndEmbed: 0x40020003,
  StartRecip: 0x40030003,
  EndToRecip: 0x40040003,
  StartTopFld: 0x40090003,
  StartSubFld: 0x400a0003,
  EndFolder: 0x400b0003,
  StartMessage: 0x400c0003,
  EndMessage: 0x400d0003,
  EndAttach: 0x400e0003,
  StartFAIMsg: 0x40100003,
  IncrSyncChg: 0x40120003,
  IncrSyncDel: 0x40130003,
  IncrSyncEnd: 0x40140003,
  IncrSyncMessage: 0x40150003,
  FXErrorInfo: 0x40180003,
  IncrSyncRead: 0x402f0003,
  IncrSyncStateBegin: 0x403a0003,
  IncrSyncStateEnd: 0x403b0003,
  IncrSyncProgressMode: 0x4074000b,
  IncrSyncProgressPerMsg: 0x4075000b,
  IncrSyncGroupInfo: 0x407b0102,
  IncrSyncChgPartial: 0x407d0003,
} as const;

const MARKERS: ReadonlySet<number> = new Set(Object.values(Marker));
const MARKER_NAMES: ReadonlyMap<number, string> = new Map(Object.entries(Marker).map(([k, v]) => [v, k]));

/** Meta-properties ([MS-OXCFXICS] 2.2.4.1.5): tags with a value that are stream instructions, not item data. */
export const MetaTag = {
  FXDelProp: 0x40160003, // value: the tag of a subobject list to clear (PidTagMessageRecipients/Attachments)
  EcWarning: 0x400f0003,
  DnPrefix: 0x4008001e, // legacy-DN prefix; Exchange writes it as a cp 1252 string (0x400884E4)
} as const;

export function isMarker(tag: number): boolean {
  return MARKERS.has(tag);
}

export function tagName(tag: number): string {
  const m = MARKER_NAMES.get(tag);
  return m ? `${m} (0x${hex8(tag)})` : `0x${hex8(tag)}`;
}

export const hex8 = (n: number): string => (n >>> 0).toString(16).toUpperCase().padStart(8, '0');
const hex4 = (n: number): string => n.toString(16).toUpperCase().padStart(4, '0');

/** Byte size of each fixed-size single type in this stream. */
const FIXED_SIZE: ReadonlyMap<number, number> = new Map([
  [PropType.Integer16, 2],
  [PropType.Integer32, 4],
  [PropType.Floating32, 4],
  [PropType.Floating64, 8],
  [PropType.Currency, 8],
  [PropType.FloatingTime, 8],
  [PropType.ErrorCode, 4],
  [PropType.Boolean, 2],
  [PropType.Integer64, 8],
  [PropType.Time, 8],
  [PropType.Guid, 16],
]);

const BYTES_TYPES: ReadonlySet<number> = new Set([PropType.Binary, PropType.Object, PropType.ServerId, PropType.Restriction, PropType.RuleAction]);

/** Multi-valued types this stream may carry. */
const MV_TYPES: ReadonlySet<number> = new Set([
  PropType.MultipleInteger16, PropType.MultipleInteger32, PropType.MultipleFloating32, PropType.MultipleFloating64,
  PropType.MultipleCurrency, PropType.MultipleFloatingTime, PropType.MultipleInteger64, PropType.MultipleString8,
  PropType.MultipleString, PropType.MultipleTime, PropType.MultipleGuid, PropType.MultipleBinary,
]);

export function isKnownType(type: number): boolean {
  return (type & 0x8000) !== 0 || FIXED_SIZE.has(type) || BYTES_TYPES.has(type) || MV_TYPES.has(type)
    || type === PropType.String || type === PropType.String8;
}

// ---------------------------------------------------------------- writer

/** Builds a stream in one growing buffer; named-property ids are assigned from 0x8000 per stream. */
export class PropertyStreamWriter {
  private buf = Buffer.allocUnsafe(4096);
  private pos = 0;
  private readonly namedIds = new Map<string, number>();

  get length(): number {
    return this.pos;
  }

  toBuffer(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }

  marker(tag: number): void {
    this.u32(tag);
  }

  /** Writes a meta-property whose value is a u32 (MetaTagFXDelProp). */
  metaU32(tag: number, value: number): void {
    this.u32(tag);
    this.u32(value);
  }

  property(p: MapiProperty): void {
    const wire = this.wireType(p.value);
    if (typeof p.key === 'number') {
      if (p.key < 0 || p.key >= 0x8000) throw new RangeError(`tagged property id out of range: ${p.key}`);
      this.u32(propTag(p.key, wire));
    } else {
      this.u32(propTag(this.namedId(p.key), wire));
      this.namedInfo(p.key);
    }
    this.value(p.value, wire);
  }

  private namedId(key: NamedPropertyId): number {
    const k = keyString(key);
    let id = this.namedIds.get(k);
    if (id === undefined) {
      id = 0x8000 + this.namedIds.size;
      if (id > 0xfffe) throw new RangeError('more than 32767 distinct named properties in one stream');
      this.namedIds.set(k, id);
    }
    return id;
  }

  private namedInfo(key: NamedPropertyId): void {
    this.bytes(guidToBytes(key.set));
    if (key.name !== undefined) {
      this.u8(1);
      this.bytes(Buffer.from(key.name + '\0', 'utf16le'));
    } else {
      this.u8(0);
      this.u32(key.lid);
    }
  }

  /** The type word written for a value: code-page strings may change form (see MapiValue). */
  private wireType(v: MapiValue): number {
    if (v.type === PropType.String) return v.codePage === CP_UTF16LE ? 0x8000 | CP_UTF16LE : PropType.String;
    if (v.type === PropType.String8) {
      if (encodeWindows1252(v.value) === undefined) return 0x8000 | CP_UTF16LE;
      if (v.codePage === undefined) return PropType.String8;
      return 0x8000 | CP_WINDOWS_1252;
    }
    if (v.type === PropType.MultipleString8 && v.values.some((x) => encodeWindows1252(x) === undefined)) return PropType.MultipleString;
    return v.type;
  }

  private value(v: MapiValue, wire: number): void {
    switch (v.type) {
      case PropType.Integer16: return this.fixed(2, (b) => b.writeUInt16LE(v.value & 0xffff));
      case PropType.Integer32: return this.u32(v.value);
      case PropType.ErrorCode: return this.u32(v.value);
      case PropType.Floating32: return this.fixed(4, (b) => b.writeFloatLE(v.value));
      case PropType.Floating64:
      case PropType.FloatingTime: return this.fixed(8, (b) => b.writeDoubleLE(v.value));
      case PropType.Currency:
      case PropType.Integer64:
      case PropType.Time: return this.u64(v.value);
      case PropType.Boolean: return this.fixed(2, (b) => b.writeUInt16LE(v.value ? 1 : 0));
      case PropType.Guid: return this.bytes(guidToBytes(v.value));
      case PropType.String:
      case PropType.String8: return this.counted(this.stringBytes(v.value, wire));
      case PropType.Binary:
      case PropType.Object:
      case PropType.ServerId:
      case PropType.Restriction:
      case PropType.RuleAction: return this.counted(v.value);
      case PropType.MultipleInteger16: return this.multi(v.values, (x) => this.fixed(2, (b) => b.writeUInt16LE(x & 0xffff)));
      case PropType.MultipleInteger32: return this.multi(v.values, (x) => this.u32(x));
      case PropType.MultipleFloating32: return this.multi(v.values, (x) => this.fixed(4, (b) => b.writeFloatLE(x)));
      case PropType.MultipleFloating64:
      case PropType.MultipleFloatingTime: return this.multi(v.values, (x) => this.fixed(8, (b) => b.writeDoubleLE(x)));
      case PropType.MultipleCurrency:
      case PropType.MultipleInteger64:
      case PropType.MultipleTime: return this.multi(v.values, (x) => this.u64(x));
      case PropType.MultipleGuid: return this.multi(v.values, (x) => this.bytes(guidToBytes(x)));
      case PropType.MultipleString:
      case PropType.MultipleString8:
        return this.multi(v.values, (x) => this.counted(this.stringBytes(x, wire === PropType.MultipleString ? PropType.String : PropType.String8)));
      case PropType.MultipleBinary: return this.multi(v.values, (x) => this.counted(x));
    }
  }

  private stringBytes(text: string, wire: number): Buffer {
    if (wire === PropType.String || wire === (0x8000 | CP_UTF16LE)) return Buffer.from(text + '\0', 'utf16le');
    return this.string8Bytes(text);
  }

  /** 8-bit strings are written in windows-1252; wireType() chose UTF-16 where that cannot hold the text. */
  private string8Bytes(text: string): Buffer {
    return encodeWindows1252(text + '\0') ?? Buffer.from(text + '\0', 'utf16le');
  }

  private multi<T>(values: readonly T[], write: (x: T) => void): void {
    this.u32(values.length);
    for (const x of values) write(x);
  }

  private counted(b: Buffer): void {
    this.u32(b.length);
    this.bytes(b);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  private fixed(n: number, write: (b: Buffer) => void): void {
    this.ensure(n);
    write(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
  }

  private u8(n: number): void {
    this.ensure(1);
    this.buf[this.pos++] = n;
  }

  private u32(n: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(n >>> 0, this.pos);
    this.pos += 4;
  }

  private u64(n: bigint): void {
    this.ensure(8);
    this.buf.writeBigUInt64LE(BigInt.asUintN(64, n), this.pos);
    this.pos += 8;
  }

  private bytes(b: Buffer): void {
    this.ensure(b.length);
    b.copy(this.buf, this.pos);
    this.pos += b.length;
  }
}

// ---------------------------------------------------------------- reader

export type StreamElement =
  | { kind: 'marker'; tag: number; offset: number }
  | { kind: 'property'; tag: number; offset: number; property: MapiProperty };

/**
 * Reads a stream element by element. `base` is added to offsets in errors, so that a reader over
 * a slice reports positions in the whole stream.
 */
export class PropertyStreamReader {
  private pos = 0;

  constructor(private readonly buf: Buffer, private readonly base = 0) {}

  get offset(): number {
    return this.base + this.pos;
  }

  get atEnd(): boolean {
    return this.pos >= this.buf.length;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  /** Reads the next marker or property (tag, named-property info, value). */
  next(): StreamElement {
    const offset = this.offset;
    const tag = this.u32('a property tag');
    if (MARKERS.has(tag)) return { kind: 'marker', tag, offset };
    const id = tagId(tag);
    const type = tagType(tag);
    if (!isKnownType(type)) {
      throw new ItemStreamError('corrupt', `unknown property type 0x${hex4(type)} in tag 0x${hex8(tag)}`, offset);
    }
    const key: PropertyKey = id >= 0x8000 ? this.namedInfo(tag) : id;
    return { kind: 'property', tag, offset, property: { key, value: this.value(tag, type) } };
  }

  private namedInfo(tag: number): NamedPropertyId {
    const set = guidFromBytes(this.take(16, `the property set of named property 0x${hex8(tag)}`));
    const at = this.offset;
    const kind = this.take(1, 'a named-property kind')[0];
    if (kind === 0) return { set, lid: this.u32('a named-property LID') };
    if (kind === 1) return { set, name: this.nulTerminatedUtf16(`the name of named property 0x${hex8(tag)}`) };
    throw new ItemStreamError('corrupt', `named property 0x${hex8(tag)} has kind ${kind}, expected 0 (LID) or 1 (name)`, at);
  }

  private value(tag: number, type: number): MapiValue {
    const what = `the value of 0x${hex8(tag)}`;
    if (type & 0x8000) return this.codePageString(type & 0x7fff, what);
    switch (type) {
      case PropType.Integer16: return { type, value: this.take(2, what).readInt16LE(0) };
      case PropType.Integer32: return { type, value: this.take(4, what).readInt32LE(0) };
      case PropType.ErrorCode: return { type, value: this.take(4, what).readUInt32LE(0) };
      case PropType.Floating32: return { type, value: this.take(4, what).readFloatLE(0) };
      case PropType.Floating64:
      case PropType.FloatingTime: return { type, value: this.take(8, what).readDoubleLE(0) };
      case PropType.Currency:
      case PropType.Integer64: return { type, value: this.take(8, what).readBigInt64LE(0) };
      case PropType.Time: return { type, value: this.take(8, what).readBigUInt64LE(0) };
      case PropType.Boolean: return { type, value: this.take(2, what).readUInt16LE(0) !== 0 };
      case PropType.Guid: return { type, value: guidFromBytes(this.take(16, what)) };
      case PropType.String: return { type, value: this.utf16(this.counted(what), what) };
      case PropType.String8: return { type, value: this.string8(this.counted(what), CP_WINDOWS_1252, what) };
      case PropType.Binary:
      case PropType.Object:
      case PropType.ServerId:
      case PropType.Restriction:
      case PropType.RuleAction: return { type, value: Buffer.from(this.counted(what)) };
      case PropType.MultipleInteger16: return { type, values: this.multi(2, what, () => this.take(2, what).readInt16LE(0)) };
      case PropType.MultipleInteger32: return { type, values: this.multi(4, what, () => this.take(4, what).readInt32LE(0)) };
      case PropType.MultipleFloating32: return { type, values: this.multi(4, what, () => this.take(4, what).readFloatLE(0)) };
      case PropType.MultipleFloating64:
      case PropType.MultipleFloatingTime: return { type, values: this.multi(8, what, () => this.take(8, what).readDoubleLE(0)) };
      case PropType.MultipleCurrency:
      case PropType.MultipleInteger64: return { type, values: this.multi(8, what, () => this.take(8, what).readBigInt64LE(0)) };
      case PropType.MultipleTime: return { type, values: this.multi(8, what, () => this.take(8, what).readBigUInt64LE(0)) };
      case PropType.MultipleGuid: return { type, values: this.multi(16, what, () => guidFromBytes(this.take(16, what))) };
      case PropType.MultipleString: return { type, values: this.multi(4, what, () => this.utf16(this.counted(what), what)) };
      case PropType.MultipleString8:
        return { type, values: this.multi(4, what, () => this.string8(this.counted(what), CP_WINDOWS_1252, what)) };
      case PropType.MultipleBinary: return { type, values: this.multi(4, what, () => Buffer.from(this.counted(what))) };
    }
    throw new ItemStreamError('corrupt', `unknown property type 0x${hex4(type)} in tag 0x${hex8(tag)}`, this.offset);
  }

  private codePageString(cp: number, what: string): MapiValue {
    const at = this.offset;
    const bytes = this.counted(what);
    if (cp === CP_UTF16LE) return { type: PropType.String, value: this.utf16(bytes, what, at), codePage: CP_UTF16LE };
    return { type: PropType.String8, value: this.string8(bytes, cp, what, at), codePage: cp };
  }

  private utf16(bytes: Buffer, what: string, at = this.offset - bytes.length): string {
    if (bytes.length % 2 !== 0) throw new ItemStreamError('corrupt', `${what}: a UTF-16 string of odd length ${bytes.length}`, at);
    const end = bytes.length >= 2 && bytes[bytes.length - 1] === 0 && bytes[bytes.length - 2] === 0 ? bytes.length - 2 : bytes.length;
    return bytes.toString('utf16le', 0, end);
  }

  private string8(bytes: Buffer, cp: number, what: string, at = this.offset - bytes.length): string {
    const end = bytes.length >= 1 && bytes[bytes.length - 1] === 0 ? bytes.length - 1 : bytes.length;
    const text = decodeCodePage(bytes.subarray(0, end), cp);
    if (text === undefined) throw new ItemStreamError('unsupported', `${what}: unsupported code page ${cp}`, at);
    return text;
  }

  private nulTerminatedUtf16(what: string): string {
    const start = this.pos;
    for (let i = start; i + 1 < this.buf.length; i += 2) {
      if (this.buf[i] === 0 && this.buf[i + 1] === 0) {
        this.pos = i + 2;
        return this.buf.toString('utf16le', start, i);
      }
    }
    throw new ItemStreamError('truncated', `${what}: no NUL terminator before the end of the stream`, this.base + start);
  }

  /** A u32 count, then that many elements of at least `minSize` bytes each (checked up front). */
  private multi<T>(minSize: number, what: string, read: () => T): T[] {
    const at = this.offset;
    const count = this.u32(`the value count of ${what}`);
    if (count * minSize > this.remaining) {
      throw new ItemStreamError('truncated', `${what}: ${count} values need at least ${count * minSize} bytes, ${this.remaining} remain`, at);
    }
    const out: T[] = [];
    for (let i = 0; i < count; i++) out.push(read());
    return out;
  }

  private counted(what: string): Buffer {
    const at = this.offset;
    const n = this.u32(`the byte count of ${what}`);
    if (n > this.remaining) throw new ItemStreamError('truncated', `${what}: declares ${n} bytes, ${this.remaining} remain`, at);
    return this.take(n, what);
  }

  private u32(what: string): number {
    return this.take(4, what).readUInt32LE(0);
  }

  private take(n: number, what: string): Buffer {
    if (n > this.remaining) {
      throw new ItemStreamError('truncated', `${what} needs ${n} bytes, ${this.remaining} remain`, this.offset);
    }
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
}
