import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MimeParseError, parseMime } from '../src/mime/parse-mime.js';
import type { MimeMessage } from '../src/mime/mime-message.js';
import { fixture } from './support/mime.js';

const parse = (name: string): Promise<MimeMessage> => parseMime(fixture(name));
const header = (m: MimeMessage, name: string): string | undefined =>
  m.headers.find((h) => h.name.toLowerCase() === name.toLowerCase())?.value;

describe('parseMime on the hand-written corpus', () => {
  it('multipart/alternative: addresses, ids, both bodies, importance, sensitivity, receipts', async () => {
    const m = await parse('alternative.eml');
    assert.equal(m.subject, 'Quarterly numbers');
    assert.deepEqual(m.from, { name: 'Alice Example', address: 'alice@example.com' });
    assert.deepEqual(m.sender, { name: 'Secretary', address: 'secretary@example.com' });
    assert.deepEqual(m.replyTo, [{ name: 'Replies', address: 'replies@example.com' }, { address: 'other@example.com' }]);
    assert.deepEqual(m.to, [{ name: 'Bob', address: 'bob@example.org' }]);
    assert.deepEqual(m.cc, [{ name: 'Carol, C.', address: 'carol@example.org' }]);
    assert.deepEqual(m.bcc, []);
    assert.equal(m.date?.toISOString(), '2026-11-23T09:00:00.000Z');
    assert.equal(m.messageId, '<alt-1@example.com>');
    assert.equal(m.inReplyTo, '<q3-0@example.com>');
    assert.equal(m.references, '<q3-root@example.com> <q3-0@example.com>');
    assert.equal(m.text, 'Hello Bob,\n\ncafé & crème – €5');
    assert.equal(m.html, '<html><body><p>Hello <b>Bob</b>,</p><p>café &amp; crème – €5</p></body></html>');
    assert.equal(m.importance, 'High');
    assert.equal(m.sensitivity, 'Private');
    assert.equal(m.readReceiptRequested, true);
    assert.equal(m.deliveryReceiptRequested, true);
    assert.deepEqual(m.attachments, []);
  });

  it('keeps every top-level header in order with its original name case, folded values unfolded', async () => {
    const m = await parse('alternative.eml');
    assert.deepEqual(
      m.headers.map((h) => h.name),
      ['Return-Path', 'Received', 'From', 'Sender', 'Reply-To', 'To', 'Cc', 'Subject', 'Date', 'Message-ID',
        'In-Reply-To', 'References', 'Importance', 'Sensitivity', 'Disposition-Notification-To', 'Return-Receipt-To',
        'X-Mailer', 'MIME-Version', 'Content-Type'],
    );
    assert.equal(
      header(m, 'Received'),
      'from mail.example.com (mail.example.com [192.0.2.1])\tby mx.example.org with ESMTPS id abc123\tfor <bob@example.org>; Mon, 23 Nov 2026 09:59:58 +0000',
    );
    assert.equal(header(m, 'X-Mailer'), 'Handwritten 1.0');
  });

  it('multipart/mixed: binary attachment bytes, RFC 2231 file name', async () => {
    const m = await parse('mixed-pdf.eml');
    assert.equal(m.text, 'Please find the report attached.');
    assert.equal(m.html, undefined);
    assert.equal(m.date?.toISOString(), '2026-11-24T13:30:00.000Z');
    assert.equal(m.attachments.length, 1);
    const [pdf] = m.attachments;
    assert.equal(pdf?.filename, 'Résumé.pdf');
    assert.equal(pdf?.contentType, 'application/pdf');
    assert.equal(pdf?.inline, false);
    assert.equal(pdf?.contentId, undefined);
    assert.ok(pdf?.content.equals(fixture('mixed-pdf.bin')), 'attachment bytes unchanged');
  });

  it('multipart/related: inline image with its Content-ID (no angle brackets), cid: left in the HTML', async () => {
    const m = await parse('related-inline.eml');
    assert.equal(m.text, 'See our logo.');
    assert.match(m.html ?? '', /<img src="cid:logo@ewsd\.test" alt="Logo">/);
    assert.equal(m.attachments.length, 1);
    const [logo] = m.attachments;
    assert.equal(logo?.filename, 'logo.png');
    assert.equal(logo?.contentType, 'image/png');
    assert.equal(logo?.contentId, 'logo@ewsd.test');
    assert.equal(logo?.inline, true);
    assert.ok(logo?.content.equals(fixture('related-logo.png')));
  });

  it('message/rfc822 stays an attachment holding the attached message byte for byte', async () => {
    const m = await parse('forwarded-rfc822.eml');
    assert.equal(m.text, 'See the message below.', 'the attached message is not merged into the body');
    assert.equal(m.attachments.length, 1);
    const [fwd] = m.attachments;
    assert.equal(fwd?.contentType, 'message/rfc822');
    assert.equal(fwd?.filename, 'Original question.eml');
    assert.equal(fwd?.inline, false);
    assert.equal(fwd?.content.toString('latin1'), fixture('forwarded-inner.eml').toString('latin1'));
    const inner = await parseMime(fwd?.content ?? Buffer.alloc(0));
    assert.equal(inner.subject, 'Original question');
    assert.equal(inner.messageId, '<inner-1@example.org>');
    assert.equal(inner.text, 'Is the report ready?');
  });

  it('decodes RFC 2047 B and Q words in windows-1252, koi8-r, iso-8859-1, iso-2022-jp and utf-8', async () => {
    const m = await parse('headers-charsets.eml');
    assert.deepEqual(m.from, { name: 'Jürgen Größ', address: 'juergen@example.de' });
    assert.deepEqual(m.to, [
      { name: 'Дмитрий Иванов', address: 'dima@example.ru' },
      { name: 'François Muñoz', address: 'francois@example.fr' },
    ]);
    assert.deepEqual(m.cc, [{ name: '山田太郎', address: 'yamada@example.jp' }]);
    // Adjacent encoded words join without the whitespace between them (RFC 2047 6.2).
    assert.equal(m.subject, 'Café crème and € and 東京');
    assert.equal(header(m, 'Subject'), 'Café crème and € and 東京');
    // windows-1252 bytes 0x80-0x9F (euro, curly quotes), which Node 20's TextDecoder gets wrong.
    assert.equal(header(m, 'X-Custom-Note'), '€uro “quoted”');
    assert.equal(m.date?.toISOString(), '2026-11-27T05:15:16.000Z');
    // Body: koi8-r, base64.
    assert.equal(m.text, 'Привет, мир!\nВторая строка.');
  });

  it('decodes an iso-8859-1 quoted-printable body, soft line breaks joined', async () => {
    const m = await parse('latin1-qp.eml');
    assert.deepEqual(m.from, { name: 'René', address: 'rene@example.fr' });
    assert.equal(m.subject, 'À bientôt');
    assert.equal(
      m.text,
      'Chère collègue,\n\nVoici une très longue ligne qui est coupée par un saut de ligne doux, et qui continue ici. À bientôt=!',
    );
  });

  it('decodes an iso-2022-jp body and subject', async () => {
    const m = await parse('iso-2022-jp.eml');
    assert.equal(m.subject, '会議のお知らせ');
    assert.deepEqual(m.from, { name: '田中', address: 'tanaka@example.jp' });
    assert.equal(m.text, 'こんにちは、世界。\n日本語のテキストです。');
    assert.equal(m.date?.toISOString(), '2026-11-29T01:00:00.000Z');
  });

  it('a text-only message has no html; X-Priority 5 is Low', async () => {
    const m = await parse('text-only.eml');
    assert.equal(m.text, 'Just text.\nSecond line.');
    assert.equal(m.html, undefined);
    assert.equal(m.importance, 'Low');
    assert.equal(m.sensitivity, 'Normal');
    assert.equal(m.readReceiptRequested, false);
    assert.equal(m.deliveryReceiptRequested, false);
    assert.equal(m.date?.toISOString(), '2026-12-01T07:59:59.000Z');
  });

  it('an HTML-only message has no text; windows-1252 8bit body; X-Priority 2 is High; Company-Confidential', async () => {
    const m = await parse('html-only.eml');
    assert.equal(m.text, undefined);
    assert.equal(
      m.html,
      '<html><head><style>p { color: red }</style></head><body><p>Total: €25 – thanks</p></body></html>',
    );
    assert.equal(m.importance, 'High');
    assert.equal(m.sensitivity, 'Confidential');
  });

  it('unfolds folded headers', async () => {
    const m = await parse('folded-headers.eml');
    // RFC 5322 2.2.3: unfolding removes the CRLF only, the folding whitespace stays.
    assert.equal(m.subject, 'This subject is folded   across three lines');
    assert.deepEqual(m.from, { name: 'A very long display name that goes on', address: 'long@example.com' });
    assert.deepEqual(
      m.to.map((a) => a.address),
      ['one@example.org', 'two@example.org', 'three@example.org'],
    );
    assert.equal(m.date?.toISOString(), '2026-12-02T11:12:13.000Z');
    assert.equal(m.messageId, '<folded-1@example.com>');
    assert.equal(m.references, '<r1@example.com> <r2@example.com> <r3@example.com>');
    assert.equal(header(m, 'X-Folded'), 'first second');
    assert.equal(m.text, 'Body.');
  });

  it('flattens group addresses; an empty group yields no recipient', async () => {
    const m = await parse('group-address.eml');
    assert.deepEqual(m.to, [
      { address: 'dev1@example.org' },
      { name: 'Dev Two', address: 'dev2@example.org' },
      { address: 'bob@example.org' },
    ]);
    assert.deepEqual(m.cc, []);
    assert.deepEqual(m.bcc, [{ address: 'hidden@example.net' }]);
  });

  it('parses a 1 MB attachment generated on the fly', async () => {
    const big = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7919 + (i >> 8)) & 0xff;
    const raw = Buffer.from(
      'From: a@example.com\r\nTo: b@example.com\r\nSubject: big\r\nMIME-Version: 1.0\r\n' +
        'Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nBig one.\r\n' +
        '--B\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=big.bin\r\n' +
        'Content-Transfer-Encoding: base64\r\n\r\n' +
        (big.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n') +
        '\r\n--B--\r\n',
    );
    const m = await parseMime(raw);
    assert.equal(m.text, 'Big one.');
    assert.equal(m.attachments.length, 1);
    assert.equal(m.attachments[0]?.filename, 'big.bin');
    assert.ok(m.attachments[0]?.content.equals(big));
  });
});

describe('parseMime on legacy input', () => {
  it('reads raw 8-bit windows-1252 header text (no RFC 2047) instead of producing U+FFFD', async () => {
    const raw = Buffer.concat([
      Buffer.from('From: ', 'latin1'),
      Buffer.from([0x52, 0x65, 0x6e, 0xe9]), // "René" in latin-1
      Buffer.from(' <rene@example.fr>\r\nSubject: ', 'latin1'),
      Buffer.from([0x43, 0x61, 0x66, 0xe9, 0x20, 0x80, 0x35]), // "Café €5" in windows-1252
      Buffer.from('\r\nX-Utf8: ', 'latin1'),
      Buffer.from('Grüße', 'utf8'), // a raw UTF-8 line (RFC 6532) in the same block stays UTF-8
      Buffer.from('\r\n\r\nbody\r\n', 'latin1'),
    ]);
    const m = await parseMime(raw);
    assert.deepEqual(m.from, { name: 'René', address: 'rene@example.fr' });
    assert.equal(m.subject, 'Café €5');
    assert.equal(m.headers.find((h) => h.name === 'X-Utf8')?.value, 'Grüße');
    assert.equal(m.text, 'body');
  });

  it('repairs only the header block, whether its blank line is CRLF or a bare LF, whichever comes first', async () => {
    const latin1 = (text: string) => Buffer.from(text, 'latin1');
    const lf = await parseMime(latin1('Subject: Caf\xe9\nX-A: 1\n\nbody'));
    assert.equal(lf.subject, 'Café');
    assert.equal(lf.text, 'body');
    // A CRLF message with a bare blank line later in its body.
    const crlf = await parseMime(latin1('Subject: Caf\xe9\r\nX-A: 1\r\n\r\nline 1\n\nline 2'));
    assert.equal(crlf.subject, 'Café');
    assert.match(crlf.text ?? '', /line 1\n\nline 2/);
    // A bare LF blank line before the first CRLF one ends the block: the 8-bit byte after it is
    // body, left as it is (read as UTF-8, so U+FFFD), not repaired as if it were a header.
    const mixed = await parseMime(latin1('Subject: Caf\xe9\n\nX-Not: Caf\xe9\r\n\r\nbody'));
    assert.equal(mixed.subject, 'Café');
    assert.equal(mixed.headers.some((h) => h.name === 'X-Not'), false);
    assert.equal(mixed.text, 'X-Not: Caf\ufffd\n\nbody');
  });

  it('reads importance from X-MSMail-Priority and Priority when there is no Importance or X-Priority', async () => {
    const importance = async (header: string) => (await parseMime(Buffer.from(`${header}\r\n\r\nx`))).importance;
    assert.equal(await importance('X-MSMail-Priority: High'), 'High');
    assert.equal(await importance('Priority: non-urgent'), 'Low');
    assert.equal(await importance('Importance: low\r\nX-Priority: 1'), 'Low');
    assert.equal(await importance('X-Priority: 3 (Normal)\r\nX-MSMail-Priority: High'), 'Normal');
    assert.equal(await importance('Subject: none'), 'Normal');
  });
});

describe('parseMime on malformed input', () => {
  it('never throws on garbage and returns a (mostly empty) message', async () => {
    const inputs = [
      Buffer.alloc(0),
      Buffer.from('hello'),
      Buffer.from('\r\n\r\n\r\n'),
      Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x0a, 0x0a, 0x01, 0x02]),
      Buffer.from('Subject: =?utf-8?B?!!!not base64?= =?x-no-such-charset?Q?abc?=\r\nFrom: <<<@@@>>>\r\nDate: yesterday\r\n\r\nbody'),
      Buffer.from('Content-Type: multipart/mixed; boundary="never-closed"\r\n\r\n--never-closed\r\nContent-Type: text/plain\r\n\r\npart'),
      Buffer.from('Content-Type: multipart/mixed\r\n\r\nno boundary parameter'),
      Buffer.from('Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n%%%not base64%%%'),
    ];
    for (const raw of inputs) {
      const m = await parseMime(raw);
      assert.ok(Array.isArray(m.to) && Array.isArray(m.headers) && Array.isArray(m.attachments));
    }
    const empty = await parseMime(Buffer.alloc(0));
    assert.deepEqual(empty.headers, []);
    assert.equal(empty.subject, undefined);
    assert.equal(empty.text, undefined);
  });

  it('rejects a message beyond the parser safety limits with a MimeParseError that says why', async () => {
    const huge = Buffer.from(`X-Huge: ${'a'.repeat(3 * 1024 * 1024)}\r\n\r\nbody`);
    await assert.rejects(parseMime(huge), (err: unknown) => {
      assert.ok(err instanceof MimeParseError);
      assert.match(err.message, /header size/);
      return true;
    });
    let deep = '';
    for (let i = 0; i < 300; i++) deep += `Content-Type: multipart/mixed; boundary=b${i}\r\n\r\n--b${i}\r\n`;
    await assert.rejects(parseMime(Buffer.from(deep)), MimeParseError);
  });

  it('a line without a colon is not reported as a header', async () => {
    const m = await parseMime(Buffer.from('hello'));
    assert.deepEqual(m.headers, []);
  });

  it('an unparseable Date gives undefined rather than an Invalid Date', async () => {
    const m = await parseMime(Buffer.from('Date: the day after tomorrow\r\nSubject: s\r\n\r\nx'));
    assert.equal(m.date, undefined);
    assert.equal(m.subject, 's');
    assert.equal(m.text, 'x');
  });
});
