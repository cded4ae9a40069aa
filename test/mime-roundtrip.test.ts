import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { composeMime } from '../src/mime/compose-mime.js';
import { parseMime } from '../src/mime/parse-mime.js';
import type { MimeMessage } from '../src/mime/mime-message.js';
import { fixture, headerBlock, mimeMessage } from './support/mime.js';

const CORPUS = [
  'alternative.eml', 'mixed-pdf.eml', 'related-inline.eml', 'forwarded-rfc822.eml', 'headers-charsets.eml',
  'latin1-qp.eml', 'iso-2022-jp.eml', 'text-only.eml', 'html-only.eml', 'folded-headers.eml', 'group-address.eml',
];

const toSecond = (d: Date | undefined): number | undefined => (d ? Math.floor(d.getTime() / 1000) : undefined);

/** What a user sees of a message, for comparing before and after a round trip. */
function visible(m: MimeMessage, withText: boolean) {
  return {
    subject: m.subject,
    from: m.from,
    replyTo: m.replyTo,
    to: m.to,
    cc: m.cc,
    bcc: m.bcc,
    date: toSecond(m.date),
    messageId: m.messageId,
    inReplyTo: m.inReplyTo,
    references: m.references,
    text: withText ? m.text : undefined,
    html: m.html,
    importance: m.importance,
    sensitivity: m.sensitivity,
    readReceiptRequested: m.readReceiptRequested,
    deliveryReceiptRequested: m.deliveryReceiptRequested,
    attachments: m.attachments.map((a) => ({ ...a, content: a.content.toString('base64') })),
    xHeaders: m.headers.filter((h) => /^x-/i.test(h.name) && !/^x-priority$/i.test(h.name)),
  };
}

describe('parse -> compose -> parse keeps what the user sees', () => {
  for (const name of CORPUS) {
    it(name, async () => {
      const first = await parseMime(fixture(name));
      const raw = await composeMime(first, { includeBcc: true });
      assert.equal(/(^|[^\r])\n/.test(raw.toString('latin1')), false, 'CRLF only');
      assert.equal(/[^\x09\x0a\x0d\x20-\x7e]/.test(headerBlock(raw)), false, '7-bit headers');
      const second = await parseMime(raw);
      // An HTML-only message gains a derived text/plain alternative; everything else must match.
      assert.deepEqual(visible(second, first.text !== undefined), visible(first, first.text !== undefined));
      if (first.sender && first.sender.address !== first.from?.address) assert.deepEqual(second.sender, first.sender);
      // Composing the re-parsed message again changes nothing more (stable after one pass).
      const third = await parseMime(await composeMime(second, { includeBcc: true }));
      assert.deepEqual(visible(third, true), visible(second, true));
    });
  }

  it('a 1 MB binary attachment generated in the test comes back byte for byte', async () => {
    const big = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;
    const sent = mimeMessage({
      from: { address: 'a@example.com' },
      to: [{ address: 'b@example.com' }],
      subject: 'big',
      text: 'see attachment',
      attachments: [{ filename: 'big.bin', contentType: 'application/octet-stream', inline: false, content: big }],
    });
    const raw = await composeMime(sent, { includeBcc: false });
    assert.ok(raw.length > big.length * 4 / 3, 'base64-encoded');
    assert.ok(raw.toString('latin1').split('\r\n').every((l) => l.length <= 998), 'no line over 998 octets');
    const got = await parseMime(raw);
    assert.equal(got.attachments.length, 1);
    assert.equal(got.attachments[0]?.filename, 'big.bin');
    assert.ok(got.attachments[0]?.content.equals(big));
    assert.equal(got.text, 'see attachment');
  });

  it('keeps subject, addresses, bodies, ids, date and attachment bytes of a composed message', async () => {
    const pdf = Buffer.from([0x25, 0x50, 0x44, 0x46, 0x00, 0xff, 0x0d, 0x0a, 0x0a, 0x0d, 0x80]);
    const sent = mimeMessage({
      subject: 'Grüße aus Köln – 東京 – a long subject line that certainly needs folding somewhere',
      from: { name: 'Jörg Müller', address: 'joerg@example.com' },
      replyTo: [{ name: 'Ответ', address: 'reply@example.com' }],
      to: [{ name: 'Bob, Jr.', address: 'bob@example.org' }, { address: 'carol@example.org' }],
      cc: [{ name: 'Дмитрий', address: 'dima@example.ru' }],
      bcc: [{ name: '山田', address: 'yamada@example.jp' }],
      date: new Date('2026-11-23T10:11:12.345Z'),
      messageId: '<id-1@example.com>',
      inReplyTo: '<parent@example.com>',
      references: '<root@example.com> <parent@example.com>',
      text: 'Line one\nLine two — ünïcødé\n\n' + 'long '.repeat(100),
      html: '<p>Line one<br>Line two — ünïcødé</p>',
      attachments: [
        { filename: 'Résumé – 2026.pdf', contentType: 'application/pdf', inline: false, content: pdf },
        { filename: 'notes.txt', contentType: 'text/plain', inline: false, content: Buffer.from('a\nb\r\nc\rd\n') },
      ],
    });
    const got = await parseMime(await composeMime(sent, { includeBcc: true }));
    assert.equal(got.subject, sent.subject);
    assert.deepEqual(got.from, sent.from);
    assert.deepEqual(got.replyTo, sent.replyTo);
    assert.deepEqual(got.to, sent.to);
    assert.deepEqual(got.cc, sent.cc);
    assert.deepEqual(got.bcc, sent.bcc);
    assert.equal(got.messageId, '<id-1@example.com>');
    assert.equal(got.inReplyTo, '<parent@example.com>');
    assert.equal(got.references, '<root@example.com> <parent@example.com>');
    assert.equal(got.date?.toISOString(), '2026-11-23T10:11:12.000Z');
    assert.equal(got.text, sent.text);
    assert.equal(got.html, sent.html);
    assert.deepEqual(
      got.attachments.map((a) => [a.filename, a.contentType, a.content.toString('hex')]),
      sent.attachments.map((a) => [a.filename, a.contentType, a.content.toString('hex')]),
    );
  });
});
