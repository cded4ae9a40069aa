/**
 * Reading EWS responses in the bench client without building a tree: the ResponseMessages are
 * found by their start tags and the few values a workload needs are picked out of each by name.
 *
 * Why not the project's XML parser: it is a character-by-character JavaScript SAX parser, and on
 * the same two cores as the server it cost the client more than the server spent on the request
 * (a FindItem page of 50 took ~2.4 ms of client time against ~2.7 ms in ewsd). Real EWS clients
 * parse with libxml2, lxml or .NET's XmlReader. imapflow, on the IMAP side, tokenises its lines
 * the same lean way. Anything other than an all-Success answer goes to the full parser, which
 * words the error (see EwsSession).
 *
 * Why bytes first: the answer stays a Buffer, and only small pieces become strings. A string of a
 * whole GetItem answer (~0.5 MB) is too large for V8's young generation; each one went to the
 * large-object space and cost ~1-2 ms of allocation and collection, more than the rest of the
 * client's work on it. ResponseMessages are found by hopping from '<' to '<' in the bytes
 * (Buffer#indexOf of one byte is memchr, and payloads hold no '<'), and base64 payloads are decoded
 * from the bytes in pieces small enough to stay young.
 *
 * Within a message's text the scan hops from one '<' to the next with indexOf and tries a sticky
 * pattern at each: a pattern left to search on its own walks every character of a payload.
 *
 * This relies on what EWS responses are: element names may carry any prefix, ids, SyncStates and
 * base64 payloads never need escaping, and each ResponseMessage's own values come before the next
 * ResponseMessage starts.
 */

const NAME_PREFIX = String.raw`(?:[\w.-]+:)?`;
const MESSAGE_MARK = 'ResponseMessage';
const MESSAGE_START = new RegExp(String.raw`^<${NAME_PREFIX}\w+ResponseMessage\b[^>]*?\bResponseClass="(\w+)"`);
const LT = 0x3c;
const GT = 0x3e;
const SLASH = 0x2f;
const COLON = 0x3a;
const AMPERSAND = 0x26;
/** Longest element name (with its prefix) looked back over from a name found in the bytes. */
const MAX_NAME = 128;
/** Base64 characters decoded per string: a multiple of 4, and small enough for V8's young generation. */
const DECODE_PIECE = 64 * 1024;

/** One ResponseMessage: its class and its bytes up to the next one (a view of the answer's buffer). */
export class ResponseMessage {
  #text: string | undefined;
  constructor(
    readonly responseClass: string,
    readonly bytes: Buffer,
  ) {}

  /** The message as text, Latin-1 (one character per byte: markup, ids and base64 are ASCII). */
  get text(): string {
    return (this.#text ??= this.bytes.toString('latin1'));
  }
}

/** Whether byte `c` may be part of an element name with its prefix. */
function isNameByte(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x5f || c === 0x2e || c === 0x2d || c === COLON;
}

/** Where the start tag holding the name found at `at` begins (its '<'), or -1 if `at` is not in one. */
function startTagOf(bytes: Buffer, at: number): number {
  const limit = Math.max(0, at - MAX_NAME);
  let i = at - 1;
  while (i >= limit && isNameByte(bytes[i]!)) i--;
  return i >= 0 && bytes[i] === LT ? i : -1;
}

/** Whether the name that ends just before `end` ends in `suffix` (ASCII). */
function nameEndsWith(bytes: Buffer, end: number, suffix: string): boolean {
  if (end - suffix.length < 0) return false;
  for (let i = 0; i < suffix.length; i++) if (bytes[end - suffix.length + i] !== suffix.charCodeAt(i)) return false;
  return true;
}

/**
 * The ResponseMessages of an answer in order; an empty list for a fault or anything unexpected.
 * It hops from '<' to '<' (memchr: the payloads hold none) and reads each tag's name.
 */
export function responseMessages(answer: Buffer): ResponseMessage[] {
  const starts: Array<{ at: number; responseClass: string }> = [];
  for (let lt = answer.indexOf(LT); lt >= 0; lt = answer.indexOf(LT, lt + 1)) {
    let nameEnd = lt + 1;
    while (nameEnd < answer.length && isNameByte(answer[nameEnd]!)) nameEnd++;
    if (!nameEndsWith(answer, nameEnd, MESSAGE_MARK)) continue;
    const gt = answer.indexOf(GT, nameEnd);
    const m = gt < 0 ? null : MESSAGE_START.exec(answer.toString('latin1', lt, gt + 1));
    if (m) starts.push({ at: lt, responseClass: m[1]! });
  }
  return starts.map((s, i) => new ResponseMessage(s.responseClass, answer.subarray(s.at, starts[i + 1]?.at ?? answer.length)));
}

/**
 * Where the text of the first `element` (any prefix) that holds only text without references lies
 * in `bytes`: [start, end), or undefined if there is none.
 */
export function firstTextRange(bytes: Buffer, element: string): [number, number] | undefined {
  for (let at = bytes.indexOf(element); at >= 0; at = bytes.indexOf(element, at + element.length)) {
    const before = bytes[at - 1];
    if ((before !== LT && before !== COLON) || startTagOf(bytes, at) < 0) continue;
    const after = bytes[at + element.length];
    if (after === undefined || isNameByte(after)) continue;
    const gt = bytes.indexOf(GT, at);
    if (gt < 0) return undefined;
    if (bytes[gt - 1] === SLASH) return [gt + 1, gt + 1];
    const end = bytes.indexOf(LT, gt + 1);
    if (end < 0 || bytes[end + 1] !== SLASH) continue;
    const reference = bytes.indexOf(AMPERSAND, gt + 1);
    if (reference >= 0 && reference < end) continue;
    return [gt + 1, end];
  }
  return undefined;
}

/** The most bytes `length` characters of base64 decode to: the room decodeBase64Into needs. */
export function base64Room(length: number): number {
  return Math.ceil(length / 4) * 3;
}

/**
 * Decodes the base64 in bytes[start, end) into `into` from `at` (which has base64Room(end - start)
 * bytes free there), a piece at a time; returns the decoded length. A piece that decodes short
 * (white space or padding before the end) sends the whole range to one decode, which skips those.
 */
export function decodeBase64Into(bytes: Buffer, start: number, end: number, into: Buffer, at: number): number {
  let length = 0;
  for (let from = start; from < end; from += DECODE_PIECE) {
    const last = from + DECODE_PIECE >= end;
    const written = into.write(bytes.toString('latin1', from, Math.min(end, from + DECODE_PIECE)), at + length, 'base64');
    if (!last && written !== (DECODE_PIECE / 4) * 3) return into.write(bytes.toString('latin1', start, end), at, 'base64');
    length += written;
  }
  return length;
}

/** Calls `found` with each match of the sticky `re` that starts at a '<' of the text, until it returns true. */
function eachTag(text: string, re: RegExp, found: (m: RegExpExecArray) => boolean | void): void {
  for (let at = text.indexOf('<'); at >= 0; at = text.indexOf('<', at + 1)) {
    re.lastIndex = at;
    const m = re.exec(text);
    if (m && found(m)) return;
  }
}

const patterns = new Map<string, RegExp>();
function pattern(key: string, source: () => string): RegExp {
  let re = patterns.get(key);
  if (!re) patterns.set(key, (re = new RegExp(source(), 'y')));
  return re;
}

/** The value of `attribute` on the first `element` (any prefix). */
export function firstAttribute(text: string, element: string, attribute: string): string | undefined {
  let value: string | undefined;
  eachTag(text, pattern(`a:${element}:${attribute}`, () => String.raw`<${NAME_PREFIX}${element}\b[^>]*?\b${attribute}="([^"]*)"`), (m) => {
    value = m[1];
    return true;
  });
  return value;
}

/** The text of the first `element` (any prefix) whose text holds no markup or references. */
export function firstText(text: string, element: string): string | undefined {
  let value: string | undefined;
  eachTag(text, pattern(`t:${element}`, () => String.raw`<${NAME_PREFIX}${element}(?:\s[^>]*)?>`), (m) => {
    const start = m.index + m[0].length;
    const end = text.indexOf('<', start);
    if (end < 0 || text[end + 1] !== '/') return false;
    const reference = text.indexOf('&', start);
    if (reference >= 0 && reference < end) return false;
    value = text.slice(start, end);
    return true;
  });
  return value;
}

/** How many start tags of any of `elements` the text holds. */
export function countElements(text: string, ...elements: string[]): number {
  let n = 0;
  eachTag(text, pattern(`c:${elements.join('|')}`, () => String.raw`<${NAME_PREFIX}(?:${elements.join('|')})[\s>/]`), () => {
    n++;
  });
  return n;
}
