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

  constructor(readonly limits: XmlLimits = DEFAULT_XML_LIMITS) {
    const sax = this.#sax;
    sax.on('error', (err) => this.#fail(err.message.replace(/^[^:]*:\d+:\d+: /, '')));
    sax.on('doctype', () => this.#fail('DTDs are not allowed in SOAP messages'));
    sax.on('opentagstart', () => {
      if (this.#stack.length >= limits.maxDepth) this.#fail(`elements nest deeper than ${limits.maxDepth}`);
      if (++this.#elements > limits.maxElements) this.#fail(`more than ${limits.maxElements} elements`);
    });
    sax.on('opentag', (tag) => this.#open(tag as SaxesTagNS));
    sax.on('closetag', () => {
      this.#stack.pop();
    });
    sax.on('text', (text) => this.#appendText(text));
    sax.on('cdata', (text) => this.#appendText(text));
  }

  write(chunk: string): void {
    this.#sax.write(chunk);
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
    const el = new XmlElement(canonicalNamespace(tag.uri), tag.local, attrs, this.#sax.line);
    const parent = this.#stack.at(-1);
    if (parent) parent.children.push(el);
    else this.#root = el;
    this.#stack.push(el);
  }

  #appendText(text: string): void {
    const top = this.#stack.at(-1);
    if (top) top.text += text;
  }

  #fail(message: string): never {
    throw new XmlParseError(message, this.#sax.line, this.#sax.column);
  }
}

/** Parses a whole document held in memory. */
export function parseXml(text: string, limits?: XmlLimits): XmlElement {
  const parser = new XmlStreamParser(limits);
  parser.write(text);
  return parser.close();
}
