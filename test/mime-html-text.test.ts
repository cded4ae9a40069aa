import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeEntities, htmlToText, textToHtml } from '../src/mime/html-text.js';

describe('htmlToText', () => {
  it('turns block elements and <br> into line breaks and collapses source whitespace', () => {
    assert.equal(
      htmlToText('<html><body>\n  <h1>Title</h1>\n<p>First   paragraph\nwraps here.</p><div>A div</div>line<br>break<br/>again</body></html>'),
      'Title\n\nFirst paragraph wraps here.\n\nA div\nline\nbreak\nagain',
    );
  });

  it('drops script, style, head and comments', () => {
    assert.equal(
      htmlToText('<head><title>T</title><style>p{color:red}</style></head><script>alert("<p>x</p>")</script><!-- note --><p>Kept</p>'),
      'Kept',
    );
  });

  it('decodes named, decimal and hex entities', () => {
    assert.equal(htmlToText('<p>caf&eacute; &amp; cr&#232;me &#x20AC;5 &lt;tag&gt; &quot;q&quot; &nbsp;x&hellip; &bogus;</p>'), 'café & crème €5 <tag> "q"  x… &bogus;');
    assert.equal(decodeEntities('&#0;&#x110000;&#55296;'), '\ufffd\ufffd\ufffd');
  });

  it('keeps <pre> text as it is, lists as bullets, table cells separated', () => {
    assert.equal(htmlToText('<pre>a  b\n  c</pre>'), 'a  b\n  c');
    assert.equal(htmlToText('<ul><li>one</li><li>two</li></ul>'), '* one\n* two');
    assert.equal(htmlToText('<table><tr><td>a</td><td>b</td></tr></table>'), 'a\tb');
  });

  it('uses the alt text of images', () => {
    assert.equal(htmlToText('<p>Logo: <img src="cid:x" alt="ACME &amp; Co"></p>'), 'Logo: ACME & Co');
  });

  it('survives broken markup and stays fast on pathological input', () => {
    assert.equal(htmlToText('a < b and c > d <p unterminated'), 'a < b and c > d <p unterminated');
    assert.equal(htmlToText(''), '');
    const nasty = '<a '.repeat(200_000) + '"'.repeat(1000) + '<!--'.repeat(10_000);
    const started = process.hrtime.bigint();
    htmlToText(nasty);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    assert.ok(ms < 5000, `took ${ms} ms`);
  });
});

describe('textToHtml', () => {
  it('escapes, turns line breaks into <br> and wraps in the minimal document Exchange writes', () => {
    assert.equal(
      textToHtml('a < b & "c"\r\nsecond line'),
      '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head><body>' +
        'a &lt; b &amp; &quot;c&quot;<br>\r\nsecond line</body></html>',
    );
  });

  it('keeps runs of spaces visible', () => {
    assert.match(textToHtml('a   b'), /<body>a &nbsp; b<\/body>/);
  });

  it('round-trips through htmlToText, indentation included', () => {
    assert.equal(htmlToText(textToHtml('  first line indented')), '  first line indented');
    const text = 'Dear Bob,\n\nThe <total> is 5 € & counting.\n    indented  twice\nBye';
    assert.equal(htmlToText(textToHtml(text)), text);
  });
});
