import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ByteBlob } from '../src/mime/byte-blob.js';

// The MIME threads run postal-mime with ByteBlob as their Blob; test/mime-threads.test.ts checks
// that their parse equals the event loop's (Node's Blob) on every fixture.
describe('ByteBlob (the MIME threads\' Blob)', () => {
  it('joins strings as UTF-8, ArrayBuffers, views at their offsets and other blobs, in order', async () => {
    const backing = Buffer.from('xxABCyy');
    const inner = new ByteBlob(['in']);
    const blob = new ByteBlob(['é\n', new Uint8Array([1, 2]).buffer, backing.subarray(2, 5), inner, new DataView(new Uint8Array([9]).buffer)], { type: 'application/octet-stream' });
    const expected = Buffer.concat([Buffer.from('é\n'), Buffer.from([1, 2]), Buffer.from('ABC'), Buffer.from('in'), Buffer.from([9])]);
    assert.equal(blob.size, expected.length);
    assert.equal(blob.type, 'application/octet-stream');
    const bytes = await blob.arrayBuffer();
    assert.ok(bytes instanceof ArrayBuffer);
    assert.equal(bytes.byteLength, expected.length, 'a buffer of exactly the content');
    assert.deepEqual(Buffer.from(bytes), expected);
  });

  it('is a snapshot: later changes to a part do not show', async () => {
    const part = Buffer.from('abc');
    const blob = new ByteBlob([part]);
    part[0] = 0x7a;
    assert.equal(await blob.text(), 'abc');
  });

  it('hands its own buffer over once, then copies', async () => {
    const blob = new ByteBlob(['abc']);
    const first = new Uint8Array(await blob.arrayBuffer());
    first[0] = 0x7a;
    const second = new Uint8Array(await blob.arrayBuffer());
    assert.notEqual(second.buffer, first.buffer);
    assert.equal(new ByteBlob().size, 0);
  });
});
