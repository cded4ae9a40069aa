import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { describe, it } from 'node:test';
import { MimeParseError, parseMime } from '../src/mime/parse-mime.js';
import { parseMimeOffThread, runningMimeThreads, startMimeThreads, stopMimeThreads } from '../src/mime/parse-pool.js';
import { DEFAULT_MIME_THREADS } from '../src/server.js';
import { fixture } from './support/mime.js';

const FIXTURES = [
  'alternative.eml', 'folded-headers.eml', 'forwarded-inner.eml', 'forwarded-rfc822.eml', 'group-address.eml', 'headers-charsets.eml',
  'html-only.eml', 'iso-2022-jp.eml', 'latin1-qp.eml', 'mixed-pdf.eml', 'related-inline.eml', 'text-only.eml',
];

const PAYLOAD = Buffer.from(Array.from({ length: 6000 }, (_, i) => (i * 31) & 255));
const largeAttachment = Buffer.from(
  [
    'From: a@example.com', 'To: b@example.com', 'Subject: file', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="XX"', '',
    '--XX', 'Content-Type: text/plain; charset=utf-8', '', 'see attached', '--XX',
    'Content-Type: application/octet-stream; name="data.bin"', 'Content-Disposition: attachment; filename="data.bin"', 'Content-Transfer-Encoding: base64', '',
    ...(PAYLOAD.toString('base64').match(/.{1,76}/g) ?? []), '--XX--', '',
  ].join('\r\n'),
);

describe('MIME parsed on worker threads (parse-pool.ts)', () => {
  it('gives exactly what parseMime gives on the event loop, attachments as Buffers with their MIME offsets', async () => {
    startMimeThreads(2);
    try {
      assert.equal(runningMimeThreads(), 2);
      for (const name of FIXTURES) {
        const raw = fixture(name);
        const [here, there] = await Promise.all([parseMime(raw), parseMimeOffThread(raw)]);
        assert.deepEqual(there, here, name);
        for (const a of there.attachments) assert.ok(Buffer.isBuffer(a.content), `${name}: ${a.filename} content is a Buffer`);
      }
      // An attachment decoded natively keeps its source range across the thread boundary.
      const withFile = await parseMimeOffThread(largeAttachment);
      assert.deepEqual(withFile, await parseMime(largeAttachment));
      assert.deepEqual(withFile.attachments[0]!.content, PAYLOAD);
      assert.ok(withFile.attachments[0]!.source);
    } finally {
      await stopMimeThreads();
    }
  });

  it('rejects with a MimeParseError, message kept, when the parser refuses the message', async () => {
    startMimeThreads(1);
    try {
      const huge = Buffer.from(`X-Huge: ${'a'.repeat(3 * 1024 * 1024)}\r\n\r\nbody`);
      await assert.rejects(parseMimeOffThread(huge), (err: unknown) => {
        assert.ok(err instanceof MimeParseError);
        assert.match(err.message, /header size/);
        return true;
      });
    } finally {
      await stopMimeThreads();
    }
  });

  it('loses nothing when the threads stop with parses in flight: those are parsed on the event loop', async () => {
    startMimeThreads(2);
    const raws = Array.from({ length: 40 }, (_, i) => fixture(FIXTURES[i % FIXTURES.length]!));
    const inFlight = raws.map((raw) => parseMimeOffThread(raw));
    await stopMimeThreads();
    assert.equal(runningMimeThreads(), 0);
    const results = await Promise.all(inFlight);
    for (const [i, raw] of raws.entries()) assert.deepEqual(results[i], await parseMime(raw));
    // Stopped: parsing goes on, in this thread.
    assert.deepEqual(await parseMimeOffThread(raws[0]!), await parseMime(raws[0]!));
  });

  it('defaults to at least one thread, leaving a core to the event loop where there are two or more', () => {
    assert.ok(DEFAULT_MIME_THREADS >= 1 && DEFAULT_MIME_THREADS <= 2);
    assert.ok(DEFAULT_MIME_THREADS <= Math.max(1, availableParallelism() - 1));
  });

  it('keeps the threads while any user of them is running (each start matched by a stop)', async () => {
    startMimeThreads(1);
    startMimeThreads(1);
    await stopMimeThreads();
    assert.equal(runningMimeThreads(), 1);
    assert.deepEqual(await parseMimeOffThread(fixture('text-only.eml')), await parseMime(fixture('text-only.eml')));
    await stopMimeThreads();
    assert.equal(runningMimeThreads(), 0);
  });
});
