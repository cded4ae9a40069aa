import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseXml } from '../src/soap/xml-parser.js';
import { Base64Chunk, chunksByteLength, esc, XmlWriter } from '../src/soap/xml-writer.js';
import { seededRandom } from '../bench/corpus.js';

/** The bench corpus's deterministic PRNG (mulberry32), so a failure can be replayed from its seed. */
const rng = seededRandom;

/** Code units biased towards the troublesome ones: markup, controls, surrogates, non-characters. */
const INTERESTING = ['&', '<', '>', '"', "'", ']]>', '\t', '\n', '\r', '\u0000', '\u0001', '\u001f', '\u007f', '\u0085', '\ud800', '\udc00', '\ufffe', '\uffff', '😀', 'é', '&amp;', '\ud83d\ude00'];

function randomString(next: () => number): string {
  const length = Math.floor(next() * 24);
  let s = '';
  for (let i = 0; i < length; i++) {
    const r = next();
    if (r < 0.35) s += INTERESTING[Math.floor(next() * INTERESTING.length)];
    else if (r < 0.7) s += String.fromCharCode(0x20 + Math.floor(next() * 0x5f));
    else s += String.fromCharCode(Math.floor(next() * 0x10000));
  }
  return s;
}

/** What a string must read back as once written to XML: code points XML 1.0 cannot carry become U+FFFD. */
function expected(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && s.charCodeAt(i + 1) >= 0xdc00 && s.charCodeAt(i + 1) <= 0xdfff) {
      out += s[i]! + s[i + 1]!;
      i++;
    } else if ((c < 0x20 && c !== 0x9 && c !== 0xa && c !== 0xd) || (c >= 0xd800 && c <= 0xdfff) || c === 0xfffe || c === 0xffff) {
      out += '\ufffd';
    } else {
      out += s[i];
    }
  }
  return out;
}

describe('XML writer', () => {
  it('round-trips any string through element text and attribute values (2000 random strings)', () => {
    const next = rng(20261123);
    for (let n = 0; n < 2000; n++) {
      const s = randomString(next);
      const w = new XmlWriter().open('r', { a: s }).leaf('t', s).close('r');
      let el;
      try {
        el = parseXml(w.toString());
      } catch (err) {
        assert.fail(`not well-formed for ${JSON.stringify(s)}: ${String(err)}`);
      }
      // Exact, CR, LF and tab included: parsers normalise line ends and attribute whitespace,
      // so the writer must have escaped them.
      assert.equal(el.child('t', '')!.text, expected(s), `text of ${JSON.stringify(s)}`);
      assert.equal(el.attr('a'), expected(s), `attribute of ${JSON.stringify(s)}`);
    }
  });

  it('escapes markup and leaves plain text untouched', () => {
    assert.equal(esc('a<b>&"c\''), 'a&lt;b&gt;&amp;&quot;c&apos;');
    assert.equal(esc('line\r\nnext'), 'line&#xD;\nnext');
    const plain = 'Inbox – Grüße 😀';
    assert.equal(esc(plain), plain);
  });

  it('replaces lone surrogates and illegal controls, keeps valid pairs', () => {
    assert.equal(esc('\ud800x\udc00\u0000\u0008\ufffe'), '\ufffdx\ufffd\ufffd\ufffd\ufffd');
    assert.equal(esc('\ud83d\ude00<'), '\ud83d\ude00&lt;');
  });

  it('leaves out undefined attributes and undefined leaves', () => {
    const w = new XmlWriter().open('r', { a: undefined, b: 1, c: false }).leaf('x', undefined).empty('e').close('r');
    assert.equal(w.toString(), '<r b="1" c="false"><e/></r>');
  });

  it('writes a base64 payload in pieces that join into its exact encoding', () => {
    const piece = Base64Chunk.PIECE;
    for (const size of [0, 1, 2, 3, 4, piece - 1, piece, piece + 1, piece + 2, 2 * piece + 2, 3 * piece]) {
      const bytes = Buffer.alloc(size);
      for (let i = 0; i < size; i++) bytes[i] = (i * 131 + (i >> 8)) & 255;
      const chunk = new Base64Chunk(bytes);
      const expected = bytes.toString('base64');
      assert.equal(chunk.byteLength, expected.length, `length for ${size} bytes`);
      const out = Buffer.alloc(expected.length + 4, '#');
      assert.equal(chunk.writeTo(out, 2), expected.length, `bytes written for ${size}`);
      assert.equal(out.toString('latin1'), `##${expected}##`, `encoding of ${size} bytes`);
    }
  });

  it('keeps base64 payloads as chunks of their own, through nested writers, in document order', () => {
    const bytes = Buffer.from('Grüße, 東京 😀\r\n'.repeat(50));
    const inner = new XmlWriter().open('t:Message').base64('t:MimeContent', bytes, { CharacterSet: 'UTF-8' }).leaf('t:Subject', 'Grüße 😀').base64('t:Data', Buffer.alloc(0)).close('t:Message');
    const outer = new XmlWriter().open('m:Items').leaf('m:X', 'é').append(inner).append(new XmlWriter().empty('e')).close('m:Items');
    const b64 = bytes.toString('base64');
    const whole = `<m:Items><m:X>é</m:X><t:Message><t:MimeContent CharacterSet="UTF-8">${b64}</t:MimeContent><t:Subject>Grüße 😀</t:Subject><t:Data></t:Data></t:Message><e/></m:Items>`;
    assert.equal(outer.toString(), whole);
    const chunks = outer.chunks();
    assert.equal(chunks.map((c) => (typeof c === 'string' ? c : c.text)).join(''), whole);
    assert.deepEqual(chunks.filter((c) => c instanceof Base64Chunk).map((c) => (c as Base64Chunk).text), [b64, '']);
    // Markup counts as UTF-8, payloads one byte per character: the sum is the document's size.
    assert.equal(chunksByteLength(chunks), Buffer.byteLength(whole, 'utf8'));
    // A writer without payloads is one plain string.
    assert.deepEqual(new XmlWriter().leaf('a', 'ü').chunks(), ['<a>ü</a>']);
    assert.deepEqual(new XmlWriter().chunks(), []);
  });
});
