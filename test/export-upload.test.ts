import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeItemStream, ItemStreamError } from '../src/export/item-stream.js';
import { PropertyStreamReader } from '../src/export/property-stream.js';
import { startTestServer, type TestServer, type TestUser } from './support/server.js';
import { messages, outcomes, post, postRaw, SEEDS } from './support/soap.js';
import { createItems, getItems, message, type ItemIdPair } from './support/items.js';
import { comparableItems, exportData, folderId, upload } from './support/export.js';
import { corpusMessages } from './support/export-corpus.js';

const FULL_SHAPE = `<t:BaseShape>AllProperties</t:BaseShape><t:IncludeMimeContent>true</t:IncludeMimeContent>
  <t:AdditionalProperties><t:FieldURI FieldURI="item:Attachments"/><t:FieldURI FieldURI="message:ReplyTo"/><t:FieldURI FieldURI="item:InternetMessageHeaders"/>
  <t:FieldURI FieldURI="message:InternetMessageId"/><t:FieldURI FieldURI="message:References"/><t:FieldURI FieldURI="item:InReplyTo"/>
  <t:FieldURI FieldURI="message:BccRecipients"/><t:FieldURI FieldURI="item:Categories"/><t:FieldURI FieldURI="item:DateTimeCreated"/>
  <t:FieldURI FieldURI="item:LastModifiedTime"/><t:FieldURI FieldURI="item:Size"/>
  <t:ExtendedFieldURI PropertyTag="0x1090" PropertyType="Integer"/><t:ExtendedFieldURI PropertyTag="0x3ffd" PropertyType="String"/>
  <t:ExtendedFieldURI DistinguishedPropertySetId="PublicStrings" PropertyName="ewsd-test" PropertyType="String"/>
  <t:ExtendedFieldURI PropertySetId="c11ff724-aa03-4555-9952-8fa248a11c3e" PropertyName="list" PropertyType="StringArray"/>
  <t:ExtendedFieldURI PropertySetId="c11ff724-aa03-4555-9952-8fa248a11c3e" PropertyId="7" PropertyType="Long"/>
  </t:AdditionalProperties>`;

describe('ExportItems: the seed and per-item errors', () => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  before(async () => {
    server = await startTestServer();
    alice = await server.addUser('alice@example.com');
    bob = await server.addUser('bob@example.com');
    carol = await server.addUser('carol@example.com');
  });
  after(() => server.stop());

  it('replays the seed request: success, wrong ChangeKey, mailbox of a removed user (as the seed response)', async () => {
    const [a1, a2] = await createItems(server.url, alice, [message('one'), message('two')]);
    const [b1] = await createItems(server.url, bob, [message('bob')]);
    const bobGuid = Buffer.from(b1!.id, 'base64').subarray(2, 18).toString('hex').replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-');
    assert.equal(await server.store.removeAccount('bob@example.com'), true);
    const wrongKey = Buffer.from('I\0\0\0\0\0\0\0\x01', 'latin1').toString('base64');
    const ids = [`Id="${a1!.id}"`, `Id="${a2!.id}" ChangeKey="${wrongKey}"`, `Id="${b1!.id}"`];
    let i = 0;
    const request = readFileSync(join(SEEDS, 'ExportItems.request.xml'), 'utf8').replace(/Id="[^"]*"/g, () => ids[i++]!);
    const reply = await postRaw(server.url, alice, request);
    assert.equal(reply.status, 200);
    const seed = readFileSync(join(SEEDS, 'ExportItems.response-errors.xml'), 'utf8');
    const seedCodes = [...seed.matchAll(/<m:ResponseCode>(\w+)<\/m:ResponseCode>/g)].map((m) => m[1]);
    assert.deepEqual(outcomes(reply.body).map((o) => o[1]), seedCodes);
    const msgs = messages(reply.body);
    assert.equal(msgs[0]!.child('ItemId')!.attr('Id'), a1!.id);
    assert.equal(msgs[0]!.child('ItemId')!.attr('ChangeKey'), a1!.changeKey);
    assert.equal(decodeItemStream(Buffer.from(msgs[0]!.childText('Data')!, 'base64')).properties.getString(0x0037), 'one');
    const seedTexts = [...seed.matchAll(/<m:MessageText>([^<]*)<\/m:MessageText>/g)].map((m) => m[1]);
    assert.deepEqual([msgs[1]!.childText('MessageText'), msgs[2]!.childText('MessageText')], seedTexts);
    const value = msgs[2]!.child('MessageXml')!.child('Value')!;
    assert.equal(value.attr('Name'), 'MailboxGuid');
    assert.equal(value.text, bobGuid);
  });

  it('garbled id, deleted item, another user\'s item, current ChangeKey', async () => {
    const [a1, a2] = await createItems(server.url, alice, [message('keep'), message('gone')]);
    const [c1] = await createItems(server.url, carol, [message('carol')]);
    await post(server.url, alice, `<m:DeleteItem DeleteType="HardDelete"><m:ItemIds><t:ItemId Id="${a2!.id}"/></m:ItemIds></m:DeleteItem>`);
    const reply = await post(
      server.url,
      alice,
      `<m:ExportItems><m:ItemIds><t:ItemId Id="garbled!"/><t:ItemId Id="${a2!.id}"/><t:ItemId Id="${c1!.id}"/><t:ItemId Id="${a1!.id}" ChangeKey="${a1!.changeKey}"/></m:ItemIds></m:ExportItems>`,
    );
    assert.deepEqual(outcomes(reply.body), [
      ['Error', 'ErrorInvalidIdMalformed'],
      ['Error', 'ErrorItemNotFound'],
      ['Error', 'ErrorAccessDenied'],
      ['Success', 'NoError'],
    ]);
  });
});

describe('UploadItems and the export round trip', () => {
  let server: TestServer;
  let fresh: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  let originals: ItemIdPair[];
  let exported: Array<{ id: ItemIdPair; data: string }>;
  const HUGE = 20 * 1024 * 1024;
  before(async () => {
    server = await startTestServer();
    fresh = await startTestServer();
    alice = await server.addUser('alice@example.com');
    bob = await server.addUser('bob@example.com');
    await fresh.addUser('alice@example.com', alice.password);
    originals = await createItems(server.url, alice, corpusMessages({ hugeBytes: HUGE }));
    exported = await exportData(server.url, alice, originals);
  });
  after(async () => {
    await server.stop();
    await fresh.stop();
  });

  it('exports each item as an ewsd item stream; the huge one carries its 20 MB', () => {
    assert.equal(exported.length, originals.length);
    for (const e of exported) assert.equal(Buffer.from(e.data, 'base64').subarray(0, 4).toString(), 'EWSD');
    const huge = decodeItemStream(Buffer.from(exported.at(-1)!.data, 'base64'));
    assert.equal((huge.attachments[0]!.properties.get(0x3701) as { value: Buffer }).value.length, HUGE);
  });

  for (const target of ['another folder', 'a fresh data directory'] as const) {
    it(`round trip into ${target}: same data on re-export, same GetItem properties and MimeContent`, async () => {
      const srv = target === 'another folder' ? server : fresh;
      const folder = await folderId(srv.url, alice, target === 'another folder' ? 'inbox' : 'drafts');
      const up = await upload(srv.url, alice, exported.map((e) => ({ folder, data: e.data })));
      assert.deepEqual(up.outcomes, Array(exported.length).fill(['Success', 'NoError']));
      const copies = up.ids.map((x) => x!);
      for (const [k, c] of copies.entries()) assert.notEqual(c.id, originals[k]!.id);
      const again = await exportData(srv.url, alice, copies);
      again.forEach((e, k) => assert.ok(e.data === exported[k]!.data, `item ${k}: the re-exported data is identical`));
      const before = await getItems(server.url, alice, originals.slice(0, -1), FULL_SHAPE);
      const after = await getItems(srv.url, alice, copies.slice(0, -1), FULL_SHAPE);
      const [x, y] = [comparableItems(before.reply.text), comparableItems(after.reply.text)];
      assert.equal(x.length, originals.length - 1);
      x.forEach((orig, k) => assert.equal(y[k], orig, `item ${k}: GetItem of the copy`));
      // The item created from MIME gives back its original bytes, byte for byte.
      const mimeOf = (m: ReturnType<typeof messages>[number]) => m.child('Items')!.children[0]!.childText('MimeContent');
      assert.equal(mimeOf(messages(after.reply.body)[3]!), mimeOf(messages(before.reply.body)[3]!));
      assert.match(Buffer.from(mimeOf(messages(after.reply.body)[3]!)!, 'base64').toString(), /^From: =\?UTF-8\?B\?/);
    });
  }

  it('Update replaces the item in place; UpdateOrCreate creates when the id is elsewhere; Update of a missing item fails alone', async () => {
    const inbox = await folderId(server.url, alice, 'inbox');
    const drafts = await folderId(server.url, alice, 'drafts');
    const [target] = await createItems(server.url, alice, [message('to be replaced')], '<t:DistinguishedFolderId Id="inbox"/>');
    const [elsewhere] = await createItems(server.url, alice, [message('in drafts')]);
    const res = await upload(server.url, alice, [
      { folder: inbox, data: exported[1]!.data, action: 'Update', itemId: target! },
      { folder: inbox, data: exported[1]!.data, action: 'Update', itemId: elsewhere! },
      { folder: inbox, data: exported[2]!.data, action: 'UpdateOrCreate', itemId: elsewhere! },
      { folder: drafts, data: exported[2]!.data, action: 'UpdateOrCreate', itemId: elsewhere! },
    ]);
    assert.deepEqual(res.outcomes, [['Success', 'NoError'], ['Error', 'ErrorItemNotFound'], ['Success', 'NoError'], ['Success', 'NoError']]);
    assert.equal(messages(res.reply.body)[1]!.childText('MessageText'), 'The specified object was not found in the store.');
    assert.equal(res.ids[0]!.id, target!.id, 'Update keeps the id');
    assert.notEqual(res.ids[0]!.changeKey, target!.changeKey);
    assert.notEqual(res.ids[2]!.id, elsewhere!.id, 'UpdateOrCreate created a new item in inbox');
    assert.equal(res.ids[3]!.id, elsewhere!.id, 'UpdateOrCreate replaced the item in drafts');
    const { items } = await getItems(server.url, alice, [res.ids[0]!, res.ids[3]!], '<t:BaseShape>Default</t:BaseShape>');
    assert.deepEqual(items.map((i) => i!.childText('Subject')), ['html only', 'extended']);
  });

  it('corrupt, truncated, foreign and non-base64 data fail their item only, writing nothing', async () => {
    const inbox = await folderId(server.url, alice, 'inbox');
    const good = Buffer.from(exported[0]!.data, 'base64');
    const flipped = Buffer.from(good);
    flipped[flipped.length - 10] ^= 0xff;
    const countBefore = await inboxCount();
    const res = await upload(server.url, alice, [
      { folder: inbox, data: flipped.toString('base64') },
      { folder: inbox, data: good.subarray(0, good.length - 100).toString('base64') },
      { folder: inbox, data: exported[0]!.data },
      { folder: inbox, data: Buffer.from('%PDF-1.4 definitely not an item').toString('base64') },
      { folder: inbox, data: 'not base64 at all!' },
    ]);
    assert.deepEqual(res.outcomes.map((o) => o[1]), ['ErrorCorruptData', 'ErrorCorruptData', 'NoError', 'ErrorCorruptData', 'ErrorCorruptData']);
    const texts = messages(res.reply.body).map((m) => m.childText('MessageText') ?? '');
    assert.match(texts[0]!, /checksum/);
    assert.match(texts[1]!, /declares/);
    assert.match(texts[3]!, /not an item export stream/);
    assert.match(texts[4]!, /t:Data is not valid base64/);
    assert.equal(await inboxCount(), countBefore + 1);

    async function inboxCount(): Promise<number> {
      const r = await post(server.url, alice, `<m:GetFolder><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="inbox"/></m:FolderIds></m:GetFolder>`);
      return Number(messages(r.body)[0]!.child('Folders')!.children[0]!.childText('TotalCount'));
    }
  });

  it('uploading into another user\'s folder is ErrorAccessDenied; an unknown folder ErrorFolderNotFound', async () => {
    const bobInbox = await folderId(server.url, bob, 'inbox');
    const res = await upload(server.url, alice, [{ folder: bobInbox, data: exported[0]!.data }]);
    assert.deepEqual(res.outcomes, [['Error', 'ErrorAccessDenied']]);
    const own = await upload(server.url, bob, [{ folder: bobInbox, data: exported[0]!.data }]);
    assert.deepEqual(own.outcomes, [['Success', 'NoError']], 'the owner may upload another user\'s export into their own mailbox');
  });

  it('Exchange-written Data (the seed\'s third sample, re-framed where the docs cut it) uploads; what ewsd does not map comes back on export', async () => {
    const xml = readFileSync(join(SEEDS, 'ExportItems.response-success.xml'), 'utf8');
    const third = Buffer.from([...xml.matchAll(/<m:Data>([^<]*)<\/m:Data>/g)][2]![1]!.replace(/\s+/g, ''), 'base64');
    const reader = new PropertyStreamReader(third.subarray(70), 70);
    let complete = 0;
    try {
      while (!reader.atEnd) {
        reader.next();
        complete = reader.offset - 70;
      }
    } catch (e) {
      if (!(e instanceof ItemStreamError)) throw e;
    }
    const content = third.subarray(70, 70 + complete);
    const head = Buffer.alloc(8);
    head.writeUInt32LE(2, 0);
    head.writeUInt32LE(content.length, 4);
    const exchangeData = Buffer.concat([third.subarray(0, 62), head, content]);
    const inbox = await folderId(server.url, alice, 'inbox');
    const res = await upload(server.url, alice, [{ folder: inbox, data: exchangeData.toString('base64') }, { folder: inbox, data: third.toString('base64') }]);
    assert.deepEqual(res.outcomes, [['Success', 'NoError'], ['Error', 'ErrorCorruptData']], 'the cut sample as printed is refused');
    const { items } = await getItems(server.url, alice, [res.ids[0]!], '<t:BaseShape>Default</t:BaseShape>');
    assert.equal(items[0]!.childText('Subject'), 'Interesting - from EWSMA');
    const [again] = await exportData(server.url, alice, [res.ids[0]!]);
    const props = decodeItemStream(Buffer.from(again!.data, 'base64')).properties;
    const original = decodeItemStream(exchangeData).properties;
    // Every property of Exchange's item that is not a store identifier survives ewsd.
    for (const { key } of original) {
      if (typeof key === 'number' && [0x4008, 0x0ff9, 0x300b, 0x0fff, 0x674a].includes(key)) continue;
      assert.ok(props.has(key), `property ${JSON.stringify(key)} survives`);
    }
  });
});
