import { canonicalNamespace } from './namespaces.js';
import { XmlElement } from './xml-element.js';
import type { XmlLimits } from './xml-parser.js';

/**
 * A fast reader for the XML that EWS requests are made of, beside saxes (xml-parser.ts).
 *
 * saxes reads one character at a time through a state machine: a 23 KB UpdateItem of 100 read
 * flags took ~1-2 ms to parse, a third of the server's time for that request. This reader
 * handles a strict subset of XML 1.0 with namespaces, reading the document as one string: a
 * prolog of at most an XML declaration, elements, attributes, text, the predefined
 * entities and character references. It builds exactly the tree saxes would, or gives up: on
 * anything outside that subset (comments, processing instructions, CDATA, a DOCTYPE, non-ASCII
 * names, XML 1.1) and on anything that is not well-formed, it returns undefined and the caller
 * parses the document with saxes, which stays the judge of what is an error and how it is
 * worded. So this code never needs to reject a document correctly, only never to accept a
 * document saxes would refuse, and never to build a different tree (test/fast-xml.test.ts
 * compares both on generated documents).
 */

const XML_NS = 'http://www.w3.org/XML/1998/namespace';
const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';

/** Characters XML 1.0 does not allow (controls, lone surrogates, U+FFFE/U+FFFF); after line ends are normalised, so \r is not among them. */
const NOT_XML_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const DECLARATION = /<\?xml[ \t\n]+version[ \t\n]*=[ \t\n]*(["'])1\.0\1(?:[ \t\n]+encoding[ \t\n]*=[ \t\n]*(["'])[A-Za-z][A-Za-z0-9._-]*\2)?(?:[ \t\n]+standalone[ \t\n]*=[ \t\n]*(["'])(?:yes|no)\3)?[ \t\n]*\?>/y;
/**
 * Names are scanned by character class, not by regular expression: a match array and its
 * captures for every tag and attribute made the reader allocate ~30 times the size of a request
 * (over a third of the garbage a 100-flag UpdateItem made). Bit 1: may start a name
 * ([A-Za-z_]); bit 2: may continue one ([A-Za-z0-9._-]). Non-ASCII is neither: this reader declines it.
 */
const NAME_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z_]/.test(ch)) NAME_CLASS[c] = 3;
  else if (/[0-9.-]/.test(ch)) NAME_CLASS[c] = 2;
}
const EMPTY_ATTRS: Readonly<Record<string, string>> = Object.freeze({});
const REFERENCE = /&(?:(amp|lt|gt|quot|apos)|#([0-9]{1,7})|#x([0-9A-Fa-f]{1,6}));/g;
/** Namespace names this reader takes as written: URI characters only (no references, no spaces). */
const PLAIN_URI = /^[A-Za-z0-9:/._~%#?=+,;@!$*()[\]-]*$/;
const PREDEFINED: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Thrown inside the reader to give up; never leaves this module. */
class Decline extends Error {}
const decline = (): never => {
  throw new Decline();
};

interface Frame {
  el: XmlElement;
  /** Where the start tag's name as written (which the end tag must repeat) starts and ends; both 0 for an empty-element tag. */
  qnameStart: number;
  qnameEnd: number;
  /** Prefix -> namespace in scope ('' is the default namespace). */
  scope: Map<string, string>;
}

/** The document's root element, or undefined when saxes must read it (see above). */
export function fastParseXml(input: string, limits: XmlLimits): XmlElement | undefined {
  try {
    return new Reader(input.includes('\r') ? input.replace(/\r\n?/g, '\n') : input, limits).document();
  } catch (err) {
    if (err instanceof Decline) return undefined;
    throw err;
  }
}

class Reader {
  #pos = 0;
  #elements = 0;
  /** Line counting is incremental: `#line` is the line of everything before `#nextLineEnd` (-1: no more line ends). */
  #line = 1;
  #nextLineEnd: number;
  /** What #qualifiedName read last (fields, not a returned tuple: one name per tag and attribute adds up). */
  #prefix = '';
  #local = '';
  /** The attributes of the tag being read (see #startTag). */
  readonly #raw: string[] = [];

  constructor(
    private readonly s: string,
    private readonly limits: XmlLimits,
  ) {
    if (NOT_XML_CHARS.test(s)) decline();
    this.#nextLineEnd = s.indexOf('\n');
  }

  document(): XmlElement {
    DECLARATION.lastIndex = 0;
    if (DECLARATION.test(this.s)) this.#pos = DECLARATION.lastIndex;
    this.#pos = this.#skipSpaces(this.#pos);
    const root = this.#tree(new Map([['', '']]));
    this.#pos = this.#skipSpaces(this.#pos);
    if (this.#pos !== this.s.length) decline();
    return root;
  }

  /** The root element and everything in it, read without recursion; `scope`: the namespaces outside it. */
  #tree(scope: Map<string, string>): XmlElement {
    const stack: Frame[] = [];
    let root: XmlElement | undefined;
    for (;;) {
      const s = this.s;
      if (s.charCodeAt(this.#pos) !== 0x3c /* < */) decline();
      if (s.charCodeAt(this.#pos + 1) === 0x2f /* / */) {
        const frame = stack.pop() ?? decline();
        this.#pos = this.#endTag(frame);
        if (stack.length === 0) return root!;
        scope = stack.at(-1)!.scope;
      } else {
        const frame = this.#startTag(scope, stack.length);
        const parent = stack.at(-1);
        if (parent) parent.el.children.push(frame.el);
        else root = frame.el;
        if (frame.qnameEnd === 0) {
          // Empty-element tag: opened and closed.
          if (!parent) return root!;
        } else {
          stack.push(frame);
          scope = frame.scope;
        }
      }
      this.#text(stack.at(-1)!.el);
    }
  }

  /** A start tag at `#pos`; its frame's qname bounds are 0 for an empty-element tag (`<a/>`). */
  #startTag(scope: Map<string, string>, depth: number): Frame {
    if (depth >= this.limits.maxDepth || ++this.#elements > this.limits.maxElements) decline();
    const s = this.s;
    const qnameStart = this.#pos + 1;
    const qnameEnd = this.#qualifiedName(qnameStart);
    const elPrefix = this.#prefix;
    const elLocal = this.#local;
    let at = qnameEnd;
    // The tag's attributes as [prefix, local, value] triples, flat, in an array kept for every tag.
    const raw = this.#raw;
    if (raw.length !== 0) raw.length = 0;
    let own: Map<string, string> | undefined;
    let declaredHere: string[] | undefined;
    for (;;) {
      let p = this.#skipSpaces(at);
      if (p === at || !(NAME_CLASS[s.charCodeAt(p)]! & 1)) break;
      // Namespace declarations do not count towards the attribute limit; a tag with that many
      // of them is left to saxes all the same (30 000 on one tag once cost this reader 3 s):
      // twice the limit, at three strings per attribute.
      if (raw.length >= 2 * 3 * this.limits.maxAttributes) decline();
      p = this.#qualifiedName(p);
      const prefix = this.#prefix;
      const local = this.#local;
      p = this.#skipSpaces(p);
      if (s.charCodeAt(p) !== 0x3d /* = */) decline();
      p = this.#skipSpaces(p + 1);
      const quote = s.charCodeAt(p);
      if (quote !== 0x22 /* " */ && quote !== 0x27 /* ' */) decline();
      const close = s.indexOf(quote === 0x22 ? '"' : "'", p + 1);
      if (close === -1) decline();
      const literal = s.slice(p + 1, close);
      if (literal.includes('<')) decline();
      at = close + 1;
      const value = attributeValue(literal);
      if (prefix === 'xmlns' || (prefix === '' && local === 'xmlns')) {
        const declared = prefix === '' ? '' : local;
        if (!PLAIN_URI.test(value) || declared === 'xml' || declared === 'xmlns' || value === XML_NS || value === XMLNS_NS || (declared !== '' && value === '')) decline();
        declaredHere ??= [];
        if (declaredHere.includes(declared)) decline();
        declaredHere.push(declared);
        own ??= new Map(scope);
        own.set(declared, value);
      }
      raw.push(prefix, local, value);
    }
    at = this.#skipSpaces(at);
    const empty = s.charCodeAt(at) === 0x2f; /* / */
    if (empty) at++;
    if (s.charCodeAt(at) !== 0x3e /* > */) decline();
    this.#pos = at + 1;
    const inScope = own ?? scope;

    let attrs = EMPTY_ATTRS;
    if (raw.length > 0) {
      const named: Record<string, string> = {};
      let count = 0;
      for (let i = 0; i < raw.length; i += 3) {
        const prefix = raw[i]!;
        const local = raw[i + 1]!;
        if (prefix === 'xmlns' || (prefix === '' && local === 'xmlns')) continue;
        if (++count > this.limits.maxAttributes) decline();
        const uri = prefix === '' ? '' : prefix === 'xml' ? XML_NS : (inScope.get(prefix) ?? decline());
        const key = uri ? `{${canonicalNamespace(uri)}}${local}` : local;
        // The same attribute twice (by name, or by namespace and local name) is not well-formed.
        if (Object.hasOwn(named, key)) decline();
        named[key] = raw[i + 2]!;
      }
      if (count > 0) attrs = named;
    }
    if (elPrefix === 'xmlns') decline();
    const uri = elPrefix === 'xml' ? XML_NS : (inScope.get(elPrefix) ?? decline());
    const el = new XmlElement(canonicalNamespace(uri), elLocal, attrs, this.#lineAt(this.#pos - 1), []);
    return empty ? { el, qnameStart: 0, qnameEnd: 0, scope: inScope } : { el, qnameStart, qnameEnd, scope: inScope };
  }

  /** Reads `prefix:local` or `local` at `at` into `#prefix` ('' for none) and `#local`; returns where it ends, or declines when no name is there. */
  #qualifiedName(at: number): number {
    const first = this.#nameEnd(at);
    if (this.s.charCodeAt(first) !== 0x3a /* : */) {
      this.#prefix = '';
      this.#local = this.s.slice(at, first);
      return first;
    }
    const second = this.#nameEnd(first + 1);
    this.#prefix = this.s.slice(at, first);
    this.#local = this.s.slice(first + 1, second);
    return second;
  }

  /** The end of the name (`[A-Za-z_][A-Za-z0-9._-]*`) that starts at `at`; declines when none does. */
  #nameEnd(at: number): number {
    const s = this.s;
    if (!(NAME_CLASS[s.charCodeAt(at)]! & 1)) decline();
    let p = at + 1;
    while (NAME_CLASS[s.charCodeAt(p)]! & 2) p++;
    return p;
  }

  /** The end tag at `#pos`, which must repeat `frame`'s name as written; returns the position after it. */
  #endTag(frame: Frame): number {
    const s = this.s;
    const length = frame.qnameEnd - frame.qnameStart;
    let p = this.#pos + 2;
    for (let i = 0; i < length; i++) if (s.charCodeAt(p + i) !== s.charCodeAt(frame.qnameStart + i)) decline();
    p += length;
    p = this.#skipSpaces(p);
    if (s.charCodeAt(p) !== 0x3e /* > */) decline();
    return p + 1;
  }

  /** Character data up to the next markup, appended to the open element as saxes reports it. */
  #text(el: XmlElement): void {
    const lt = this.s.indexOf('<', this.#pos);
    if (lt === -1) decline();
    if (lt === this.#pos) return;
    const text = this.s.slice(this.#pos, lt);
    if (text.includes(']]>')) decline();
    el.text += text.includes('&') ? decodeReferences(text) : text;
    this.#pos = lt;
  }

  /** The first position at or after `at` that is not XML white space (space, tab, line feed: CR is gone). */
  #skipSpaces(at: number): number {
    const s = this.s;
    for (;;) {
      const c = s.charCodeAt(at);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a) return at;
      at++;
    }
  }

  /** 1-based line of position `at` (called with increasing positions). */
  #lineAt(at: number): number {
    while (this.#nextLineEnd !== -1 && this.#nextLineEnd < at) {
      this.#line++;
      this.#nextLineEnd = this.s.indexOf('\n', this.#nextLineEnd + 1);
    }
    return this.#line;
  }
}

/** An attribute value as XML reads it: each literal tab or line end becomes a space, then references are replaced. */
function attributeValue(raw: string): string {
  const spaced = raw.includes('\n') || raw.includes('\t') ? raw.replace(/[\t\n]/g, ' ') : raw;
  return spaced.includes('&') ? decodeReferences(spaced) : spaced;
}

function decodeReferences(text: string): string {
  let stray = false;
  const out = text.replace(REFERENCE, (_all, name: string | undefined, dec: string | undefined, hex: string | undefined) => {
    if (name) return PREDEFINED[name]!;
    const code = dec !== undefined ? Number.parseInt(dec, 10) : Number.parseInt(hex!, 16);
    if (!isXmlChar(code)) stray = true;
    return stray ? '' : String.fromCodePoint(code);
  });
  // A '&' left over was not a reference this reader knows.
  if (stray || REFERENCE_FREE_AMP.test(text.replace(REFERENCE, ''))) decline();
  return out;
}
const REFERENCE_FREE_AMP = /&/;

function isXmlChar(c: number): boolean {
  return c === 0x9 || c === 0xa || c === 0xd || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
}
