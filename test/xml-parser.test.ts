import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NS } from '../src/soap/namespaces.js';
import type { XmlElement } from '../src/soap/xml-element.js';
import { decodedBase64, parseXml, XmlParseError, XmlStreamParser } from '../src/soap/xml-parser.js';

/** A prefix-free rendering of a tree: what the rest of ewsd can see of a request. */
function canonical(el: XmlElement): string {
  const attrs = Object.entries(el.attrs)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => ` ${k}=${JSON.stringify(v)}`)
    .join('');
  const text = el.text.trim() ? JSON.stringify(el.text.trim()) : '';
  return `{${el.ns}}${el.name}${attrs}(${text}${el.children.map(canonical).join('')})`;
}

function parseError(xml: string, limits?: Parameters<typeof parseXml>[1]): XmlParseError {
  try {
    parseXml(xml, limits);
  } catch (err) {
    assert.ok(err instanceof XmlParseError, `expected XmlParseError, got ${String(err)}`);
    return err;
  }
  assert.fail('the document was accepted');
}

const LIMITS = { maxDepth: 5, maxElements: 10, maxAttributes: 3 };

describe('XML parser: hostile input', () => {
  it('refuses a DTD, so a billion-laughs bomb never expands', () => {
    const bomb =
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">' +
      '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><lolz>&lol3;</lolz>';
    assert.match(parseError(bomb).message, /DTD/);
  });

  it('refuses an external entity (XXE) and never reads the file', () => {
    const xxe = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/hostname">]><r>&x;</r>';
    const err = parseError(xxe);
    assert.match(err.message, /DTD/);
    assert.equal(err.line, 1);
  });

  it('refuses an undefined entity', () => {
    assert.match(parseError('<r>&nope;</r>').message, /nope|entity/i);
  });

  it('understands the predefined entities and character references', () => {
    assert.equal(parseXml('<r>&lt;&amp;&gt;&quot;&apos;&#233;&#x1F600;</r>').text, '<&>"\'é😀');
  });

  it('bounds the nesting depth', () => {
    assert.doesNotThrow(() => parseXml('<a><a><a><a><a/></a></a></a></a>', LIMITS));
    assert.match(parseError('<a><a><a><a><a><a/></a></a></a></a></a>', LIMITS).message, /deeper than 5/);
  });

  it('bounds the attributes of one element (namespace declarations do not count)', () => {
    assert.doesNotThrow(() => parseXml('<a xmlns="urn:x" xmlns:p="urn:p" a="1" b="2" c="3"/>', LIMITS));
    assert.match(parseError('<a a="1" b="2" c="3" d="4"/>', LIMITS).message, /more than 3 attributes/);
  });

  it('bounds the number of elements', () => {
    assert.doesNotThrow(() => parseXml(`<a>${'<b/>'.repeat(9)}</a>`, LIMITS));
    assert.match(parseError(`<a>${'<b/>'.repeat(10)}</a>`, LIMITS).message, /more than 10 elements/);
  });

  it('reports where a document breaks', () => {
    const err = parseError('<a>\n<b>\n</a>');
    assert.equal(err.line, 3);
  });

  it('refuses an empty document and trailing garbage', () => {
    assert.ok(parseError(''));
    assert.ok(parseError('<a/><b/>'));
  });
});

describe('XML parser: namespaces', () => {
  it('builds the same tree whatever the prefixes', () => {
    // exchangelib style: soap/m/t prefixes.
    const a = `<soap:Envelope xmlns:soap="${NS.soap}" xmlns:m="${NS.messages}" xmlns:t="${NS.types}"><soap:Body>
      <m:GetFolder><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape>
      <m:FolderIds><t:DistinguishedFolderId Id="inbox"/></m:FolderIds></m:GetFolder></soap:Body></soap:Envelope>`;
    // ews-javascript-api style: S prefix, messages as the default namespace, types prefixed.
    const b = `<S:Envelope xmlns:S="${NS.soap}"><S:Body>
      <GetFolder xmlns="${NS.messages}" xmlns:t="${NS.types}"><FolderShape><t:BaseShape>Default</t:BaseShape></FolderShape>
      <FolderIds><t:DistinguishedFolderId Id="inbox"/></FolderIds></GetFolder></S:Body></S:Envelope>`;
    // Evolution style: SOAP-ENV, messages: prefix, types as the default namespace.
    const c = `<SOAP-ENV:Envelope xmlns:SOAP-ENV="${NS.soap}" xmlns:messages="${NS.messages}"><SOAP-ENV:Body>
      <messages:GetFolder xmlns="${NS.types}"><messages:FolderShape><BaseShape>Default</BaseShape></messages:FolderShape>
      <messages:FolderIds><DistinguishedFolderId Id="inbox"/></messages:FolderIds></messages:GetFolder></SOAP-ENV:Body></SOAP-ENV:Envelope>`;
    const trees = [a, b, c].map((x) => canonical(parseXml(x)));
    assert.equal(trees[1], trees[0]);
    assert.equal(trees[2], trees[0]);
    const root = parseXml(c);
    const getFolder = root.child('Body', NS.soap)!.children[0]!;
    assert.equal(getFolder.ns, NS.messages);
    assert.equal(getFolder.child('FolderIds')!.child('DistinguishedFolderId')!.ns, NS.types);
  });

  it('reads the https:// spellings as the real namespaces, the envelope included', () => {
    const https = `<soap:Envelope xmlns:soap="https://schemas.xmlsoap.org/soap/envelope/"
        xmlns:m="https://schemas.microsoft.com/exchange/services/2006/messages"
        xmlns:t="https://schemas.microsoft.com/exchange/services/2006/types"><soap:Body>
      <m:GetFolder><m:FolderIds><t:FolderId Id="x" t:Extra="1"/></m:FolderIds></m:GetFolder></soap:Body></soap:Envelope>`;
    const http = https.replaceAll('https://', 'http://');
    assert.equal(canonical(parseXml(https)), canonical(parseXml(http)));
    const root = parseXml(https);
    assert.equal(root.ns, NS.soap);
    const id = root.child('Body', NS.soap)!.children[0]!.child('FolderIds')!.child('FolderId')!;
    assert.equal(id.ns, NS.types);
    assert.equal(id.attrs[`{${NS.types}}Extra`], '1');
  });

  it('keys qualified attributes by namespace and reads xsi:type without its prefix', () => {
    const el = parseXml(`<a xmlns:x="${NS.xsi}" xmlns:q="${NS.types}" x:type="q:PathToUnindexedFieldType" Plain="p"/>`);
    assert.equal(el.xsiType, 'PathToUnindexedFieldType');
    assert.equal(el.attr('Plain'), 'p');
  });

  it('refuses an undeclared prefix', () => {
    assert.ok(parseError('<m:GetFolder/>'));
  });
});

describe('XML parser: streaming', () => {
  it('gives the same tree for a document fed in any split, UTF-8 characters split across chunks', () => {
    const doc = `<?xml version="1.0" encoding="utf-8"?><r xmlns="${NS.types}" a="é€😀"><s>Grüße, 世界 😀</s><![CDATA[<raw> & 😀]]></r>`;
    const bytes = Buffer.from(doc, 'utf8');
    const whole = canonical(parseXml(doc));
    for (let size = 1; size <= 7; size++) {
      const parser = new XmlStreamParser();
      const decoder = new TextDecoder('utf-8', { fatal: true });
      for (let i = 0; i < bytes.length; i += size) parser.write(decoder.decode(bytes.subarray(i, i + size), { stream: true }));
      parser.write(decoder.decode());
      assert.equal(canonical(parser.close()), whole, `chunks of ${size} bytes`);
    }
    assert.equal(parseXml(doc).child('s', NS.types)!.text, 'Grüße, 世界 😀');
  });

  it('keeps text split across several text events', () => {
    const parser = new XmlStreamParser();
    for (const part of ['<r>ab', 'c&am', 'p;d', 'ef</r>']) parser.write(part);
    assert.equal(parser.close().text, 'abc&def');
  });
});

describe('XML parser: element end listener', () => {
  it('tells each element as its end tag is read, text complete, with the open elements around it', () => {
    const b64 = Buffer.from(Array.from({ length: 3000 }, (_, i) => i & 255)).toString('base64');
    const doc = `<r xmlns="${NS.types}"><a><b>${b64}</b><c/></a><d>x&amp;y</d></r>`;
    const heard: string[] = [];
    const parser = new XmlStreamParser(undefined, (el, ancestors) => {
      heard.push(`${ancestors.map((a) => a.name).join('/')}/${el.name}:${el.text.length}`);
      // Told at its end tag: nothing after it has been read yet.
      if (el.name === 'b') assert.equal(ancestors[1]!.children.length, 1);
    });
    for (let i = 0; i < doc.length; i += 500) parser.write(doc.slice(i, i + 500));
    parser.close();
    assert.deepEqual(heard, [`r/a/b:${b64.length}`, 'r/a/c:0', 'r/a:0', 'r/d:3', '/r:0']);
  });
});

describe('XML parser: bulk text runs (base64 taken past saxes)', () => {
  const b64 = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7919) % 256)).toString('base64');

  /** Every split of the document into two chunks, and chunks of a few sizes, give the same tree. */
  function sameInEverySplit(doc: string): XmlElement {
    const whole = parseXml(doc);
    const expected = canonical(whole);
    const cuts = new Set<number>([1, 2, 3, 255, 256, 257, doc.length - 1]);
    for (let i = 0; i < doc.length; i += 97) cuts.add(i);
    for (const cut of cuts) {
      const parser = new XmlStreamParser();
      parser.write(doc.slice(0, cut));
      parser.write(doc.slice(cut));
      assert.equal(canonical(parser.close()), expected, `split at ${cut}`);
    }
    for (const size of [1, 13, 300, 4096]) {
      const parser = new XmlStreamParser();
      for (let i = 0; i < doc.length; i += size) parser.write(doc.slice(i, i + size));
      assert.equal(canonical(parser.close()), expected, `chunks of ${size}`);
    }
    return whole;
  }

  it('gives a MimeContent its base64 text exactly, with entity-bearing text around it', () => {
    const doc = `<m:CreateItem xmlns:m="${NS.messages}" xmlns:t="${NS.types}"><m:Items><t:Message>` +
      `<t:MimeContent CharacterSet="UTF-8">${b64}</t:MimeContent><t:Subject>a &amp; b</t:Subject>` +
      `<t:Body BodyType="Text">${b64}&amp;${b64}\r\nend</t:Body></t:Message></m:Items></m:CreateItem>`;
    const root = sameInEverySplit(doc);
    const message = root.child('Items')!.child('Message')!;
    assert.equal(message.child('MimeContent')!.text, b64);
    assert.equal(message.child('MimeContent')!.attr('CharacterSet'), 'UTF-8');
    assert.equal(message.child('Subject')!.text, 'a & b');
    assert.equal(message.child('Body')!.text, `${b64}&${b64}\nend`);
  });

  it('never takes a run that is not element text: attribute values, comments, CDATA, after an end tag', () => {
    const doc = `<r xmlns="${NS.types}"><a x="${'>'}${b64}"/>` +
      `<!-- > ${b64} --><b><!-- x -->${b64}</b><c><![CDATA[ > ${b64}]]></c><d><e/>${b64}</d><?pi > ${b64}?></r>`;
    const root = sameInEverySplit(doc);
    assert.equal(root.child('a', NS.types)!.attr('x'), `>${b64}`);
    assert.equal(root.text, '');
    assert.equal(root.child('b', NS.types)!.text, b64);
    assert.equal(root.child('c', NS.types)!.text, ` > ${b64}`);
    assert.equal(root.child('d', NS.types)!.text, b64);
  });

  it('still reports errors after a run, at the right line and column', () => {
    const err = parseError(`<r>\n<a>${b64}</b></r>`);
    assert.equal(err.line, 2);
    assert.equal(err.column, 3 + b64.length + 4);
    const doc = `<r><a>${b64}`;
    assert.ok(parseError(doc), 'an unclosed element after a run is still an error');
    assert.ok(parseError(`<r><a>${b64}]]></a></r>`), "']]>' in text after a run is still refused");
  });

  /**
   * What decodedBase64 gives for each element named `name`, the same in every split of the
   * document (as sameInEverySplit cuts it); each element's text is checked too.
   */
  function decodedInEverySplit(doc: string, name: string): Array<Buffer | undefined> {
    const pick = (root: XmlElement) => root.all(name);
    const texts = pick(parseXml(doc)).map((el) => el.text);
    let seen: Array<Buffer | undefined> | undefined;
    const cuts = new Set<number>([1, 2, 3, 255, 256, 257, doc.length - 1]);
    for (let i = 0; i < doc.length; i += 97) cuts.add(i);
    const feeds: string[][] = [...cuts].map((cut) => [doc.slice(0, cut), doc.slice(cut)]);
    for (const size of [1, 13, 300, 4096]) feeds.push(Array.from({ length: Math.ceil(doc.length / size) }, (_, i) => doc.slice(i * size, (i + 1) * size)));
    for (const pieces of feeds) {
      const parser = new XmlStreamParser();
      for (const p of pieces) parser.write(p);
      const els = pick(parser.close());
      const where = `fed as ${pieces.length} pieces, first ${pieces[0]!.length}`;
      assert.deepEqual(els.map((el) => el.text), texts, where);
      const decoded = els.map((el) => decodedBase64(el));
      // Whatever the split, the bytes are the text's, or nothing (never other bytes).
      decoded.forEach((d, i) => d && assert.ok(d.equals(Buffer.from(texts[i]!, 'base64')), `${where}: element ${i}`));
      if (pieces.length === 2 && pieces[0]!.length > 300) seen ??= decoded;
    }
    return seen ?? [];
  }

  it('decodes plain base64 text as it streams, and only that', () => {
    const padded = Buffer.from(Array.from({ length: 3001 }, (_, i) => (i * 31) % 256)).toString('base64');
    assert.ok(padded.endsWith('=='));
    const texts = [
      b64, // plain
      padded, // padding at the end
      `${padded}${b64}`, // padding inside
      `${b64}Q`, // not whole quads
      b64.replace(/\+/g, '-'), // base64url
      `${b64.slice(0, 500)}\n${b64.slice(500)}`, // wrapped
      `${b64}&amp;`, // a reference
    ];
    const doc = `<r xmlns="${NS.types}">${texts.map((t) => `<c>${t}</c>`).join('')}<c>  ${b64}</c><c>${b64}<x/>${b64}</c></r>`;
    const decoded = decodedInEverySplit(doc, 'c');
    assert.deepEqual(decoded.map((d) => d?.toString('base64')), [b64, padded, undefined, undefined, undefined, undefined, undefined, undefined, undefined]);
  });

  it('gives back the exact text of a run it decoded, read at any time, non-canonical padding included', () => {
    // 'QR==' decodes as 'QQ==' does ('A'): its unused bits are not zero, so encoding the bytes
    // again would not give the text back.
    const odd = `${b64.slice(0, 296)}QR==`;
    const texts = [b64, odd, `${odd}${b64}`, `${b64}QR`, `${odd} `, `${b64.slice(0, 500)}&lt;${b64}`];
    const doc = `<r xmlns="${NS.types}">${texts.map((t) => `<c>${t}</c>`).join('')}</r>`;
    const written = [b64, odd, `${odd}${b64}`, `${b64}QR`, `${odd} `, `${b64.slice(0, 500)}<${b64}`];
    assert.deepEqual(parseXml(doc).all('c').map((el) => el.text), written);
    decodedInEverySplit(doc, 'c'); // every split reads the same texts as one write
    // Read inside the end listener, and again after the document ends.
    const early: string[] = [];
    const parser = new XmlStreamParser(undefined, (el) => el.name === 'c' && early.push(el.text));
    for (let i = 0; i < doc.length; i += 1000) parser.write(doc.slice(i, i + 1000));
    assert.deepEqual(early, written);
    assert.deepEqual(parser.close().all('c').map((el) => el.text), written);
    assert.equal(decodedBase64(parseXml(doc).all('c')[1]!)?.toString('latin1'), Buffer.from(odd, 'base64').toString('latin1'));
  });

  it('hands the decoded bytes to the element end listener', () => {
    const doc = `<r xmlns="${NS.types}"><c>${b64}</c></r>`;
    let heard: Buffer | undefined;
    const parser = new XmlStreamParser(undefined, (el) => {
      if (el.name === 'c') heard = decodedBase64(el);
    });
    parser.write(doc.slice(0, 100));
    parser.write(doc.slice(100));
    parser.close();
    assert.equal(heard?.toString('base64'), b64);
  });
});
