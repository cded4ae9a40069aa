import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import PostalMime from 'postal-mime';
import { generateCorpus } from '../bench/corpus.js';
import { cutParts, type CutMessage } from '../src/mime/native-base64.js';
import { bodyFromMime, finishBody } from '../src/mime/body-text.js';
import type { MimeMessage } from '../src/mime/mime-message.js';
import { decodesToNothing, decodeTextBody } from '../src/mime/native-text.js';
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
  // Where the body was read from must decode to it again: a store keeps that instead of the text.
  if (htmlOnly.bodySource) {
    assert.equal(bodyFromMime(raw, htmlOnly.bodySource), htmlOnly.html ?? htmlOnly.text, `${label} (body decoded again from its range)`);
    assert.equal(fast.bodySource, undefined, `${label}: a body range only without the text beside HTML`);
    delete htmlOnly.bodySource;
  }
  if (reference.html !== undefined) delete reference.text;
  assert.deepStrictEqual(htmlOnly, reference, `${label} (no text beside HTML)`);
  await assertSameInPlace(raw, label, htmlOnly);
}

/**
 * With the body left in place: the parse without the text beside HTML (`htmlOnly`, its body range
 * taken off), less the body, and the range given decodes to that body.
 */
async function assertSameInPlace(raw: Buffer, label: string, htmlOnly: MimeMessage): Promise<void> {
  const inPlace = await parseMime(raw, { textBesideHtml: false, bodyInPlace: true });
  for (const a of inPlace.attachments) delete a.source;
  const expected = { ...htmlOnly };
  if (inPlace.bodySource) {
    const { type } = inPlace.bodySource;
    assert.equal(inPlace[type], undefined, `${label}: a body in place is left out`);
    assert.equal(bodyFromMime(raw, inPlace.bodySource), htmlOnly[type], `${label}: the body in place`);
    assert.notEqual(htmlOnly[type], undefined, `${label}: a body in place is something`);
    expected[type] = undefined;
    delete inPlace.bodySource;
  }
  assert.deepStrictEqual(inPlace, expected, `${label} (body in place)`);
}

const bytes = pseudoRandomBytes;
const b64Lines = base64Lines;

const head = (type = 'multipart/mixed; boundary="outer"') =>
  `From: a@example.com\r\nTo: b@example.com\r\nSubject: odd\r\nMIME-Version: 1.0\r\nContent-Type: ${type}\r\n\r\n`;
const textPart = 'Content-Type: text/plain; charset=utf-8\r\n\r\nHello there\r\n';
const filePart = (content: Buffer, type = 'application/pdf', extra = '', eol = '\r\n') =>
  `Content-Type: ${type}; name="f.pdf"${eol}Content-Transfer-Encoding: base64${eol}Content-Disposition: attachment; filename="f.pdf"${eol}${extra}${eol}${b64Lines(content, eol)}${eol}`;

const att = bytes(3000, 1);
/** An HTML body long enough to be cut, in quoted-printable with non-ASCII and soft breaks. */
const qpHtml = Array.from({ length: 30 }, (_, i) => `<p class=3D"x">Gr=C3=BC=C3=9Fe ${i} and more words for the line =\r\nto wrap</p>`).join('\r\n');
const htmlPart = (body: string, type = 'text/html; charset=utf-8', encoding = 'quoted-printable', extra = '') =>
  `Content-Type: ${type}\r\nContent-Transfer-Encoding: ${encoding}\r\n${extra}\r\n${body}\r\n`;
/** A multipart/alternative of a quoted-printable text part and `html` (a whole part): as a message, and as a part. */
const alternativeBody = (html: string) =>
  `--alt\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nGr=C3=BC=C3=9Fe\r\n--alt\r\n${html}--alt--\r\n`;
const alternative = (html: string) => `${head('multipart/alternative; boundary="alt"')}${alternativeBody(html)}`;
const alternativePart = (html: string) => `Content-Type: multipart/alternative; boundary="alt"\r\n\r\n${alternativeBody(html)}`;
/** A quoted-printable text body long enough to be cut, with non-ASCII and soft breaks. */
const qpText = Array.from({ length: 30 }, (_, i) => `Gr=C3=BC=C3=9Fe ${i}, caf=C3=A9 and more words for the line =\r\nto wrap`).join('\r\n');
/** A single-part message: `body` under the given Content-Type and Content-Transfer-Encoding (and extra header lines). */
const wholeText = (body: string, type = 'text/plain; charset=utf-8', encoding = 'quoted-printable', extra = '') =>
  head(type).replace('\r\n\r\n', `\r\nContent-Transfer-Encoding: ${encoding}\r\n${extra}\r\n`) + body;
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
  'HTML in quoted-printable with soft breaks, odd escapes and line ends': alternative(htmlPart(`${qpHtml}=\r\n=ZZ =4 =e9=E9 a=3D=3d ==41 end=\r\n=\r\n\r\n\ttabbed=20\r\nbare\rCR\r\r\nlast=`)),
  'HTML in Latin-1': alternative(htmlPart(qpHtml.replace(/=C3=BC=C3=9F/g, '=FC=DF'), 'text/html; charset="ISO-8859-1"')),
  'HTML in windows-1252, 8bit': alternative(htmlPart(`<p>${'caf\xe9 \x80 '.repeat(120)}</p>`, 'text/html; charset=windows-1252', '8bit')),
  'HTML in UTF-8, 8bit, no charset': alternative(htmlPart(`<p>${'Gr\xc3\xbc\xc3\x9fe '.repeat(120)}</p>`, 'text/html', '8bit')),
  'HTML in 7bit, LF line ends': alternative(htmlPart(`<p>${'plain words '.repeat(100)}</p>\r\n<p>more</p>`, 'text/html; charset=us-ascii', '7bit')).replace(/\r\n/g, '\n'),
  'HTML in a charset left to postal-mime': alternative(htmlPart(qpHtml, 'text/html; charset=iso-8859-2')),
  'HTML with format=flowed': alternative(htmlPart(qpHtml, 'text/html; charset=utf-8; format=flowed')),
  'HTML with the charset twice': alternative(htmlPart(qpHtml, 'text/html; charset=utf-8; charset=iso-8859-2')),
  'HTML in base64': alternative(htmlPart(b64Lines(Buffer.from(`<p>${'words '.repeat(200)}</p>`)), 'text/html; charset=utf-8', 'base64')),
  'HTML marked inline': alternative(htmlPart(qpHtml, 'text/html; charset=utf-8', 'quoted-printable', 'Content-Disposition: inline\r\n')),
  'HTML as an attachment beside the text': alternative(htmlPart(qpHtml, 'text/html; charset=utf-8', 'quoted-printable', 'Content-Disposition: attachment; filename="a.html"\r\n')),
  'HTML with two Content-Type headers': alternative(htmlPart(qpHtml, 'text/html; charset=utf-8', 'quoted-printable', 'Content-Type: text/plain\r\n')),
  'HTML after a leading folded line': alternative(' X-Folded: yes\r\n' + htmlPart(qpHtml)),
  'two HTML parts': `${head()}--outer\r\n${htmlPart(qpHtml)}--outer\r\n${htmlPart(qpHtml.replace(/Gr/g, 'Kr'))}--outer--\r\n`,
  'HTML holding a delimiter of the outer multipart': `${head()}--outer\r\n${alternativePart(htmlPart(`${qpHtml}\r\n--outer\r\n\r\nafter`))}--outer--\r\n`,
  'HTML holding a delimiter of its own multipart with a suffix': alternative(htmlPart(`${qpHtml}\r\n--altX\r\nstill html`)),
  'HTML as the last part of an unclosed multipart': alternative(htmlPart(qpHtml)).replace(/--alt--\r\n$/, ''),
  'HTML as the whole message': head('text/html; charset=utf-8').replace('\r\n\r\n', '\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n') + qpHtml + '\r\n',
  'HTML-only message with an attachment': `${head()}--outer\r\n${htmlPart(qpHtml)}--outer\r\n${filePart(att)}--outer--\r\n`,
  'HTML and a text footer part': `${head()}--outer\r\n${alternativePart(htmlPart(qpHtml))}--outer\r\nContent-Type: text/plain\r\n\r\n-- footer\r\n--outer--\r\n`,
  'text alternative with a signature': `${head('multipart/alternative; boundary="alt"')}--alt\r\nContent-Type: text/plain\r\n\r\nHello\r\n-- \r\nme\r\n--alt\r\n${htmlPart(qpHtml)}--alt--\r\n`,
  'text alternative holding a delimiter of the outer multipart': `${head()}--outer\r\nContent-Type: multipart/alternative; boundary="alt"\r\n\r\n--alt\r\nContent-Type: text/plain\r\n\r\nHello\r\n--outer\r\nContent-Type: text/plain\r\n\r\nnot the text\r\n--alt\r\n${htmlPart(qpHtml)}--alt--\r\n--outer--\r\n`,
  'a nested multipart reusing its parent\'s boundary, with HTML': `${head('multipart/mixed; boundary="B"')}--B\r\nContent-Type: multipart/alternative; boundary="B"\r\n\r\n--B\r\n${textPart}--B\r\n${htmlPart(qpHtml)}--B--\r\n--B\r\n${filePart(att)}--B--\r\n`,
  'text as the whole message': wholeText(`${qpText}\r\n`),
  'text as the whole message, no final line break': wholeText(qpText),
  'text as the whole message, ending in a soft break': wholeText(`${qpText}=`),
  'text as the whole message, ending in blank lines and bare CRs': wholeText(`${qpText}\r\n\r\n\r\r\n\r`),
  'text as the whole message, odd escapes': wholeText(`${qpText}=\r\n=ZZ =4 =e9=E9 a=3D=3d ==41 end=\r\n=\r\n\r\n\ttabbed=20\r\nbare\rCR\r\r\nlast=4`),
  'text as the whole message, LF line ends': wholeText(`${qpText}\r\n`).replace(/\r\n/g, '\n'),
  'text as the whole message, Latin-1 8bit': wholeText(`${'Gr\xfc\xdfe caf\xe9 \x80 '.repeat(60)}\r\n`, 'text/plain; charset=iso-8859-1', '8bit'),
  'text as the whole message, 7bit, no charset': wholeText(`${'plain words '.repeat(80)}\r\n`, 'text/plain', '7bit'),
  'text as the whole message, format=flowed': wholeText(`${qpText}\r\n`, 'text/plain; charset=utf-8; format=flowed'),
  'text as the whole message, in a charset left to postal-mime': wholeText(`${qpText}\r\n`, 'text/plain; charset=koi8-r'),
  'text as the whole message, as an attachment': wholeText(`${qpText}\r\n`, 'text/plain; charset=utf-8', 'quoted-printable', 'Content-Disposition: attachment; filename="t.txt"\r\n'),
  'text as the whole message, with two Content-Type headers': wholeText(`${qpText}\r\n`, 'text/plain; charset=utf-8', 'quoted-printable', 'Content-Type: text/plain; charset=koi8-r\r\n'),
  'text as the whole message, short': wholeText('Gr=C3=BC=C3=9Fe\r\n'),
  'text as the whole message, in base64': wholeText(`${b64Lines(Buffer.from('Gr\u00fc\u00dfe '.repeat(100)))}\r\n`, 'text/plain; charset=utf-8', 'base64'),
  // Larger than the decode buffer kept between bodies (64 KB at first), and than the most it keeps (1 MB).
  'HTML of 200 KB': alternative(htmlPart(Array.from({ length: 100 }, () => qpHtml).join('\r\n'))),
  'text as the whole message, 1.2 MB': wholeText(`${Array.from({ length: 600 }, () => qpText).join('\r\n')}\r\n`),
  'text and an attachment': `${head()}--outer\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${qpText}\r\n--outer\r\n${filePart(att)}--outer--\r\n`,
  'two text parts, no HTML': `${head()}--outer\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${qpText}\r\n--outer\r\n${textPart}--outer--\r\n`,
  'text as the last part of an unclosed multipart': `${head()}--outer\r\n${filePart(att)}--outer\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${qpText}\r\n`,
  'text alternative after a leading folded line': `${head('multipart/alternative; boundary="alt"')}--alt\r\n Content-Type: text/html\r\n${textPart}--alt\r\n${htmlPart(qpHtml)}--alt--\r\n`,
  // Bodies that decode to nothing: beside such HTML the text alternative is the body.
  'text beside an empty HTML part': alternative(htmlPart('', 'text/html; charset=utf-8', '7bit')),
  'text beside HTML of soft breaks only': alternative(htmlPart('=\r\n'.repeat(300))),
  'text beside HTML of bare CRs only': alternative(htmlPart('\r'.repeat(600), 'text/html; charset=utf-8', '8bit')),
  'text beside HTML of a UTF-8 BOM and soft breaks': alternative(htmlPart(`=EF=BB=BF${'=\r\n'.repeat(300)}`)),
  'text as the whole message, soft breaks only': wholeText('=\r\n'.repeat(300)),
  'text as the whole message, one blank line and CRs': wholeText(`${'\r'.repeat(600)}\r\n`, 'text/plain; charset=utf-8', '8bit'),
  'text as the whole message, two bytes after a BOM': wholeText(`=EF=BB=BF=C3=A9${'=\r\n'.repeat(300)}`),
  'HTML of two blank lines after soft breaks': alternative(htmlPart(`${'=\r\n'.repeat(300)}\r\n`)),
};

/**
 * For each [shape, expected]: whether `pick` finds a cut in the shape when the text beside HTML is
 * not wanted (expected), and that it never does when it is.
 */
function assertCutOnlyWhenAsked(cases: ReadonlyArray<[string, boolean]>, pick: (cut: CutMessage | undefined) => unknown): void {
  for (const [name, expected] of cases) {
    const raw = Buffer.from(ODD[name]!, 'latin1');
    assert.equal(pick(cutParts(raw, { skipTextBesideHtml: true })) !== undefined, expected, name);
    assert.equal(pick(cutParts(raw)), undefined, `${name}: not asked`);
  }
}

/**
 * For each [shape, cut]: that postal-mime reads a cut body back as exactly its marker line (so the
 * parse takes the cut rather than parsing again), but in the shapes the parse is to refuse.
 */
async function assertCutAccepted(cases: ReadonlyArray<[string, boolean]>, refused: readonly string[] = []): Promise<void> {
  for (const [name, expected] of cases) {
    if (!expected || refused.includes(name)) continue;
    const cut = cutParts(Buffer.from(ODD[name]!, 'latin1'), { skipTextBesideHtml: true })!;
    const email = await PostalMime.parse(cut.raw);
    assert.equal(email[cut.body!.source.type], `${cut.body!.marker}\n`, name);
  }
}

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
    // Each alone in its memory, which a MIME thread can then hand over rather than copy.
    assert.ok(m.attachments.every((a) => a.content.byteOffset === 0 && a.content.byteLength === a.content.buffer.byteLength));
  });

  it('leaves out the text alternative beside HTML, when asked, and only then', async () => {
    const cases: Array<[string, boolean]> = [
      ['alternative, quoted-printable text and HTML', true],
      ['alternative, base64 text, HTML first', true],
      ['alternative of text and related HTML with an image', true],
      ['alternative of two texts, no HTML', false],
      ['plain mixed', false],
    ];
    assertCutOnlyWhenAsked(cases, (cut) => cut?.textMarker);
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

  it('decodes the HTML body itself, when asked, in the shapes postal-mime reads the same way', async () => {
    const cases: Array<[string, boolean]> = [
      ['HTML in quoted-printable with soft breaks, odd escapes and line ends', true],
      ['HTML in Latin-1', true],
      ['HTML in windows-1252, 8bit', true],
      ['HTML in UTF-8, 8bit, no charset', true],
      ['HTML in 7bit, LF line ends', true],
      ['HTML marked inline', true],
      ['HTML-only message with an attachment', true],
      ['HTML and a text footer part', true],
      ['HTML in a charset left to postal-mime', false],
      ['HTML with format=flowed', false],
      ['HTML with the charset twice', false],
      ['HTML in base64', false],
      ['HTML as an attachment beside the text', false],
      ['HTML with two Content-Type headers', false],
      ['HTML after a leading folded line', false],
      ['two HTML parts', false],
      ['HTML holding a delimiter of the outer multipart', false],
      ['HTML as the last part of an unclosed multipart', false],
      ['HTML as the whole message', true],
      ['HTML holding a delimiter of its own multipart with a suffix', true],
      ['HTML of 200 KB', true],
    ];
    assertCutOnlyWhenAsked(cases, (cut) => (cut?.body?.source.type === 'html' ? cut.body : undefined));
    await assertCutAccepted(cases, ['HTML and a text footer part']);
    const m = await parseMime(Buffer.from(ODD['HTML in Latin-1']!, 'latin1'), { textBesideHtml: false });
    assert.ok(m.html?.startsWith('<p class="x">Grüße 0 and more words for the line to wrap</p>\n'), m.html?.slice(0, 80));
    // A text part beside the cut HTML that postal-mime would render into the HTML body: the cut is refused and the parse is right.
    const footer = await parseMime(Buffer.from(ODD['HTML and a text footer part']!, 'latin1'), { textBesideHtml: false });
    assert.match(footer.html ?? '', /-- footer/);
  });

  it('decodes the text body itself, when there is no HTML, in the shapes postal-mime reads the same way', async () => {
    const cases: Array<[string, boolean]> = [
      ['text as the whole message', true],
      ['text as the whole message, no final line break', true],
      ['text as the whole message, ending in a soft break', true],
      ['text as the whole message, ending in blank lines and bare CRs', true],
      ['text as the whole message, odd escapes', true],
      ['text as the whole message, LF line ends', true],
      ['text as the whole message, Latin-1 8bit', true],
      ['text as the whole message, 7bit, no charset', true],
      ['text and an attachment', true],
      ['text as the whole message, 1.2 MB', true],
      ['text as the whole message, format=flowed', false],
      ['text as the whole message, in a charset left to postal-mime', false],
      ['text as the whole message, as an attachment', false],
      ['text as the whole message, with two Content-Type headers', false],
      ['text as the whole message, short', false],
      ['text as the whole message, in base64', false],
      ['two text parts, no HTML', false],
      ['text as the last part of an unclosed multipart', false],
      ['alternative of two texts, no HTML', false],
    ];
    assertCutOnlyWhenAsked(cases, (cut) => (cut?.body?.source.type === 'text' ? cut.body : undefined));
    await assertCutAccepted(cases);
    const m = await parseMime(Buffer.from(ODD['text as the whole message, no final line break']!, 'latin1'), { textBesideHtml: false });
    assert.ok(m.text?.startsWith('Grüße 0, café and more words for the line to wrap\nGrüße 1,'), m.text?.slice(0, 80));
    assert.equal(m.html, undefined);
    const withFile = await parseMime(Buffer.from(ODD['text and an attachment']!, 'latin1'), { textBesideHtml: false });
    assert.ok(withFile.text?.startsWith('Grüße 0'), withFile.text?.slice(0, 40));
    assert.deepEqual(withFile.attachments[0]?.content, att);
  });

  it('leaves out a text alternative with a signature line, but not one it may read differently from postal-mime', () => {
    const raw = Buffer.from(ODD['text alternative with a signature']!, 'latin1');
    assert.ok(cutParts(raw, { skipTextBesideHtml: true })?.textMarker);
    const outer = Buffer.from(ODD['text alternative holding a delimiter of the outer multipart']!, 'latin1');
    assert.equal(cutParts(outer, { skipTextBesideHtml: true })?.textMarker, undefined, 'a text part postal-mime would end early is left as it is');
    const folded = Buffer.from(ODD['text alternative after a leading folded line']!, 'latin1');
    assert.equal(cutParts(folded, { skipTextBesideHtml: true })?.textMarker, undefined, 'a header block the scan may misread is left as it is');
  });

  it('decodes quoted-printable and 8bit bodies exactly as postal-mime does (random bodies, HTML parts and whole text messages)', async () => {
    const alphabet = Buffer.from('=====AaFf09Zz \t\r<>"/\xe9\xc3\xa9\x80', 'latin1');
    for (let n = 0; n < 150; n++) {
      const noise = pseudoRandomBytes(900, 1000 + n);
      const lines: string[] = [];
      let line = '';
      for (const b of noise) {
        if (b % 23 === 0) {
          lines.push(line);
          line = '';
        } else line += String.fromCharCode(alphabet[b % alphabet.length]!);
      }
      lines.push(line);
      const body = `<p>${'filler '.repeat(80)}</p>\r\n${lines.join('\r\n')}`;
      const encoding = n % 3 === 2 ? '8bit' : 'quoted-printable';
      const charset = ['utf-8', 'iso-8859-1', 'windows-1252'][n % 3]!;
      const whole = n % 2 === 1;
      const label = `random body ${n} (${whole ? 'whole text message' : 'HTML part'}, ${encoding}, ${charset})`;
      const raw = Buffer.from(whole ? wholeText(body, `text/plain; charset=${charset}`, encoding) : alternative(htmlPart(body, `text/html; charset=${charset}`, encoding)), 'latin1');
      const cut = cutParts(raw, { skipTextBesideHtml: true })?.body;
      assert.ok(cut, `${label} was cut`);
      // The decoded text itself, against postal-mime's reading of the original part.
      const reference = await PostalMime.parse(raw);
      const { start, end, quotedPrintable } = cut.source;
      assert.equal(decodeTextBody(raw, start, end, quotedPrintable, cut.source.charset), whole ? reference.text : reference.html, label);
      await assertSameParse(raw, label);
    }
  });

  it('tells a body that decodes to nothing without decoding it (random short bodies)', () => {
    // Bytes that make nothing (line ends, soft breaks, a BOM) mixed with a few that make text.
    const alphabet = ['=', '\r', '\n', '=\r\n', '=EF=BB=BF', '\xef\xbb\xbf', 'a', '=C3=A9', '\xc3', '\xa9', '=4', '=ZZ', ' '];
    let seed = 11;
    const next = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    let nothing = 0;
    for (let n = 0; n < 4000; n++) {
      const pieces = Array.from({ length: next(9) }, () => alphabet[next(next(3) === 0 ? alphabet.length : 5)]!);
      const raw = Buffer.from(`xx${pieces.join('')}yy`, 'latin1');
      const qp = next(2) === 0;
      const charset = ['utf-8', 'iso-8859-1', undefined][next(3)];
      const expected = finishBody(decodeTextBody(raw, 2, raw.length - 2, qp, charset)) === undefined;
      assert.equal(decodesToNothing(raw, 2, raw.length - 2, qp, charset), expected, JSON.stringify({ body: pieces.join(''), qp, charset }));
      if (expected) nothing++;
    }
    assert.ok(nothing > 400, `only ${nothing} bodies that decode to nothing`);
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
    let htmlDecoded = 0;
    let textDecoded = 0;
    for (const m of corpus.messages) {
      if (cutParts(m.raw)) cut++;
      const skipping = cutParts(m.raw, { skipTextBesideHtml: true });
      if (skipping?.textMarker) textSkipped++;
      if (skipping?.body?.source.type === 'html') htmlDecoded++;
      if (skipping?.body?.source.type === 'text') textDecoded++;
      await assertSameParse(m.raw, `corpus message ${m.index}`);
    }
    assert.ok(cut >= 10, `only ${cut} corpus messages took the native path`);
    assert.ok(textSkipped >= 60, `only ${textSkipped} corpus messages had their text alternative left out`);
    assert.ok(htmlDecoded >= 60, `only ${htmlDecoded} corpus messages had their HTML decoded natively`);
    assert.ok(textDecoded >= 20, `only ${textDecoded} corpus messages had their text body decoded natively`);
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
