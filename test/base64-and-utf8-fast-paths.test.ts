import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Utf8Body } from '../src/http/utf8-body.js';
import { decodeBase64 } from '../src/ews/items/base64-text.js';
import { EwsError } from '../src/ews/errors.js';

/** The check as it was before the fast path: the language decodeBase64 must keep accepting exactly. */
function reference(text: string): Buffer | 'error' {
  const pad = text.indexOf('=');
  if (/[^A-Za-z0-9+/\s=]/.test(text) || (pad >= 0 && !/^={1,2}\s*$/.test(text.slice(pad)))) return 'error';
  return Buffer.from(text, 'base64');
}

function outcome(text: string): Buffer | 'error' {
  try {
    return decodeBase64(text, 'ErrorMimeContentInvalidBase64String');
  } catch (err) {
    assert.ok(err instanceof EwsError);
    assert.equal(err.code, 'ErrorMimeContentInvalidBase64String');
    return 'error';
  }
}

describe('decodeBase64 fast path', () => {
  it('accepts and refuses exactly what the full check does', () => {
    const fixed = ['', 'QUJD', 'QUJDRA==', 'QUJDRA=', 'QUJ', 'QQ==QUJD', 'QUJD\r\nQUJD\r\n', 'QU JD', 'QUJ*', 'QUJ-', 'QU_D', 'QUJDRA=A', '=QUJ', 'Q===', 'QUJDé', 'QUJD===='];
    for (const text of fixed) assert.deepEqual(outcome(text), reference(text), JSON.stringify(text));
    // Random near-base64 strings: mostly valid characters, sometimes a foreign one in any place.
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const odd = ['=', '-', '_', ' ', '\r\n', '*', 'é', '\t', '.'];
    for (let i = 0; i < 5000; i++) {
      const n = Math.floor(rand() * 40);
      let text = '';
      for (let k = 0; k < n; k++) text += rand() < 0.06 ? odd[Math.floor(rand() * odd.length)]! : alphabet[Math.floor(rand() * 64)]!;
      if (rand() < 0.3) text += rand() < 0.5 ? '=' : '==';
      assert.deepEqual(outcome(text), reference(text), JSON.stringify(text));
    }
  });
});

describe('Utf8Body', () => {
  const whole = (chunks: Buffer[]) => {
    const body = new Utf8Body();
    return chunks.map((c) => body.decode(c)).join('') + body.end();
  };

  it('decodes ASCII chunks, then non-ASCII ones, with characters split across chunks', () => {
    const text = 'plain ascii <a>base64QUJD</a> then é, 日本語 and 😀 at the end';
    const bytes = Buffer.from(text, 'utf8');
    for (let cut1 = 1; cut1 < bytes.length; cut1 += 3) {
      for (let cut2 = cut1 + 1; cut2 < bytes.length; cut2 += 5) {
        assert.equal(whole([bytes.subarray(0, cut1), bytes.subarray(cut1, cut2), bytes.subarray(cut2)]), text);
      }
    }
  });

  it('refuses bytes that are not UTF-8, after ASCII chunks too, and a character cut short at the end', () => {
    assert.throws(() => whole([Buffer.from('ascii first '), Buffer.from([0x41, 0xe9, 0x41])]), TypeError);
    assert.throws(() => whole([Buffer.from([0xff])]), TypeError);
    assert.throws(() => whole([Buffer.from('ok '), Buffer.from([0xe6, 0x97])]), TypeError);
  });
});
