import { SaxesParser, type SaxesTagNS } from 'saxes';
import { canonicalNamespace } from './namespaces.js';
import { XmlElement } from './xml-element.js';

/** Bounds that keep a hostile request from costing more than a large honest one. */
export interface XmlLimits {
  maxDepth: number;
  maxElements: number;
  maxAttributes: number;
}

export const DEFAULT_XML_LIMITS: XmlLimits = { maxDepth: 100, maxElements: 2_000_000, maxAttributes: 64 };

/**
 * Element text made only of these characters needs no XML processing at all: no markup, no
 * references, no line-end normalisation, no `]]>`, nothing saxes would change or reject. Base64
 * (MimeContent, attachment Content, Data) is exactly such a run and is most of a large request.
 */
const PLAIN_RUN = /[A-Za-z0-9+/=]+/y;
/** Runs shorter than this go through saxes like any text: the bypass only pays off on bulk data. */
const MIN_BULK_RUN = 256;

/**
 * Where the run of {@link PLAIN_RUN} characters starting at `at` ends (`at` itself if there is
 * none). Scanning megabytes of base64 is this parser's largest cost, so each run is scanned once.
 */
function plainRunEnd(chunk: string, at: number): number {
  PLAIN_RUN.lastIndex = at;
  return PLAIN_RUN.test(chunk) ? PLAIN_RUN.lastIndex : at;
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
      if (el && onElementEnd) onElementEnd(el, this.#stack);
    });
    sax.on('text', (text) => this.#appendText(text));
    sax.on('cdata', (text) => this.#appendText(text));
  }

  /**
   * Feeds the next piece of the document. saxes handles text one character at a time, which made
   * it most of the cost of a CreateItem carrying MIME; so long runs of plain characters (see
   * {@link PLAIN_RUN}) that directly follow a start tag are appended to the element here, and
   * saxes only sees the markup around them. Everything else, and every check, stays with saxes.
   */
  write(chunk: string): void {
    let from = 0;
    if (this.#atTextStart) {
      const end = plainRunEnd(chunk, 0);
      if (end > 0) from = this.#takeRun(chunk, 0, end);
    }
    for (let gt = chunk.indexOf('>', from); gt !== -1 && from < chunk.length; gt = chunk.indexOf('>', gt + 1)) {
      const end = plainRunEnd(chunk, gt + 1);
      if (end - gt - 1 < MIN_BULK_RUN) continue;
      // Only when that '>' closed a start tag (not an attribute value, comment, CDATA or end tag).
      this.#feed(chunk.slice(from, gt + 1));
      from = this.#atTextStart ? this.#takeRun(chunk, gt + 1, end) : gt + 1;
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

  /** Appends the plain run chunk[at, end) to the open element; returns where saxes resumes (`end`). */
  #takeRun(chunk: string, at: number, end: number): number {
    this.#appendText(chunk.slice(at, end));
    const line = this.#sax.line;
    if (line !== this.#skippedLine) this.#skippedColumns = 0;
    this.#skippedLine = line;
    this.#skippedColumns += end - at;
    // Still at the start of the text (for saxes) only if the run reached the end of this chunk.
    this.#atTextStart = end === chunk.length;
    return end;
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
    if (top) top.text += text;
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
