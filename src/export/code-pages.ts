/**
 * Code-page strings of the FastTransfer stream: a property type 0x8000 | cp carries a string in
 * code page cp. Exchange writes cp 1200 (UTF-16LE) for Unicode strings and e.g. cp 1252 for
 * 8-bit ones (MetaTagDnPrefix). We decode whatever Node's TextDecoder (full ICU) knows, and
 * encode only UTF-16LE and windows-1252; everything else is written back as UTF-16 (cp 1200).
 */
import { TextDecoder } from 'node:util';

export const CP_UTF16LE = 1200;
export const CP_WINDOWS_1252 = 1252;

/**
 * Code page 65001 (UTF-8) is 0xFDE9: OR-ing 0x8000 changes nothing, so such a type word reads
 * back as cp 0x7DE9 after masking. We accept that spelling as UTF-8 (it is what a writer that
 * naively ORs 0x8000 into 65001 produces); ewsd never writes it.
 */
const CP_UTF8_MASKED = 65001 & 0x7fff;

const LABELS: ReadonlyMap<number, string> = new Map([
  [1200, 'utf-16le'],
  [1201, 'utf-16be'],
  [65001, 'utf-8'],
  [CP_UTF8_MASKED, 'utf-8'],
  [28592, 'iso-8859-2'],
  [28593, 'iso-8859-3'],
  [28594, 'iso-8859-4'],
  [28595, 'iso-8859-5'],
  [28596, 'iso-8859-6'],
  [28597, 'iso-8859-7'],
  [28598, 'iso-8859-8'],
  [28599, 'iso-8859-9'],
  [28603, 'iso-8859-13'],
  [28605, 'iso-8859-15'],
  [874, 'windows-874'],
  [866, 'ibm866'],
  [932, 'shift_jis'],
  [936, 'gbk'],
  [949, 'euc-kr'],
  [950, 'big5'],
  [20866, 'koi8-r'],
  [21866, 'koi8-u'],
  [50220, 'iso-2022-jp'],
  [51932, 'euc-jp'],
  [54936, 'gb18030'],
  ...[1250, 1251, 1252, 1253, 1254, 1255, 1256, 1257, 1258].map((cp): [number, string] => [cp, `windows-${cp}`]),
]);

const decoders = new Map<number, TextDecoder>();

/** The decoder for a code page, or undefined when we do not know it. */
function decoderFor(cp: number): TextDecoder | undefined {
  let d = decoders.get(cp);
  if (!d) {
    const label = LABELS.get(cp);
    if (!label) return undefined;
    try {
      d = new TextDecoder(label);
    } catch {
      return undefined; // Node built without full ICU: treat as unknown
    }
    decoders.set(cp, d);
  }
  return d;
}

export function isKnownCodePage(cp: number): boolean {
  return cp === CP_UTF16LE || cp === CP_WINDOWS_1252 || cp === 28591 || cp === 20127 || decoderFor(cp) !== undefined;
}

/** Decodes bytes (terminator already removed) in code page cp; undefined if cp is unknown. */
export function decodeCodePage(bytes: Buffer, cp: number): string | undefined {
  if (cp === CP_UTF16LE) return bytes.toString('utf16le');
  if (cp === CP_WINDOWS_1252) return decodeWindows1252(bytes);
  if (cp === 28591 || cp === 20127) return bytes.toString('latin1'); // see decodeWindows1252

  return decoderFor(cp)?.decode(bytes);
}

/**
 * windows-1252 is ours, not TextDecoder's: Node 20's decoder for it (and for its WHATWG aliases
 * iso-8859-1 and us-ascii) drops the bytes 0x80-0x9F instead of mapping them. 0x80-0x9F hold
 * typographic characters; the five unassigned bytes map to the C1 control of the same value.
 */
const CP1252_HIGH = '€\x81‚ƒ„…†‡ˆ‰Š‹Œ\x8DŽ\x8F\x90‘’“”•–—˜™š›œ\x9DžŸ';
const CP1252_REVERSE: ReadonlyMap<number, number> = new Map([...CP1252_HIGH].map((ch, i) => [ch.charCodeAt(0), 0x80 + i]));

function decodeWindows1252(bytes: Buffer): string {
  let out = '';
  for (let start = 0; start < bytes.length;) {
    // Latin-1 runs decode in bulk; only 0x80-0x9F need the table.
    let end = start;
    while (end < bytes.length && (bytes[end]! < 0x80 || bytes[end]! > 0x9f)) end++;
    out += bytes.toString('latin1', start, end);
    if (end < bytes.length) out += CP1252_HIGH[bytes[end]! - 0x80];
    start = end + 1;
  }
  return out;
}

/** Encodes text in windows-1252, or returns undefined when a character has no 1252 byte. */
export function encodeWindows1252(text: string): Buffer | undefined {
  const out = Buffer.allocUnsafe(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80 || (c >= 0xa0 && c <= 0xff)) out[i] = c;
    else {
      const b = CP1252_REVERSE.get(c);
      if (b === undefined) return undefined;
      out[i] = b;
    }
  }
  return out;
}
