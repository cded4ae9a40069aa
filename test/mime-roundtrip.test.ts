import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { composeMime } from '../src/mime/compose-mime.js';
import { parseMime } from '../src/mime/parse-mime.js';
import type { MimeMessage } from '../src/mime/mime-message.js';

function message(over: Partial<MimeMessage> = {}): MimeMessage {
  return { replyTo: [], to: [], cc: [], bcc: [], headers: [], attachments: [], ...over };
}

describe('compose -> parse round trip', () => {
  it('keeps subject, addresses, bodies, ids, date and attachment bytes', async () => {
    const pdf = Buffer.from([0x25, 0x50, 0x44, 0x46, 0x00, 0xff, 0x0d, 0x0a, 0x0a, 0x0d, 0x80]);
    const sent = message({
      subject: 'Grüße aus Köln – 東京',
      from: { name: 'Jörg Müller', address: 'joerg@example.com' },
      to: [{ name: 'Bob, Jr.', address: 'bob@example.org' }, { address: 'carol@example.org' }],
      cc: [{ name: 'Дмитрий', address: 'dima@example.ru' }],
      date: new Date('2026-11-23T10:11:12Z'),
      messageId: '<id-1@example.com>',
      inReplyTo: '<parent@example.com>',
      references: '<root@example.com> <parent@example.com>',
      text: 'Line one\nLine two — ünïcødé',
      html: '<p>Line one<br>Line two — ünïcødé</p>',
      attachments: [{ filename: 'report.pdf', contentType: 'application/pdf', inline: false, content: pdf }],
    });
    const raw = await composeMime(sent, { includeBcc: false });
    const got = await parseMime(raw);
    assert.equal(got.subject, sent.subject);
    assert.deepEqual(got.from, sent.from);
    assert.deepEqual(got.to, sent.to);
    assert.deepEqual(got.cc, sent.cc);
    assert.equal(got.messageId, '<id-1@example.com>');
    assert.equal(got.inReplyTo, '<parent@example.com>');
    assert.equal(got.references, '<root@example.com> <parent@example.com>');
    assert.equal(got.date?.toISOString(), '2026-11-23T10:11:12.000Z');
    assert.equal(got.text, sent.text);
    assert.equal(got.html, sent.html);
    assert.equal(got.attachments.length, 1);
    assert.equal(got.attachments[0]?.filename, 'report.pdf');
    assert.ok(got.attachments[0]?.content.equals(pdf));
  });

  it('never fails on garbage', async () => {
    for (const raw of ['', 'hello', '\x00\xff\xfe\r\n\r\n\r\n']) {
      const got = await parseMime(Buffer.from(raw, 'latin1'));
      assert.deepEqual(got.to, []);
      assert.deepEqual(got.headers, []);
    }
  });
});
