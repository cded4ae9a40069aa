import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { generateCorpus } from '../bench/corpus.js';
import { cutParts } from '../src/mime/native-base64.js';
import { parseMime } from '../src/mime/parse-mime.js';
import { fixture } from './support/mime.js';
import { base64Lines, pseudoRandomBytes } from './support/bytes.js';

/** The native path must give exactly what postal-mime alone gives, attachment bytes included. */
async function assertSameParse(raw: Buffer, label: string): Promise<void> {
  const reference = await parseMime(raw, { nativeBase64: false });
  const fast = await parseMime(raw);
  // The native path also says where each decoded part came from: that range must decode to the content.
  for (const a of fast.attachments) {
    if (!a.source) continue;
    assert.deepStrictEqual(Buffer.from(raw.toString('latin1', a.source.start, a.source.end), 'base64'), a.content, label);
    delete a.source;
  }
  assert.deepStrictEqual(fast, reference, label);
  // Without a text body beside HTML: the same parse, less that text body.
  const htmlOnly = await parseMime(raw, { textBesideHtml: false });
  for (const a of htmlOnly.attachments) delete a.source;
  if (reference.html !== undefined) delete reference.text;
  assert.deepStrictEqual(htmlOnly, reference, `${label} (no text beside HTML)`);
}

const bytes = pseudoRandomBytes;
const b64Lines = base64Lines;

const head = (type = 'multipart/mixed; boundary="outer"') =>
  `From: a@example.com\r\nTo: b@example.com\r\nSubject: odd\r\nMIME-Version: 1.0\r\nContent-Type: ${type}\r\n\r\n`;
const textPart = 'Content-Type: text/plain; charset=utf-8\r\n\r\nHello there\r\n';
const filePart = (content: Buffer, type = 'application/pdf', extra = '', eol = '\r\n') =>
  `Content-Type: ${type}; name="f.pdf"${eol}Content-Transfer-Encoding: base64${eol}Content-Disposition: attachment; filename="f.pdf"${eol}${extra}${eol}${b64Lines(content, eol)}${eol}`;

const att = bytes(3000, 1);
const ODD: Record<string, string> = {
  'plain mixed': `${head()}--outer\r\n${textPart}--outer\r\n${filePart(att)}--outer--\r\n`,
  'nested multiparts': `${head()}--outer\r\nContent-Type: multipart/alternative; boundary=inner\r\n\r\n--inner\r\n${textPart}--inner\r\nContent-Type: multipart/related; boundary="rel"\r\n\r\n--rel\r\nContent-Type: text/html\r\n\r\n<p>x<img src="cid:logo"></p>\r\n--rel\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\nContent-ID: <logo>\r\n\r\n${b64Lines(bytes(2000, 2))}\r\n--rel--\r\n--inner--\r\n--outer\r\n${filePart(att)}--outer--\r\n`,
  'boundary prefix of another': `${head('multipart/mixed; boundary="B"')}--B\r\nContent-Type: multipart/mixed; boundary="B2"\r\n\r\n--B2\r\n${filePart(bytes(1500, 3))}--B2--\r\n--B\r\n${filePart(att)}--B--\r\n`,
  'message/rfc822 with an attachment inside': `${head()}--outer\r\n${textPart}--outer\r\nContent-Type: message/rfc822\r\n\r\n${head('multipart/mixed; boundary="in"')}--in\r\n${textPart}--in\r\n${filePart(bytes(5000, 4))}--in--\r\n\r\n--outer\r\n${filePart(att)}--outer--\r\n`,
  'padded on every line': `${head()}--outer\r\n${textPart}--outer\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n${Array.from({ length: 40 }, (_, i) => bytes(56, i).toString('base64').replace(/=*$/, '==')).join('\r\n')}\r\n--outer--\r\n`,
  'one = in the middle': `${head()}--outer\r\n${filePart(att).replace(/(\r\n[A-Za-z0-9+/]{10})/, '$1=')}--outer--\r\n`,
  'spaces and junk in the base64': `${head()}--outer\r\n${filePart(att).replace(/\r\n([A-Za-z0-9+/]{20})/g, '\r\n $1 !')}--outer--\r\n`,
  'base64 not in whole quads': `${head()}--outer\r\n${filePart(att).replace(/\r\n([A-Za-z0-9+/]{20})[A-Za-z0-9+/]/, '\r\n$1')}--outer--\r\n`,
  'URL-safe base64 characters': `${head()}--outer\r\n${filePart(att).replace(/\r\n([A-Za-z0-9+/]{20})[A-Za-z0-9+/]{2}/, '\r\n$1-_')}--outer--\r\n`,
  'no close delimiter': `${head()}--outer\r\n${textPart}--outer\r\n${filePart(att)}`,
  'no close delimiter, no final line break': `${head()}--outer\r\n${textPart}--outer\r\n${filePart(att).trimEnd()}`,
  'trailing whitespace on delimiters and an epilogue': `${head()}--outer \t\r\n${textPart}--outer\t\r\n${filePart(att)}--outer--  \r\nepilogue\r\n--outer\r\nnot a part\r\n`,
  'delimiter look-alike inside a part': `${head()}--outer\r\n${filePart(att)}--outerX\r\nQUJD\r\n--outer--\r\n`,
  'LF line ends': `${head()}--outer\r\n${textPart}--outer\r\n${filePart(att)}--outer--\r\n`.replace(/\r\n/g, '\n'),
  'text parts in base64': `${head()}--outer\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64Lines(Buffer.from('Hello '.repeat(300)))}\r\n--outer\r\nContent-Type: text/csv\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=a.csv\r\n\r\n${b64Lines(Buffer.from('a,b\r\n'.repeat(300)))}\r\n--outer\r\nContent-Type: text/calendar; method=REQUEST\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64Lines(Buffer.from('BEGIN:VCALENDAR\r\n'.repeat(100)))}\r\n--outer\r\nContent-Type: application/ics\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64Lines(Buffer.from('BEGIN:VCALENDAR\r\n'.repeat(100)))}\r\n--outer--\r\n`,
  'comment and RFC 2231 in Content-Type': `${head('multipart/mixed (comment); boundary="outer"')}--outer\r\n${filePart(att)}--outer\r\n${filePart(bytes(900, 5), 'application/pdf', '').replace('name="f.pdf"', "name*0=a; name*1=b")}--outer--\r\n`,
  'duplicate headers: the first wins': `${head()}--outer\r\n${filePart(att, 'application/pdf', 'Content-Transfer-Encoding: 7bit\r\nContent-Type: text/plain\r\n')}--outer--\r\n`,
  'leading folded line read as a header by postal-mime': `${head()}--outer\r\n Content-Type: text/plain\r\n${filePart(att)}--outer--\r\n`,
  'root part is base64': `${head('application/octet-stream')}`.replace('\r\n\r\n', '\r\nContent-Transfer-Encoding: base64\r\n\r\n') + b64Lines(att) + '\r\n',
  'empty and tiny base64 parts': `${head()}--outer\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n\r\n--outer\r\n${filePart(bytes(10, 6))}--outer\r\n${filePart(att)}--outer--\r\n`,
  'a part that decodes to a marker-like text': `${head()}--outer\r\n${filePart(Buffer.from('ewsd-native-base64:000000000000000000000000:000000'))}--outer\r\n${filePart(att)}--outer--\r\n`,
  'header block never ends': `${head()}--outer\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n--outer--\r\n`,
  'digest with a base64 part': `${head('multipart/digest; boundary="d"')}--d\r\n${filePart(att)}--d\r\n\r\n${head('text/plain')}hi\r\n--d--\r\n`,
  'alternative, quoted-printable text and HTML': `${head('multipart/alternative; boundary="alt"')}--alt\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nGr=C3=BC=C3=9Fe =\r\nhere\r\n--alt\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n<p>Gr=C3=BC=C3=9Fe</p>\r\n--alt--\r\n`,
  'alternative, base64 text, HTML first': `${head('multipart/alternative; boundary="alt"')}--alt\r\nContent-Type: text/html\r\n\r\n<b>hi</b>\r\n--alt\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64Lines(Buffer.from('hi there '.repeat(50)))}\r\n--alt--\r\n`,
  'alternative of text and related HTML with an image': `${head('multipart/alternative; boundary="alt"')}--alt\r\n${textPart}--alt\r\nContent-Type: multipart/related; boundary="rel"\r\n\r\n--rel\r\nContent-Type: text/html\r\n\r\n<img src="cid:i1">\r\n--rel\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\nContent-ID: <i1>\r\n\r\n${b64Lines(bytes(1200, 8))}\r\n--rel--\r\n--alt--\r\n`,
  'alternative, then a plain-text footer part': `${head()}--outer\r\nContent-Type: multipart/alternative; boundary="alt"\r\n\r\n--alt\r\n${textPart}--alt\r\nContent-Type: text/html\r\n\r\n<p>Hello there</p>\r\n--alt--\r\n--outer\r\nContent-Type: text/plain\r\n\r\n-- footer\r\n--outer--\r\n`,
  'alternative, a plain-text footer part, then an attachment': `${head()}--outer\r\nContent-Type: multipart/alternative; boundary="alt"\r\n\r\n--alt\r\n${textPart}--alt\r\nContent-Type: text/html\r\n\r\n<p>Hello there</p>\r\n--alt--\r\n--outer\r\nContent-Type: text/plain\r\n\r\n-- footer\r\n--outer\r\n${filePart(att)}--outer--\r\n`,
  'alternative with LF line ends': `${head('multipart/alternative; boundary="alt"')}--alt\r\n${textPart}--alt\r\nContent-Type: text/html\r\n\r\n<p>x</p>\r\n--alt--\r\n`.replace(/\r\n/g, '\n'),
  'alternative whose text is an attachment': `${head('multipart/alternative; boundary="alt"')}--alt\r\nContent-Type: text/plain; name="t.txt"\r\nContent-Disposition: attachment; filename="t.txt"\r\n\r\nfile text\r\n--alt\r\nContent-Type: text/html\r\n\r\n<p>x</p>\r\n--alt--\r\n`,
  'alternative whose HTML is an attachment': `${head('multipart/alternative; boundary="alt"')}--alt\r\n${textPart}--alt\r\nContent-Type: text/html; name="p.html"\r\nContent-Disposition: attachment; filename="p.html"\r\n\r\n<p>x</p>\r\n--alt--\r\n`,
  'alternative with UTF-16 text': `${head('multipart/alternative; boundary="alt"')}--alt\r\nContent-Type: text/plain; charset=utf-16le\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64Lines(Buffer.from('hello', 'utf16le'))}\r\n--alt\r\nContent-Type: text/html\r\n\r\n<p>hello</p>\r\n--alt--\r\n`,
  'alternative of two texts, no HTML': `${head('multipart/alternative; boundary="alt"')}--alt\r\n${textPart}--alt\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\nbegin 644 x\r\nend\r\n--alt--\r\n`,
  'CRLF blank line with extra CR': `${head()}--outer\r\nContent-Type: application/zip\r\nContent-Transfer-Encoding: BASE64\r\n\r\r\n${b64Lines(att)}\r\n--outer--\r\n`,
};

describe('native base64 decoding of attachment parts', () => {
  for (const [name, text] of Object.entries(ODD)) {
    it(`gives the same parse as postal-mime alone: ${name}`, async () => {
      await assertSameParse(Buffer.from(text, 'latin1'), name);
    });
  }

  it('is used for ordinary attachments (and the bytes are right)', async () => {
    const raw = Buffer.from(ODD['nested multiparts']!, 'latin1');
    assert.equal(cutParts(raw)?.parts.length, 2);
    const m = await parseMime(raw);
    assert.deepEqual(
      m.attachments.map((a) => a.content),
      [bytes(2000, 2), att],
    );
    assert.ok(m.attachments.every((a) => a.source), 'both parts carry their place in the message');
  });

  it('leaves out the text alternative beside HTML, when asked, and only then', async () => {
    const cases: Array<[string, boolean]> = [
      ['alternative, quoted-printable text and HTML', true],
      ['alternative, base64 text, HTML first', true],
      ['alternative of text and related HTML with an image', true],
      ['alternative of two texts, no HTML', false],
      ['plain mixed', false],
    ];
    for (const [name, skipped] of cases) {
      const raw = Buffer.from(ODD[name]!, 'latin1');
      assert.equal(cutParts(raw, { skipTextBesideHtml: true })?.textMarker !== undefined, skipped, name);
      assert.equal(cutParts(raw)?.textMarker, undefined, `${name}: not asked`);
    }
    const m = await parseMime(Buffer.from(ODD['alternative, quoted-printable text and HTML']!, 'latin1'), { textBesideHtml: false });
    assert.equal(m.html, '<p>Grüße</p>');
    assert.equal(m.text, undefined);
    const full = await parseMime(Buffer.from(ODD['alternative, quoted-printable text and HTML']!, 'latin1'));
    assert.equal(full.text, 'Grüße here');
    // Both cuts in one message, the text before the image: the parse took them (the image says where it came from).
    const related = await parseMime(Buffer.from(ODD['alternative of text and related HTML with an image']!, 'latin1'), { textBesideHtml: false });
    assert.equal(related.text, undefined);
    assert.ok(related.attachments[0]?.source, 'the cut message was parsed, not the original');
    // The text cut refused (a footer after the alternative): the attachment is still decoded natively.
    const footer = await parseMime(Buffer.from(ODD['alternative, a plain-text footer part, then an attachment']!, 'latin1'), { textBesideHtml: false });
    assert.equal(footer.text, undefined);
    assert.deepEqual(footer.attachments[0]?.content, att);
    assert.ok(footer.attachments[0]?.source, 'the attachment cut was kept when the text cut was refused');
  });

  it('leaves odd parts to postal-mime', () => {
    assert.equal(cutParts(Buffer.from(ODD['padded on every line']!, 'latin1')), undefined);
    assert.equal(cutParts(Buffer.from(ODD['spaces and junk in the base64']!, 'latin1')), undefined);
    assert.equal(cutParts(Buffer.from(ODD['base64 not in whole quads']!, 'latin1')), undefined);
    assert.equal(cutParts(Buffer.from(ODD['URL-safe base64 characters']!, 'latin1')), undefined);
    assert.equal(cutParts(Buffer.from(ODD['text parts in base64']!, 'latin1')), undefined);
  });

  it('gives the same parse over the benchmark corpus', async () => {
    const corpus = await generateCorpus(120, 7);
    let cut = 0;
    let textSkipped = 0;
    for (const m of corpus.messages) {
      if (cutParts(m.raw)) cut++;
      if (cutParts(m.raw, { skipTextBesideHtml: true })?.textMarker) textSkipped++;
      await assertSameParse(m.raw, `corpus message ${m.index}`);
    }
    assert.ok(cut >= 10, `only ${cut} corpus messages took the native path`);
    assert.ok(textSkipped >= 60, `only ${textSkipped} corpus messages had their text alternative left out`);
  });

  it('gives the same parse over the MIME fixtures and the seeds', async () => {
    const dir = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'mime');
    for (const name of readdirSync(dir).filter((n) => n.endsWith('.eml'))) await assertSameParse(fixture(name), name);
    const seeds = '/work/shared/seeds/xml';
    let files: string[] = [];
    try {
      files = readdirSync(seeds);
    } catch {
      return;
    }
    for (const f of files) {
      const xml = readFileSync(join(seeds, f), 'utf8');
      for (const m of xml.matchAll(/<t:MimeContent[^>]*>([^<]+)<\/t:MimeContent>/g)) await assertSameParse(Buffer.from(m[1]!, 'base64'), f);
    }
  });
});
