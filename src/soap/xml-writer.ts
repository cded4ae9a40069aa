/** Attribute values; `undefined` leaves the attribute out. */
export type Attrs = Record<string, string | number | boolean | undefined>;

const SPECIAL = /[&<>"'\r\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/;
const ILLEGAL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\r': '&#xD;', '\n': '&#xA;', '\t': '&#x9;' };

/**
 * Escapes text for element content and attribute values. Code points that XML 1.0 cannot carry
 * (control characters and lone surrogates, which do occur in real e-mail subjects) become U+FFFD,
 * so a response is always well-formed. A CR is written as a character reference: a parser would
 * otherwise turn CRLF into LF, and message bodies must come back byte for byte.
 */
export function esc(value: string): string {
  if (!SPECIAL.test(value)) return value;
  return value.replace(ILLEGAL, '\uFFFD').replace(/[&<>"'\r]/g, (c) => ENTITIES[c]!);
}

/** Like {@link esc}, and also keeps tabs and line breaks, which attribute-value normalisation turns into spaces. */
export function escAttr(value: string): string {
  return /[\t\n]/.test(value) ? esc(value).replace(/[\t\n]/g, (c) => ENTITIES[c]!) : esc(value);
}

function attrString(attrs: Attrs | undefined): string {
  if (!attrs) return '';
  let out = '';
  for (const key in attrs) {
    const v = attrs[key];
    if (v !== undefined) out += ` ${key}="${escAttr(String(v))}"`;
  }
  return out;
}

/** A small forward-only XML writer; element names carry their prefix (`t:Subject`). */
export class XmlWriter {
  #out = '';

  open(name: string, attrs?: Attrs): this {
    this.#out += `<${name}${attrString(attrs)}>`;
    return this;
  }

  close(name: string): this {
    this.#out += `</${name}>`;
    return this;
  }

  /** `<name attrs/>` */
  empty(name: string, attrs?: Attrs): this {
    this.#out += `<${name}${attrString(attrs)}/>`;
    return this;
  }

  /** `<name>text</name>`; nothing at all when the value is undefined. */
  leaf(name: string, value: string | number | boolean | undefined, attrs?: Attrs): this {
    if (value === undefined) return this;
    this.#out += `<${name}${attrString(attrs)}>${esc(String(value))}</${name}>`;
    return this;
  }

  /** `<name attrs>base64 of bytes</name>`: base64 never needs escaping, so the (large) text skips {@link esc}. */
  base64(name: string, bytes: Uint8Array, attrs?: Attrs): this {
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
    this.#out += `<${name}${attrString(attrs)}>${text}</${name}>`;
    return this;
  }

  /** Already-serialised XML, such as another writer's output. */
  raw(xml: string): this {
    this.#out += xml;
    return this;
  }

  toString(): string {
    return this.#out;
  }
}
