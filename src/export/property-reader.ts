/** Reads the FastTransfer property stream (encoding: see property-stream.ts), never trusting a length. */
import { CP_UTF16LE, CP_WINDOWS_1252, decodeCodePage } from './code-pages.js';
import { PropType, guidFromBytes, tagId, tagType, type MapiProperty, type MapiValue, type NamedPropertyId, type PropertyKey } from './mapi-props.js';
import { ItemStreamError, MARKERS, hex4, hex8, isKnownType } from './stream-format.js';

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
