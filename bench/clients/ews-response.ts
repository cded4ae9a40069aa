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
 * How: the scan hops from one '<' to the next with indexOf and tries a sticky pattern at each.
 * A pattern left to search on its own walks every character of the base64 payloads, about 1 ns
 * each; on a GetItem of 10 messages (~500 KB) that was ~1 ms, a third of the client's time.
 * indexOf skips them at memory speed.
 *
 * This relies on what EWS responses are: element names may carry any prefix, ids, SyncStates and
 * base64 payloads never need escaping, and each ResponseMessage's own values come before the next
 * ResponseMessage starts.
 */

const NAME_PREFIX = String.raw`(?:[\w.-]+:)?`;
const MESSAGE_START = new RegExp(String.raw`<${NAME_PREFIX}\w+ResponseMessage\b[^>]*?\bResponseClass="(\w+)"`, 'y');

/** One ResponseMessage: its class and its text up to the next one. */
export interface ResponseMessageText {
  responseClass: string;
  text: string;
}

/** Calls `found` with each match of the sticky `re` that starts at a '<' of the text, until it returns true. */
function eachTag(text: string, re: RegExp, found: (m: RegExpExecArray) => boolean | void): void {
  for (let at = text.indexOf('<'); at >= 0; at = text.indexOf('<', at + 1)) {
    re.lastIndex = at;
    const m = re.exec(text);
    if (m && found(m)) return;
  }
}

/** The ResponseMessages of a response in order; an empty list for a fault or anything unexpected. */
export function responseMessages(xml: string): ResponseMessageText[] {
  const starts: Array<{ at: number; responseClass: string }> = [];
  eachTag(xml, MESSAGE_START, (m) => {
    starts.push({ at: m.index, responseClass: m[1]! });
  });
  return starts.map((s, i) => ({ responseClass: s.responseClass, text: xml.slice(s.at, starts[i + 1]?.at ?? xml.length) }));
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
