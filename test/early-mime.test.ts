import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startItemMime, takeStartedMime } from '../src/ews/items/early-mime.js';
import { itemFromMimeContent } from '../src/ews/items/item-mime.js';
import type { XmlElement } from '../src/soap/xml-element.js';
import { XmlStreamParser } from '../src/soap/xml-parser.js';
import { base64Lines, pseudoRandomBytes } from './support/bytes.js';
import { getItems, idOf } from './support/items.js';
import { fault } from './support/fault.js';
import { envelope, messages, outcomes, post, postRaw } from './support/soap.js';
import { useTestServer } from './support/server.js';

/** A message with a file attachment of `bytes` pseudo-random bytes. */
function mimeWithFile(subject: string, bytes: number, seed: number): Buffer {
  return Buffer.from(
    [
      'From: Sender <sender@example.com>', 'To: alice@example.com', `Subject: ${subject}`, `Message-ID: <${seed}@early.example>`,
      'Date: Thu, 03 Dec 2026 10:00:00 +0000', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="BB"', '',
      '--BB', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: quoted-printable', '', `Body of ${subject} =E2=9C=93`, '--BB',
      'Content-Type: application/octet-stream; name="f.bin"', 'Content-Disposition: attachment; filename="f.bin"', 'Content-Transfer-Encoding: base64', '',
      base64Lines(pseudoRandomBytes(bytes, seed)), '--BB--', '',
    ].join('\r\n'),
  );
}

/** MIME that postal-mime refuses (a 3 MB header): the item fails with ErrorMimeContentConversionFailed. */
const UNREADABLE = Buffer.from(`X-Huge: ${'a'.repeat(3 * 1024 * 1024)}\r\n\r\nbody`);

const message = (mime: Buffer | string) => `<t:Message><t:MimeContent CharacterSet="UTF-8">${typeof mime === 'string' ? mime : mime.toString('base64')}</t:MimeContent></t:Message>`;

function createItemXml(items: string[]): string {
  return `<m:CreateItem MessageDisposition="SaveOnly"><m:SavedItemFolderId><t:DistinguishedFolderId Id="inbox"/></m:SavedItemFolderId><m:Items>${items.join('')}</m:Items></m:CreateItem>`;
}

/** Parses `doc` in 1000-character pieces with startItemMime listening, as the request reader does. */
function parseListening(doc: string): XmlElement {
  const parser = new XmlStreamParser(undefined, startItemMime);
  for (let i = 0; i < doc.length; i += 1000) parser.write(doc.slice(i, i + 1000));
  return parser.close();
}

function mimeContents(el: XmlElement, out: XmlElement[] = []): XmlElement[] {
  if (el.name === 'MimeContent') out.push(el);
  for (const c of el.children) mimeContents(c, out);
  return out;
}

describe('CreateItem MIME parsed while the request is read (early-mime.ts)', () => {
  it('starts on the MimeContent of each item in m:Items, and nowhere else', async () => {
    const good = mimeWithFile('early', 2000, 1);
    const nested = `<t:Message><t:Subject>outer</t:Subject><t:Attachments><t:ItemAttachment><t:Name>inner</t:Name>${message(good)}</t:ItemAttachment></t:Attachments></t:Message>`;
    const doc = envelope(createItemXml([message(good), message('not base64 @@'), nested, `<t:Item>${message(good).slice('<t:Message>'.length, -'</t:Message>'.length)}</t:Item>`]));
    const [first, invalid, inner, asItem] = mimeContents(parseListening(doc));

    const started = takeStartedMime(first!);
    assert.ok(started, 'the first item was started');
    assert.deepEqual(started.mime, good);
    assert.deepEqual(await started.item, await itemFromMimeContent(good));
    assert.equal(takeStartedMime(first!), undefined, 'handed over once');
    assert.equal(takeStartedMime(invalid!), undefined, 'text that is not base64 is left to parseNewItem');
    assert.equal(takeStartedMime(inner!), undefined, 'a message inside an item attachment is parsed at its own depth');
    assert.ok(takeStartedMime(asItem!), 't:Item counts as an item too');

    const update = envelope(
      `<m:UpdateItem ConflictResolution="AlwaysOverwrite"><m:ItemChanges><t:ItemChange><t:ItemId Id="x"/><t:Updates><t:SetItemField><t:FieldURI FieldURI="item:MimeContent"/>${message(good)}</t:SetItemField></t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>`,
    );
    assert.equal(takeStartedMime(mimeContents(parseListening(update))[0]!), undefined, 'not in other operations');
  });

  describe('over HTTP', () => {
    const env = useTestServer('alice');

    it('gives each item of a large CreateItem its own outcome, in order, and stores the MIME as sent', async () => {
      // Over 512 KB, so the request is read as a stream and the parses start early.
      const a = mimeWithFile('first', 300_000, 2);
      const b = mimeWithFile('second', 200_000, 3);
      const reply = await post(env.server.url, env.users.alice, createItemXml([message(a), message('@@@@'), message(UNREADABLE), message(b)]));
      assert.deepEqual(outcomes(reply.body), [
        ['Success', 'NoError'],
        ['Error', 'ErrorMimeContentInvalidBase64String'],
        ['Error', 'ErrorMimeContentConversionFailed'],
        ['Success', 'NoError'],
      ]);
      const ids = [0, 3].map((i) => idOf(messages(reply.body)[i]!.child('Items')!.children[0]!));
      const { items } = await getItems(env.server.url, env.users.alice, ids, '<t:BaseShape>IdOnly</t:BaseShape><t:IncludeMimeContent>true</t:IncludeMimeContent><t:AdditionalProperties><t:FieldURI FieldURI="item:Subject"/><t:FieldURI FieldURI="item:Attachments"/></t:AdditionalProperties>');
      assert.deepEqual(items.map((i) => i!.childText('Subject')), ['first', 'second']);
      assert.deepEqual(items.map((i) => Buffer.from(i!.childText('MimeContent')!, 'base64')), [a, b]);
      assert.deepEqual(items.map((i) => i!.child('Attachments')!.children[0]!.childText('Size')), ['300000', '200000']);
    });

    it('answers a request that breaks after its MIME with a fault, and goes on serving', async () => {
      // The early parse of the unreadable MIME fails, and nobody takes it: no unhandled rejection.
      const broken = envelope(createItemXml([message(UNREADABLE), message(mimeWithFile('x', 600_000, 4))])).replace('</soap:Envelope>', '<oops></soap:Envelope>');
      const f = fault(await postRaw(env.server.url, env.users.alice, broken));
      assert.equal(f.responseCode, 'ErrorSchemaValidation');
      await new Promise((resolve) => setTimeout(resolve, 200));
      const again = await post(env.server.url, env.users.alice, createItemXml([message(mimeWithFile('after', 1000, 5))]));
      assert.deepEqual(outcomes(again.body), [['Success', 'NoError']]);
    });
  });
});
