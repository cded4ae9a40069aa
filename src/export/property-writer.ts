/** Writes the FastTransfer property stream (encoding: see property-stream.ts). */
import { CP_UTF16LE, CP_WINDOWS_1252, encodeWindows1252 } from './code-pages.js';
import { PropType, guidToBytes, keyString, propTag, type MapiProperty, type MapiValue, type NamedPropertyId } from './mapi-props.js';

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
