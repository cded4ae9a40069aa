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
 * This relies on what EWS responses are: element names may carry any prefix, ids, SyncStates and
 * base64 payloads never need escaping, and each ResponseMessage's own values come before the next
 * ResponseMessage starts.
 */

const NAME_PREFIX = String.raw`(?:[\w.-]+:)?`;
const MESSAGE_START = new RegExp(String.raw`<${NAME_PREFIX}\w+ResponseMessage\b[^>]*?\bResponseClass="(\w+)"`, 'g');

/** One ResponseMessage: its class and its text up to the next one. */
export interface ResponseMessageText {
  responseClass: string;
  text: string;
}

/** The ResponseMessages of a response in order; an empty list for a fault or anything unexpected. */
export function responseMessages(xml: string): ResponseMessageText[] {
  const starts: Array<{ at: number; responseClass: string }> = [];
  for (const m of xml.matchAll(MESSAGE_START)) starts.push({ at: m.index, responseClass: m[1]! });
  return starts.map((s, i) => ({ responseClass: s.responseClass, text: xml.slice(s.at, starts[i + 1]?.at ?? xml.length) }));
}

const patterns = new Map<string, RegExp>();
function pattern(key: string, source: () => string, flags = ''): RegExp {
  let re = patterns.get(key);
  if (!re) patterns.set(key, (re = new RegExp(source(), flags)));
  return re;
}

/** The value of `attribute` on the first `element` (any prefix). */
export function firstAttribute(text: string, element: string, attribute: string): string | undefined {
  return pattern(`a:${element}:${attribute}`, () => String.raw`<${NAME_PREFIX}${element}\b[^>]*?\b${attribute}="([^"]*)"`).exec(text)?.[1];
}

/** The text of the first `element` (any prefix); its text must hold no markup or references. */
export function firstText(text: string, element: string): string | undefined {
  return pattern(`t:${element}`, () => String.raw`<${NAME_PREFIX}${element}(?:\s[^>]*)?>([^<&]*)</`).exec(text)?.[1];
}

/** How many start tags of any of `elements` the text holds. */
export function countElements(text: string, ...elements: string[]): number {
  const re = pattern(`c:${elements.join('|')}`, () => String.raw`<${NAME_PREFIX}(?:${elements.join('|')})[\s>/]`, 'g');
  let n = 0;
  for (const _ of text.matchAll(re)) n++;
  return n;
}
