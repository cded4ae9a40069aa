import { SaxesParser, type SaxesTagNS } from 'saxes';
import { strictBase64 } from './base64.js';
import { canonicalNamespace } from './namespaces.js';
import { XmlElement } from './xml-element.js';

/** Bounds that keep a hostile request from costing more than a large honest one. */
export interface XmlLimits {
  maxDepth: number;
  maxElements: number;
  maxAttributes: number;
}

export const DEFAULT_XML_LIMITS: XmlLimits = { maxDepth: 100, maxElements: 2_000_000, maxAttributes: 64 };

/** Text runs shorter than this go through saxes like any text: the bypass only pays off on bulk data. */
const MIN_BULK_RUN = 256;

/**
 * Where the candidate run of element text starting at `at` ends: at the next '<' (or the chunk's
 * end), less any white space before it. Found with indexOf, which skips megabytes of base64 at
 * memory speed; whether the run may be taken is for {@link strictBase64} to say (base64 in that
 * strict form needs no XML processing at all: no markup, references, line-end normalisation,
 * `]]>`, nothing saxes would change or refuse).
 */
function runEnd(chunk: string, at: number): number {
  let end = chunk.indexOf('<', at);
  if (end < 0) end = chunk.length;
  while (end > at && isSpace(chunk.charCodeAt(end - 1))) end--;
  return end;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** What may wait for the rest of its quad. */
const BASE64_TAIL = /^[A-Za-z0-9+/=]{0,3}$/;
const EQUALS = 0x3d;

/**
 * The base64 text of one element as it streams past saxes, decoded quad by quad: at its end the
 * element's bytes are there without its text ever being joined into one string (for a MIME
 * message of a megabyte, V8 would flatten 1.3 MB into its large-object space to decode it). Nor
 * is the text kept: the element builds it again from the bytes should anything read it. Kept, a
 * CreateItem's ~5 MB of text lived until the request ended, and the young generation's
 * collections copied it while it did (their time on the event loop halved without it, at 4
 * clients storing).
 */
class Base64Text {
  #pieces: Buffer[] = [];
  /** Up to 3 characters of a quad split between runs. */
  #carry = '';
  /** A run ended with padding: any further text makes this not one base64 text. */
  #padded = false;
  /**
   * The padded quad as it was written: its unused bits need not be zero, so encoding its bytes
   * again might not give it back (every other quad has no unused bits and comes back exactly).
   */
  #paddedQuad = '';

  /** The element's text is still to be built from this (XmlElement.deferText): runs need not be kept as text. */
  deferred = true;

  constructor(
    readonly el: XmlElement,
    /** The element's text also has parts that saxes read: its bytes are not kept. */
    public mixed: boolean,
  ) {}

  /** Decodes chunk[at, end) after what came before; false (and nothing kept) if it is not plain base64. */
  add(chunk: string, at: number, end: number): boolean {
    if (this.#padded) return false;
    const pieces: Buffer[] = [];
    let from = at;
    let last = -1;
    let lastQuad = '';
    if (this.#carry) {
      from = Math.min(end, at + 4 - this.#carry.length);
      const head = this.#carry + chunk.slice(at, from);
      if (head.length < 4) {
        if (!BASE64_TAIL.test(head)) return false;
        this.#carry = head;
        return true;
      }
      const bytes = strictBase64(head);
      if (!bytes) return false;
      pieces.push(bytes);
      last = head.charCodeAt(3);
      lastQuad = head;
    }
    const whole = end - ((end - from) % 4);
    if (whole > from) {
      const bytes = strictBase64(chunk.slice(from, whole));
      if (!bytes) return false;
      pieces.push(bytes);
      last = chunk.charCodeAt(whole - 1);
      lastQuad = chunk.slice(whole - 4, whole);
    }
    const carry = chunk.slice(whole, end);
    if (!BASE64_TAIL.test(carry) || (last === EQUALS && carry)) return false;
    this.#carry = carry;
    this.#pieces.push(...pieces);
    this.#padded = last === EQUALS;
    if (this.#padded) this.#paddedQuad = lastQuad;
    return true;
  }

  /** The text taken so far, exactly as it was written, built again from its bytes. */
  text(): string {
    const encoded = this.#bytes().toString('base64');
    return (this.#padded ? encoded.slice(0, -4) + this.#paddedQuad : encoded) + this.#carry;
  }

  /** The element's bytes, or undefined if its text did not end on a whole quad or was not all base64. */
  finish(): Buffer | undefined {
    return this.#carry || this.mixed ? undefined : this.#bytes();
  }

  /** The bytes decoded so far, in one Buffer (kept as the only piece, so they are joined once). */
  #bytes(): Buffer {
    if (this.#pieces.length !== 1) this.#pieces = [Buffer.concat(this.#pieces)];
    return this.#pieces[0]!;
  }
}

/** Elements whose whole text was base64 taken past saxes, with its bytes (see {@link decodedBase64}). */
const decodedTexts = new WeakMap<XmlElement, Buffer>();

/**
 * The bytes of an element's text when all of it was base64 that the streaming parser decoded as it
 * read it (MimeContent, attachment Content, UploadItems Data in large requests); else undefined,
 * and the caller decodes `el.text` itself. Strict: only the base64 alphabet, whole quads, '='
 * only at the end, the same as decodeBase64's fast path accepts.
 */
export function decodedBase64(el: XmlElement): Buffer | undefined {
  return decodedTexts.get(el);
}

/**
 * Told of each element as soon as its end tag is read, with the elements still open around it
 * (outermost first), so work on a finished element can start while the rest of a large
 * document is still arriving. It must not throw, and must not change the tree.
 */
export type ElementEndListener = (el: XmlElement, ancestors: readonly XmlElement[]) => void;

/** A request that is not well-formed XML, or that breaks one of our limits. */
export class XmlParseError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
  }
}

/**
 * Streaming, namespace-aware parser building an {@link XmlElement} tree.
 * DTDs are refused outright (SOAP forbids them), so no entity is ever expanded; only the five
 * predefined entities and character references are understood.
 */
export class XmlStreamParser {
  readonly #sax = new SaxesParser({ xmlns: true, position: true });
  readonly #stack: XmlElement[] = [];
  #root: XmlElement | undefined;
  #elements = 0;
  /**
   * True when saxes sits at the very start of an element's text: its last event was a start tag
   * ending at the last character it was given, so it holds no buffered text and characters we
   * take from the stream ourselves are exactly the text it would have reported.
   */
  #atTextStart = false;
  /** Stream position of the last start tag's '>' (-1 once any later event came). */
  #openedAt = -1;
  /** Columns of the current line taken past saxes (its column counter never saw them). */
  #skippedColumns = 0;
  #skippedLine = 0;
  /** The base64 of the element whose text was last taken past saxes. */
  #base64: Base64Text | undefined;

  constructor(
    readonly limits: XmlLimits = DEFAULT_XML_LIMITS,
    onElementEnd?: ElementEndListener,
  ) {
    const sax = this.#sax;
    sax.on('error', (err) => this.#fail(err.message.replace(/^[^:]*:\d+:\d+: /, '')));
    sax.on('doctype', () => this.#fail('DTDs are not allowed in SOAP messages'));
    sax.on('opentagstart', () => {
      if (this.#stack.length >= limits.maxDepth) this.#fail(`elements nest deeper than ${limits.maxDepth}`);
      if (++this.#elements > limits.maxElements) this.#fail(`more than ${limits.maxElements} elements`);
    });
    sax.on('opentag', (tag) => {
      this.#open(tag as SaxesTagNS);
      this.#openedAt = sax.position;
    });
    sax.on('closetag', () => {
      this.#openedAt = -1;
      const el = this.#stack.pop();
      if (el && this.#base64?.el === el) {
        const bytes = this.#base64.finish();
        if (bytes) decodedTexts.set(el, bytes);
        this.#base64 = undefined;
      }
      if (el && onElementEnd) onElementEnd(el, this.#stack);
    });
    sax.on('text', (text) => this.#appendText(text));
    sax.on('cdata', (text) => this.#appendText(text));
  }

  /**
   * Feeds the next piece of the document. saxes handles text one character at a time, which made
   * it most of the cost of a CreateItem carrying MIME; so long runs of base64 that directly follow
   * a start tag are appended to the element here, and decoded on the way (see Base64Text), and
   * saxes only sees the markup around them. Everything else, and every check, stays with saxes.
   * A run that reaches the end of the chunk is taken however short, so that an element whose
   * start tag falls just before a chunk's end still has the rest of its text taken.
   */
  write(chunk: string): void {
    let from = 0;
    if (this.#atTextStart) {
      const end = runEnd(chunk, 0);
      if (end > 0 && this.#takeRun(chunk, 0, end)) from = end;
    }
    for (let gt = chunk.indexOf('>', from); gt !== -1 && from < chunk.length; gt = chunk.indexOf('>', gt + 1)) {
      const end = runEnd(chunk, gt + 1);
      if (end - gt - 1 < MIN_BULK_RUN && !(end === chunk.length && end > gt + 1)) continue;
      // Only when that '>' closed a start tag (not an attribute value, comment, CDATA or end tag).
      this.#feed(chunk.slice(from, gt + 1));
      from = this.#atTextStart && this.#takeRun(chunk, gt + 1, end) ? end : gt + 1;
      gt = from - 1;
    }
    if (from < chunk.length) this.#feed(from === 0 ? chunk : chunk.slice(from));
  }

  #feed(text: string): void {
    this.#sax.write(text);
    // saxes updates `position` for the next chunk only when it starts one; an empty write makes it exact.
    this.#sax.write('');
    this.#atTextStart = this.#openedAt === this.#sax.position;
  }

  /** Appends chunk[at, end) to the open element if it is plain base64; false leaves it to saxes. */
  #takeRun(chunk: string, at: number, end: number): boolean {
    const top = this.#stack.at(-1);
    if (!top) return false;
    // Text that saxes gave the element first makes its text more than base64: checked, not kept.
    let base64 = this.#base64;
    if (base64?.el !== top) base64 = this.#startBase64(top);
    if (!base64.add(chunk, at, end)) return false;
    this.#openedAt = -1;
    if (!base64.deferred) top.text += chunk.slice(at, end);
    const line = this.#sax.line;
    if (line !== this.#skippedLine) this.#skippedColumns = 0;
    this.#skippedLine = line;
    this.#skippedColumns += end - at;
    // Still at the start of the text (for saxes) only if the run reached the end of this chunk.
    this.#atTextStart = end === chunk.length;
    return true;
  }

  /**
   * Begins taking `el`'s text past saxes. The text is not kept as text: the element builds it from
   * the decoded bytes if it is ever read (see XmlElement.deferText), and from then on, should more
   * runs follow, they are appended to it as they come.
   */
  #startBase64(el: XmlElement): Base64Text {
    const before = el.text;
    const base64 = new Base64Text(el, before !== '');
    el.deferText(() => {
      base64.deferred = false;
      return before + base64.text();
    });
    this.#base64 = base64;
    return base64;
  }

  /** Ends the document and returns its root element. */
  close(): XmlElement {
    this.#sax.close();
    if (!this.#root) this.#fail('the document has no root element');
    return this.#root!;
  }

  #open(tag: SaxesTagNS): void {
    const attrs: Record<string, string> = {};
    let count = 0;
    for (const a of Object.values(tag.attributes)) {
      if (a.prefix === 'xmlns' || (a.prefix === '' && a.local === 'xmlns')) continue;
      if (++count > this.limits.maxAttributes) this.#fail(`more than ${this.limits.maxAttributes} attributes on one element`);
      attrs[a.uri ? `{${canonicalNamespace(a.uri)}}${a.local}` : a.local] = a.value;
    }
    const el = new XmlElement(canonicalNamespace(tag.uri), tag.local, attrs, this.#sax.line, []);
    const parent = this.#stack.at(-1);
    if (parent) parent.children.push(el);
    else this.#root = el;
    this.#stack.push(el);
  }

  #appendText(text: string): void {
    this.#openedAt = -1;
    const top = this.#stack.at(-1);
    if (!top) return;
    top.text += text;
    if (this.#base64?.el === top) this.#base64.mixed = true;
  }

  #fail(message: string): never {
    const line = this.#sax.line;
    const column = this.#sax.column + (line === this.#skippedLine ? this.#skippedColumns : 0);
    throw new XmlParseError(message, line, column);
  }
}

/** Parses a whole document held in memory. */
export function parseXml(text: string, limits?: XmlLimits): XmlElement {
  const parser = new XmlStreamParser(limits);
  parser.write(text);
  return parser.close();
}
