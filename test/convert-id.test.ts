import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer, type TestUser } from './support/server.js';
import { messages, NS, outcomes, post, postRaw } from './support/soap.js';
import { createFolders } from './support/folders.js';

const convert = (destination: string, ...ids: Array<[format: string, id: string, mailbox?: string]>) =>
  `<m:ConvertId DestinationFormat="${destination}"><m:SourceIds>${ids
    .map(([format, id, mailbox]) => `<t:AlternateId Format="${format}" Id="${id}" Mailbox="${mailbox ?? 'blah@blah.com'}"/>`)
    .join('')}</m:SourceIds></m:ConvertId>`;

describe('ConvertId', () => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  let rootId: string;
  before(async () => {
    server = await startTestServer();
    alice = await server.addUser('alice@example.com');
    bob = await server.addUser('bob@example.com');
    const reply = await post(server.url, alice, `<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="root"/></m:FolderIds></m:GetFolder>`);
    rootId = messages(reply.body)[0]!.child('Folders')!.children[0]!.child('FolderId')!.attr('Id')!;
  });
  after(() => server.stop());

  it("answers with the owner's address whatever Mailbox the request names (DavMail's login check)", async () => {
    const reply = await post(server.url, alice, convert('EwsId', ['EwsId', rootId]));
    assert.deepEqual(outcomes(reply.body), [['Success', 'NoError']]);
    const alt = messages(reply.body)[0]!.child('AlternateId')!;
    assert.equal(alt.ns, NS.messages);
    assert.equal(alt.xsiType, 'AlternateIdType');
    assert.deepEqual({ format: alt.attr('Format'), id: alt.attr('Id'), mailbox: alt.attr('Mailbox') }, { format: 'EwsId', id: rootId, mailbox: 'alice@example.com' });
  });

  it('converts between every format and back without loss', async () => {
    const formats = ['EwsId', 'EwsLegacyId', 'EntryId', 'HexEntryId', 'StoreId', 'OwaId'];
    for (const format of formats) {
      const there = await post(server.url, alice, convert(format, ['EwsId', rootId]));
      const converted = messages(there.body)[0]!.child('AlternateId')!.attr('Id')!;
      if (format === 'HexEntryId') assert.match(converted, /^[0-9A-F]+$/);
      const back = await post(server.url, alice, convert('EwsId', [format, converted]));
      assert.equal(messages(back.body)[0]!.child('AlternateId')!.attr('Id'), rootId, format);
    }
  });

  it("answers garbage ids (exchangelib's DUMMY probe) per message with ErrorInvalidIdMalformed", async () => {
    const [folder] = await createFolders(server.url, alice, 'inbox', 'Some folder');
    const reply = await post(
      server.url,
      alice,
      convert('HexEntryId', ['EwsId', 'DUMMY'], ['EwsId', folder!.id], ['HexEntryId', 'XYZ'], ['EntryId', 'AAAA'], ['EwsId', '']),
    );
    assert.deepEqual(outcomes(reply.body), [
      ['Error', 'ErrorInvalidIdMalformed'],
      ['Success', 'NoError'],
      ['Error', 'ErrorInvalidIdMalformed'],
      ['Error', 'ErrorInvalidIdMalformed'],
      ['Error', 'ErrorInvalidIdEmpty'],
    ]);
    assert.equal(messages(reply.body)[0]!.child('AlternateId'), undefined);
  });

  it("refuses ids of another user's mailbox", async () => {
    const reply = await post(server.url, bob, convert('EwsId', ['EwsId', rootId]));
    assert.deepEqual(outcomes(reply.body), [['Error', 'ErrorAccessDenied']]);
  });

  it('reads the request as DavMail writes it (no RequestServerVersion, default namespaces)', async () => {
    const xml =
      `<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="${NS.soap}"><soap:Body>` +
      `<ConvertId xmlns="${NS.messages}" DestinationFormat="EwsId"><SourceIds>` +
      `<AlternateId xmlns="${NS.types}" Format="EwsId" Id="${rootId}" Mailbox="blah@blah.com"/>` +
      `</SourceIds></ConvertId></soap:Body></soap:Envelope>`;
    const reply = await postRaw(server.url, alice, xml);
    assert.equal(messages(reply.body)[0]!.child('AlternateId')!.attr('Mailbox'), 'alice@example.com');
  });

  it('refuses an unknown format with a schema fault', async () => {
    const reply = await post(server.url, alice, convert('Base64', ['EwsId', rootId]));
    assert.equal(reply.status, 500);
  });
});
