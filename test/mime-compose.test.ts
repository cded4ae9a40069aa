import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { composeMime, generateMessageId } from '../src/mime/compose-mime.js';
import { parseMime } from '../src/mime/parse-mime.js';
import { fixture, headerBlock, headerNames, mimeMessage } from './support/mime.js';

/** Every line break is CRLF: no bare LF, no bare CR. */
function assertCrlf(raw: Buffer): void {
  const s = raw.toString('latin1');
  assert.equal(/(^|[^\r])\n/.test(s), false, 'no bare LF');
  assert.equal(/\r(?!\n)/.test(s), false, 'no bare CR');
}

/** Headers are 7-bit (non-ASCII only inside RFC 2047 words) and folded under 998 octets. */
function assertSevenBitHeaders(raw: Buffer): void {
  const block = headerBlock(raw);
  assert.equal(/[^\x09\x0a\x0d\x20-\x7e]/.test(block), false, `8-bit header: ${block}`);
  for (const line of block.split('\r\n')) assert.ok(line.length <= 998);
}

const alice = { name: 'Alice Example', address: 'alice@example.com' };
const bob = { name: 'Bob', address: 'bob@example.org' };
const hidden = { name: 'Hidden Person', address: 'hidden@example.net' };

describe('composeMime', () => {
  it('writes Bcc only when includeBcc is set', async () => {
    const msg = mimeMessage({ from: alice, to: [bob], bcc: [hidden], subject: 'bcc', text: 'x' });
    const sent = await composeMime(msg, { includeBcc: false });
    assert.equal(/^bcc:/im.test(headerBlock(sent)), false);
    assert.equal(sent.includes('hidden@example.net'), false, 'the Bcc address appears nowhere');
    assert.deepEqual((await parseMime(sent)).bcc, []);

    const draft = await composeMime(msg, { includeBcc: true });
    assert.match(headerBlock(draft), /^Bcc: Hidden Person <hidden@example\.net>\r$/m);
    assert.deepEqual((await parseMime(draft)).bcc, [hidden]);
  });

  it('drops a Bcc header carried in the extra headers of a message sent out', async () => {
    const msg = mimeMessage({ from: alice, to: [bob], text: 'x', headers: [{ name: 'Bcc', value: 'hidden@example.net' }] });
    const sent = await composeMime(msg, { includeBcc: false });
    assert.equal(sent.includes('hidden@example.net'), false);
  });

  it('text only: a single text/plain part, CRLF, 7-bit headers, MIME-Version, Date, generated Message-ID', async () => {
    const raw = await composeMime(mimeMessage({ from: alice, to: [bob], subject: 'Plain', text: 'one\ntwo\r\nthree\rfour' }), {
      includeBcc: false,
    });
    assertCrlf(raw);
    assertSevenBitHeaders(raw);
    const head = headerBlock(raw);
    assert.match(head, /^Content-Type: text\/plain(; charset=utf-8)?\r$/m);
    assert.match(head, /^MIME-Version: 1\.0\r$/m);
    assert.match(head, /^Date: \w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000\r$/m);
    assert.match(head, /^Message-ID: <[0-9a-f]{32}@example\.com>\r$/m);
    const m = await parseMime(raw);
    assert.equal(m.text, 'one\ntwo\nthree\nfour');
    assert.equal(m.html, undefined);
    assert.ok(m.date && Math.abs(m.date.getTime() - Date.now()) < 60_000, 'Date defaults to now');
  });

  it('HTML only: multipart/alternative with a text/plain derived from the HTML', async () => {
    const html = '<html><head><style>b{}</style></head><body><p>Hello&nbsp;<b>Bob</b> &amp; co</p><p>Line<br>two</p></body></html>';
    const raw = await composeMime(mimeMessage({ from: alice, to: [bob], html }), { includeBcc: false });
    assert.match(headerBlock(raw), /^Content-Type: multipart\/alternative;/m);
    const m = await parseMime(raw);
    assert.equal(m.html, html);
    assert.equal(m.text, 'Hello Bob & co\n\nLine\ntwo');
  });

  it('writes importance, sensitivity and receipt requests only when set', async () => {
    const plain = await composeMime(mimeMessage({ from: alice, to: [bob], text: 'x', importance: 'Normal', sensitivity: 'Normal' }), {
      includeBcc: false,
    });
    for (const name of ['Importance', 'X-Priority', 'Sensitivity', 'Disposition-Notification-To', 'Return-Receipt-To']) {
      assert.equal(headerNames(plain).includes(name), false, name);
    }
    const flagged = await composeMime(
      mimeMessage({
        from: alice, to: [bob], text: 'x', importance: 'Low', sensitivity: 'Confidential',
        readReceiptRequested: true, deliveryReceiptRequested: true,
      }),
      { includeBcc: false },
    );
    const head = headerBlock(flagged);
    assert.match(head, /^Importance: low\r$/m);
    assert.match(head, /^X-Priority: 5\r$/m);
    assert.match(head, /^Sensitivity: Company-Confidential\r$/m);
    assert.match(head, /^Disposition-Notification-To: "Alice Example" <alice@example\.com>\r$/m);
    assert.match(head, /^Return-Receipt-To: "Alice Example" <alice@example\.com>\r$/m);
    const m = await parseMime(flagged);
    assert.equal(m.importance, 'Low');
    assert.equal(m.sensitivity, 'Confidential');
    assert.equal(m.readReceiptRequested, true);
    assert.equal(m.deliveryReceiptRequested, true);
    for (const s of ['Personal', 'Private'] as const) {
      assert.equal((await parseMime(await composeMime(mimeMessage({ text: 'x', sensitivity: s }), { includeBcc: false }))).sensitivity, s);
    }
    assert.equal((await parseMime(await composeMime(mimeMessage({ text: 'x', importance: 'High' }), { includeBcc: false }))).importance, 'High');
  });

  it('writes an ASCII subject as it is and encodes only the non-ASCII words of another', async () => {
    const quoted = await composeMime(mimeMessage({ subject: 'Re: "Plan" for Q3', text: 'x' }), { includeBcc: false });
    assert.match(headerBlock(quoted), /^Subject: Re: "Plan" for Q3\r$/m);
    const mixed = await composeMime(mimeMessage({ subject: 'Meeting in Köln today', text: 'x' }), { includeBcc: false });
    assert.match(headerBlock(mixed), /^Subject: Meeting in =\?UTF-8\?Q\?K=C3=B6ln\?= today\r$/m);
    assert.equal((await parseMime(mixed)).subject, 'Meeting in Köln today');
  });

  it('writes Sender only when it differs from From', async () => {
    const same = await composeMime(mimeMessage({ from: alice, sender: { address: 'ALICE@example.com' }, text: 'x' }), { includeBcc: false });
    assert.equal(headerNames(same).includes('Sender'), false);
    const other = await composeMime(mimeMessage({ from: alice, sender: { name: 'Sec', address: 'sec@example.com' }, text: 'x' }), {
      includeBcc: false,
    });
    assert.deepEqual((await parseMime(other)).sender, { name: 'Sec', address: 'sec@example.com' });
  });

  it('adds extra headers but never a second copy of one it writes itself', async () => {
    const raw = await composeMime(
      mimeMessage({
        from: alice, to: [bob], subject: 'Real subject', text: 'x', messageId: '<real@example.com>',
        headers: [
          { name: 'X-Custom', value: 'Wert mit Ümlaut' },
          { name: 'Thread-Topic', value: 'topic' },
          { name: 'Subject', value: 'Stale subject' },
          { name: 'Message-ID', value: '<stale@example.com>' },
          { name: 'Content-Type', value: 'text/html; charset=koi8-r' },
          { name: 'Content-Transfer-Encoding', value: 'base64' },
          { name: 'MIME-Version', value: '1.0' },
          { name: 'X-Priority', value: '1' },
          { name: 'Bad:Name', value: 'dropped' },
          { name: 'X-Injected', value: 'a\r\nBcc: evil@example.com' },
          { name: 'Authentication-Results', value: 'mx.example.org; dkim=pass header.d="example.com"' },
          { name: 'X-Long', value: Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ') },
        ],
      }),
      { includeBcc: false },
    );
    assertCrlf(raw);
    assertSevenBitHeaders(raw);
    const names = headerNames(raw).map((n) => n.toLowerCase());
    for (const once of ['subject', 'message-id', 'content-type', 'mime-version']) {
      assert.equal(names.filter((n) => n === once).length, 1, once);
    }
    assert.ok(names.filter((n) => n === 'content-transfer-encoding').length <= 1);
    assert.equal(/^Content-Transfer-Encoding: base64/im.test(headerBlock(raw)), false);
    assert.equal(/^Content-Type: text\/html/im.test(headerBlock(raw)), false);
    assert.equal(names.includes('x-priority'), false);
    assert.equal(names.includes('bcc'), false, 'a CRLF inside a value cannot start a new header');
    // A structured value with quotes goes out as written, not as one big encoded word.
    assert.match(headerBlock(raw), /^Authentication-Results: mx\.example\.org; dkim=pass header\.d="example\.com"\r$/m);
    assert.ok(headerBlock(raw).split('\r\n').every((l) => l.length <= 78), 'long values are folded');
    const m = await parseMime(raw);
    assert.equal(m.headers.find((h) => h.name === 'X-Long')?.value, Array.from({ length: 60 }, (_, i) => `word${i}`).join(' '));
    assert.equal(m.headers.find((h) => h.name === 'X-Injected')?.value, 'a Bcc: evil@example.com');
    assert.equal(m.subject, 'Real subject');
    assert.equal(m.messageId, '<real@example.com>');
    assert.equal(m.text, 'x');
    assert.equal(m.importance, 'Normal');
    assert.equal(m.headers.find((h) => h.name === 'X-Custom')?.value, 'Wert mit Ümlaut');
    assert.equal(m.headers.find((h) => h.name === 'Thread-Topic')?.value, 'topic');
  });

  it('puts inline images with a Content-ID in multipart/related beside the HTML, files in multipart/mixed', async () => {
    const png = fixture('related-logo.png');
    const pdf = fixture('mixed-pdf.bin');
    const raw = await composeMime(
      mimeMessage({
        from: alice, to: [bob], text: 'logo', html: '<p><img src="cid:logo@x"></p>',
        attachments: [
          { filename: 'logo.png', contentType: 'image/png', contentId: 'logo@x', inline: true, content: png },
          { filename: 'Résumé.pdf', contentType: 'application/pdf', inline: false, content: pdf },
        ],
      }),
      { includeBcc: false },
    );
    assertCrlf(raw);
    assertSevenBitHeaders(raw);
    const s = raw.toString('latin1');
    assert.match(headerBlock(raw), /^Content-Type: multipart\/mixed;/m);
    const alt = s.indexOf('Content-Type: multipart/alternative');
    const related = s.indexOf('Content-Type: multipart/related');
    const img = s.indexOf('Content-ID: <logo@x>');
    const file = s.indexOf('Content-Type: application/pdf');
    assert.ok(alt > 0 && related > alt && img > related && file > img, 'mixed(alternative(text, related(html, img)), pdf)');
    const m = await parseMime(raw);
    assert.deepEqual(
      m.attachments.map((a) => [a.filename, a.contentType, a.contentId, a.inline]),
      [['logo.png', 'image/png', 'logo@x', true], ['Résumé.pdf', 'application/pdf', undefined, false]],
    );
    assert.ok(m.attachments[0]?.content.equals(png));
    assert.ok(m.attachments[1]?.content.equals(pdf));
  });

  it('embeds a message/rfc822 attachment as such, unencoded', async () => {
    const inner = fixture('forwarded-inner.eml');
    const raw = await composeMime(
      mimeMessage({
        from: alice, to: [bob], subject: 'Fwd', text: 'see below',
        attachments: [{ filename: 'Original question.eml', contentType: 'message/rfc822', inline: false, content: inner }],
      }),
      { includeBcc: false },
    );
    assertCrlf(raw);
    const s = raw.toString('latin1');
    assert.ok(s.includes('Content-Type: message/rfc822'));
    assert.ok(s.includes(inner.toString('latin1')), 'the attached message appears verbatim');
    const m = await parseMime(raw);
    assert.equal(m.text, 'see below');
    assert.equal(m.attachments.length, 1);
    assert.equal(m.attachments[0]?.contentType, 'message/rfc822');
    assert.ok(m.attachments[0]?.content.equals(inner));
  });

  it('generates a Message-ID on the domain of From when none is given, keeps a given one', async () => {
    assert.match(generateMessageId({ address: 'x@mail.example.org' }), /^<[0-9a-f]{32}@mail\.example\.org>$/);
    assert.match(generateMessageId(undefined), /^<[0-9a-f]{32}@localhost>$/);
    assert.match(generateMessageId({ address: 'weird@bad domain>' }), /@localhost>$/);
    assert.notEqual(generateMessageId(alice), generateMessageId(alice));
    const given = await composeMime(mimeMessage({ from: alice, text: 'x', messageId: '<given@example.com>' }), { includeBcc: false });
    assert.equal((await parseMime(given)).messageId, '<given@example.com>');
  });

  it('copes with an invalid Date, recipients without an address, an empty attachment and an LF-only attached message', async () => {
    const raw = await composeMime(
      mimeMessage({
        from: alice,
        to: [{ name: 'No Address', address: '' }, bob],
        date: new Date('not a date'),
        text: 'x',
        attachments: [
          { filename: 'empty.bin', contentType: '', inline: false, content: Buffer.alloc(0) },
          { contentType: 'message/rfc822', inline: false, content: Buffer.from('Subject: lf\n\nbody\n') },
        ],
      }),
      { includeBcc: false },
    );
    assertCrlf(raw);
    assert.equal(raw.includes('Invalid Date'), false);
    const m = await parseMime(raw);
    assert.ok(m.date && Math.abs(m.date.getTime() - Date.now()) < 60_000);
    assert.deepEqual(m.to, [bob]);
    assert.deepEqual(
      m.attachments.map((a) => [a.filename, a.contentType, a.content.toString('latin1')]),
      [['empty.bin', 'application/octet-stream', ''], [undefined, 'message/rfc822', 'Subject: lf\r\n\r\nbody\r\n']],
    );
  });

  it('keeps a text or HTML file an attachment even when marked inline', async () => {
    const raw = await composeMime(
      mimeMessage({
        text: 'body',
        attachments: [
          { filename: 'notes.txt', contentType: 'text/plain', inline: true, content: Buffer.from('notes') },
          { filename: 'page.html', contentType: 'text/html', inline: true, content: Buffer.from('<p>page</p>') },
        ],
      }),
      { includeBcc: false },
    );
    const m = await parseMime(raw);
    assert.equal(m.text, 'body');
    assert.equal(m.html, undefined);
    assert.deepEqual(m.attachments.map((a) => [a.filename, a.content.toString()]), [['notes.txt', 'notes'], ['page.html', '<p>page</p>']]);
  });

  it('composes an empty message without failing', async () => {
    const raw = await composeMime(mimeMessage(), { includeBcc: false });
    assertCrlf(raw);
    const m = await parseMime(raw);
    assert.equal(m.text, undefined);
    assert.ok(m.messageId);
  });
});
