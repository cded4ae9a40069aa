import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { seededRandom } from '../bench/corpus.js';
import { createItemXml, deleteItemXml, findItemXml, getItemXml, soapEnvelope, syncFolderItemsXml, updateIsReadXml } from '../bench/clients/ews-requests.js';
import { fastParseXml } from '../src/soap/fast-xml.js';
import { RequestParser } from '../src/soap/request-parser.js';
import type { XmlElement } from '../src/soap/xml-element.js';
import { DEFAULT_XML_LIMITS, parseXml, XmlParseError, type XmlLimits } from '../src/soap/xml-parser.js';
import { SEEDS } from './support/soap.js';

// The fast reader (src/soap/fast-xml.ts) may decline any document, but a tree it returns must be
// the very tree saxes builds, and it must never accept what saxes refuses.

interface Plain {
  ns: string;
  name: string;
  attrs: Readonly<Record<string, string>>;
  text: string;
  line: number;
  children: Plain[];
}
const plain = (e: XmlElement): Plain => ({ ns: e.ns, name: e.name, attrs: { ...e.attrs }, text: e.text, line: e.line, children: e.children.map(plain) });

/** What saxes makes of a document: its tree, or the error. */
function bySaxes(doc: string, limits: XmlLimits): Plain | XmlParseError {
  try {
    return plain(parseXml(doc, limits));
  } catch (err) {
    if (err instanceof XmlParseError) return err;
    throw err;
  }
}

/** Checks one document; returns whether the fast reader took it. */
function agrees(doc: string, limits: XmlLimits = DEFAULT_XML_LIMITS): boolean {
  const fast = fastParseXml(doc, limits);
  if (fast === undefined) return false;
  const slow = bySaxes(doc, limits);
  assert.ok(!(slow instanceof XmlParseError), `accepted what saxes refuses (${slow instanceof XmlParseError ? slow.message : ''}): ${JSON.stringify(doc)}`);
  assert.deepEqual(plain(fast), slow, `a different tree for ${JSON.stringify(doc)}`);
  return true;
}

const URIS = ['http://schemas.microsoft.com/exchange/services/2006/messages', 'https://schemas.microsoft.com/exchange/services/2006/types', 'urn:x', '', 'http://www.w3.org/XML/1998/namespace', 'http://www.w3.org/2000/xmlns/'];
const PREFIXES = ['', '', '', 'm', 't', 'x', 'xml', 'xmlns', 'nope'];
const NAMES = ['a', 'Item', 'x.y', 'b-c', '_z', 'ItemId', '1bad', 'é', 'a:b', 'xmlns', 'A9'];
const VALUES = ['', 'plain', 'AAAA+/==', '&amp;', '&lt;&gt;&quot;&apos;', '&#10;', '&#x20AC;', '&#0;', '&#xD800;', '&bogus;', '&', '<', '"', "'", 'a\tb', 'a\nb', 'a\r\nb', 'a\rb', ']]>', '\u0001', '\ud800', '😀', 'ü', '&#1114111;', '&#0065;'];
const TEXTS = [...VALUES, ' ', '\n  ', '>', '<!-- c -->', '<![CDATA[x<y]]>', '<?pi x?>', 'text'];
const DECLARATIONS = ['', '', '<?xml version="1.0"?>', '<?xml version="1.0" encoding="utf-8"?>', "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>", '<?xml version="1.1"?>', ' <?xml version="1.0"?>', '<?xml version="1.0" encoding="utf 8"?>', '\ufeff'];
const MUTATIONS = '<>&"\'/=:!? \r\n';

/** The choices that make well-formed documents (the hostile lists above mix in what does not). */
const GOOD = {
  prefixes: ['', 'm', 't', 'xml'],
  uris: URIS.slice(0, 4),
  declarations: DECLARATIONS.slice(0, 5),
  names: ['a', 'Item', 'x.y', 'b-c', '_z', 'ItemId', 'A9'],
  values: ['', 'plain', 'AAAA+/==', '&amp;', '&lt;&gt;&quot;&apos;', '&#10;', '&#x20AC;', 'a\tb', 'a\nb', 'a\r\nb', 'a\rb', '😀', 'ü', '>'],
  texts: ['', 'text', ' ', '\n  ', '\r\n', '&amp;x', '&#13;', 'ü😀', '>'],
};
let clean = false;

function pick<T>(next: () => number, list: readonly T[]): T {
  const l = list as readonly unknown[];
  const good = clean && (l === PREFIXES ? GOOD.prefixes : l === URIS ? GOOD.uris : l === DECLARATIONS ? GOOD.declarations : l === NAMES ? GOOD.names : l === VALUES ? GOOD.values : l === TEXTS ? GOOD.texts : undefined);
  const from = (good || list) as readonly T[];
  return from[Math.floor(next() * from.length)]!;
}

function randomElement(next: () => number, depth: number): string {
  const prefix = pick(next, PREFIXES);
  const name = (prefix ? `${prefix}:` : '') + pick(next, NAMES);
  let attrs = '';
  for (let i = Math.floor(next() * 4); i > 0; i--) {
    const r = next();
    const q = next() < 0.8 ? '"' : "'";
    if (r < 0.3) attrs += ` xmlns${next() < 0.5 ? '' : `:${clean ? pick(next, ['m', 't', 'x']) : pick(next, PREFIXES) || 'm'}`}=${q}${pick(next, URIS)}${q}`;
    else attrs += `${next() < 0.9 ? ' ' : next() < 0.5 ? '\n\t' : ''}${next() < 0.3 ? `${pick(next, PREFIXES) || 't'}:` : ''}${pick(next, NAMES)}${next() < 0.8 ? '=' : ' = '}${q}${pick(next, VALUES)}${q}`;
  }
  if (depth > 3 || next() < 0.25) return `<${name}${attrs}${next() < 0.8 ? '/' : ' /'}>`;
  let content = '';
  for (let i = Math.floor(next() * 4); i > 0; i--) content += next() < 0.5 ? randomElement(next, depth + 1) : pick(next, TEXTS);
  return `<${name}${attrs}>${content}</${next() < 0.97 ? name : pick(next, NAMES)}${next() < 0.9 ? '' : ' '}>`;
}

function randomDocument(next: () => number): string {
  clean = next() < 0.5;
  let root = randomElement(next, 0);
  // Clean documents declare the prefixes they use on the root (also when it is an empty-element tag).
  if (clean) root = root.replace(/^<([^\s/>]+)/, `<$1 xmlns:m="${URIS[0]}" xmlns:t="${URIS[1]}"${next() < 0.5 ? ' xmlns="urn:d"' : ''}`);
  let doc = pick(next, DECLARATIONS) + (next() < 0.5 ? '\n' : '') + root + (!clean && next() < 0.2 ? pick(next, TEXTS) : '');
  for (let i = next() < (clean ? 0.3 : 0.5) ? 1 + Math.floor(next() * 2) : 0; i > 0; i--) {
    const at = Math.floor(next() * doc.length);
    doc = next() < 0.5 ? doc.slice(0, at) + doc.slice(at + 1) : doc.slice(0, at) + pick(next, [...MUTATIONS]) + doc.slice(at);
  }
  return doc;
}

describe('fast XML reader', () => {
  it('reads every request the bench sends as saxes does', () => {
    const ids = Array.from({ length: 30 }, (_, i) => Buffer.alloc(34, i).toString('base64'));
    const docs = [
      findItemXml(150, 50),
      getItemXml(ids),
      updateIsReadXml(ids, true),
      syncFolderItemsXml(undefined),
      syncFolderItemsXml('AAEC/w=='),
      deleteItemXml(ids),
      createItemXml([Buffer.from('Subject: x\r\n\r\nbody\r\n')]),
    ].map(soapEnvelope);
    for (const doc of docs) assert.ok(agrees(doc), doc.slice(0, 120));
  });

  it('reads the seed documents as saxes does (or leaves them to it)', () => {
    const dir = SEEDS;
    let taken = 0;
    const files = readdirSync(dir).filter((f) => f.endsWith('.xml'));
    for (const f of files) if (agrees(readFileSync(join(dir, f), 'utf8'))) taken++;
    assert.ok(taken > 0, 'no seed document was read by the fast reader');
  });

  it('never accepts what saxes refuses and never builds a different tree (20 000 generated documents)', () => {
    const next = seededRandom(20261124);
    let taken = 0;
    const n = 20_000;
    for (let i = 0; i < n; i++) if (agrees(randomDocument(next))) taken++;
    // Not vacuous: a good share of the documents is read by the fast reader.
    assert.ok(taken > n / 10, `only ${taken} of ${n} taken`);
  });

  it('leaves documents past the limits to saxes, which words the error', () => {
    const deep = '<a>'.repeat(10) + '</a>'.repeat(10);
    assert.equal(fastParseXml(deep, { ...DEFAULT_XML_LIMITS, maxDepth: 5 }), undefined);
    assert.equal(fastParseXml('<a><b/><b/><b/></a>', { ...DEFAULT_XML_LIMITS, maxElements: 3 }), undefined);
    assert.equal(fastParseXml('<a x="1" y="2" z="3"/>', { ...DEFAULT_XML_LIMITS, maxAttributes: 2 }), undefined);
    // Namespace declarations are not counted by the limit, but a tag full of them is still left to saxes.
    const declarations = Array.from({ length: 200 }, (_, i) => ` xmlns:p${i}="urn:${i}"`).join('');
    assert.equal(fastParseXml(`<a${declarations}/>`, DEFAULT_XML_LIMITS), undefined);
    assert.ok(parseXml(`<a${declarations}/>`));
    const parser = new RequestParser({ ...DEFAULT_XML_LIMITS, maxDepth: 5 });
    parser.write(deep);
    assert.throws(() => parser.close(), (err: unknown) => err instanceof XmlParseError && /deeper than 5/.test(err.message));
  });

  it('gives the same tree whether a request is read whole or streamed in pieces', () => {
    const doc = soapEnvelope(updateIsReadXml(['AAAA', 'BBBB'], true)).replace(/></g, '>\r\n  <');
    const parser = new RequestParser();
    for (let i = 0; i < doc.length; i += 7) parser.write(doc.slice(i, i + 7));
    assert.deepEqual(plain(parser.close()), bySaxes(doc, DEFAULT_XML_LIMITS));
    // Past the whole-document size the pieces stream through saxes, with the same result.
    const big = soapEnvelope(createItemXml([Buffer.alloc(600 * 1024, 'a')]));
    const streamed = new RequestParser();
    for (let i = 0; i < big.length; i += 65536) streamed.write(big.slice(i, i + 65536));
    assert.deepEqual(plain(streamed.close()), bySaxes(big, DEFAULT_XML_LIMITS));
  });
});
