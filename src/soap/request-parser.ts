import { fastParseXml } from './fast-xml.js';
import type { XmlElement } from './xml-element.js';
import { DEFAULT_XML_LIMITS, parseXml, XmlStreamParser, type ElementEndListener, type XmlLimits } from './xml-parser.js';

/**
 * Requests up to this many characters are collected and read in one go by the fast reader
 * (fast-xml.ts); larger ones (CreateItem with MIME, UploadItems) stream through saxes, whose
 * bypass for long base64 runs is what matters there and which keeps memory bounded by the text.
 */
const WHOLE_DOCUMENT_MAX = 512 * 1024;

/** Parses a request body fed in pieces, with the fast reader where it can and saxes otherwise. */
export class RequestParser {
  #pieces: string[] = [];
  #length = 0;
  #stream: XmlStreamParser | undefined;

  /**
   * `onElementEnd` hears of elements as the streaming parse finishes them (see
   * ElementEndListener); a document read in one go by the fast reader is not announced, since
   * nothing would be gained by starting early.
   */
  constructor(
    readonly limits: XmlLimits = DEFAULT_XML_LIMITS,
    private readonly onElementEnd?: ElementEndListener,
  ) {}

  write(piece: string): void {
    if (this.#stream) return this.#stream.write(piece);
    this.#pieces.push(piece);
    this.#length += piece.length;
    if (this.#length <= WHOLE_DOCUMENT_MAX) return;
    this.#stream = new XmlStreamParser(this.limits, this.onElementEnd);
    for (const p of this.#pieces) this.#stream.write(p);
    this.#pieces = [];
  }

  /** The root element; throws XmlParseError as XmlStreamParser does. */
  close(): XmlElement {
    if (this.#stream) return this.#stream.close();
    const text = this.#pieces.length === 1 ? this.#pieces[0]! : this.#pieces.join('');
    this.#pieces = [];
    return fastParseXml(text, this.limits) ?? parseXml(text, this.limits);
  }
}
