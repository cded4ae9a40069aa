import { NS } from './namespaces.js';

/**
 * A parsed request element. Names are namespace-resolved (prefixes are gone), so
 * `<messages:GetFolder>` and `<m:GetFolder>` look the same. Unqualified attributes are keyed by
 * their local name; qualified ones (such as `xsi:type`) by `{uri}local`.
 */
export class XmlElement {
  #text = '';
  /** Builds the text on first read; set by {@link deferText}. */
  #buildText: (() => string) | undefined;

  constructor(
    readonly ns: string,
    readonly name: string,
    readonly attrs: Readonly<Record<string, string>>,
    /** 1-based line of the start tag, for schema-violation faults. */
    readonly line = 0,
    /**
     * Each parser passes an empty array made in its own code. V8 decides per place in the code
     * whether the arrays made there go straight to the old generation: after a few streamed
     * CreateItems (long-lived trees) it did so for one shared place, and then every small
     * request's tree was held by those old arrays and copied by each scavenge (2.6 MB each time).
     */
    readonly children: XmlElement[] = [],
  ) {}

  get text(): string {
    if (this.#buildText) {
      this.#text = this.#buildText();
      this.#buildText = undefined;
    }
    return this.#text;
  }

  set text(value: string) {
    this.#buildText = undefined;
    this.#text = value;
  }

  /**
   * For the streaming parser: the element's text, held elsewhere in another form, is built only
   * if it is read. Megabytes of MimeContent are kept as the bytes they decode to, not also as the
   * request's text, which would live (and be copied by the young generation's collections) until
   * the request ends.
   */
  deferText(build: () => string): void {
    this.#text = '';
    this.#buildText = build;
  }

  /** First child with this local name (in the messages or types namespace unless `ns` is given). */
  child(name: string, ns?: string): XmlElement | undefined {
    for (const c of this.children) if (c.name === name && matches(c, ns)) return c;
    return undefined;
  }

  /** All children with this local name, or all children when no name is given. */
  all(name?: string, ns?: string): XmlElement[] {
    if (name === undefined) return this.children;
    return this.children.filter((c) => c.name === name && matches(c, ns));
  }

  attr(name: string): string | undefined {
    return this.attrs[name];
  }

  /** Trimmed text of the first child with this name. */
  childText(name: string): string | undefined {
    return this.child(name)?.text.trim();
  }

  /** `xsi:type` without its prefix, as in `t:PathToUnindexedFieldType`. */
  get xsiType(): string | undefined {
    const raw = this.attrs[`{${NS.xsi}}type`];
    return raw === undefined ? undefined : raw.slice(raw.indexOf(':') + 1);
  }

  get isEws(): boolean {
    return this.ns === NS.messages || this.ns === NS.types;
  }
}

function matches(el: XmlElement, ns: string | undefined): boolean {
  return ns === undefined ? el.isEws : el.ns === ns;
}
