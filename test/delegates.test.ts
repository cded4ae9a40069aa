import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cli } from './support/cli.js';
import { startTestServer, type TestServer, type TestUser } from './support/server.js';
import { messages, outcomes, post } from './support/soap.js';
import { createItems, getItems, idOf, message, type ItemIdPair } from './support/items.js';

const to = (a: string) => `<t:ToRecipients><t:Mailbox><t:EmailAddress>${a}</t:EmailAddress></t:Mailbox></t:ToRecipients>`;
const from = (a: string) => `<t:From><t:Mailbox><t:EmailAddress>${a}</t:EmailAddress></t:Mailbox></t:From>`;
const folderOf = (id: string, mailbox?: string) =>
  `<t:DistinguishedFolderId Id="${id}">${mailbox ? `<t:Mailbox><t:EmailAddress>${mailbox}</t:EmailAddress></t:Mailbox>` : ''}</t:DistinguishedFolderId>`;

async function find(url: string, user: TestUser, folder: string) {
  const reply = await post(
    url,
    user,
    `<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>Default</t:BaseShape></m:ItemShape><m:ParentFolderIds>${folder}</m:ParentFolderIds></m:FindItem>`,
  );
  const m = messages(reply.body)[0]!;
  return { outcome: outcomes(reply.body)[0], items: m.child('RootFolder')?.child('Items')?.children ?? [] };
}

const send = (ids: ItemIdPair[], saved = '') =>
  `<m:SendItem SaveItemToFolder="true"><m:ItemIds>${ids.map((i) => `<t:ItemId Id="${i.id}" ChangeKey="${i.changeKey}"/>`).join('')}</m:ItemIds>${saved ? `<m:SavedItemFolderId>${saved}</m:SavedItemFolderId>` : ''}</m:SendItem>`;

describe('delegates: ewsd delegate, folder grants and sending on behalf', () => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  const ewsd = (...args: string[]) => cli([...args, '--data', server.dataDir]);
  before(async () => {
    server = await startTestServer();
    alice = await server.addUser('alice@example.com', undefined, 'Alice');
    bob = await server.addUser('bob@example.com', undefined, 'Bob');
    carol = await server.addUser('carol@example.com');
  });
  after(() => server.stop());

  it('without a grant every cross-mailbox access is ErrorAccessDenied', async () => {
    const r = await find(server.url, bob, folderOf('inbox', 'alice@example.com'));
    assert.deepEqual(r.outcome, ['Error', 'ErrorAccessDenied']);
  });

  it('delegate add / list / remove', async () => {
    const bad = await ewsd('delegate', 'add', 'alice@example.com', 'bob@example.com', '--folders', 'inbox,attic');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /unknown folder attic/);
    const add = await ewsd('delegate', 'add', 'alice@example.com', 'bob@example.com', '--folders', 'inbox,drafts', '--send-on-behalf');
    assert.equal(add.code, 0, add.stderr);
    assert.equal(add.stdout.trim(), 'alice@example.com -> bob@example.com: folders inbox,drafts, send on behalf');
    const list = await ewsd('delegate', 'list', 'alice@example.com');
    assert.equal(list.stdout.trim(), 'alice@example.com -> bob@example.com: folders inbox,drafts, send on behalf');
    await ewsd('delegate', 'add', 'carol@example.com', 'bob@example.com', '--folders', 'calendar');
    const all = await ewsd('delegate', 'list');
    assert.equal(all.stdout.trim().split('\n').length, 2);
    const rm = await ewsd('delegate', 'remove', 'carol@example.com', 'bob@example.com');
    assert.equal(rm.code, 0);
    const again = await ewsd('delegate', 'remove', 'carol@example.com', 'bob@example.com');
    assert.equal(again.code, 1);
    assert.match(again.stderr, /not a delegate/);
  });

  it('a folder grant opens that folder only', async () => {
    await createItems(server.url, alice, [message('for alice')], folderOf('inbox'));
    const inbox = await find(server.url, bob, folderOf('inbox', 'alice@example.com'));
    assert.deepEqual(inbox.outcome, ['Success', 'NoError']);
    assert.deepEqual(inbox.items.map((i) => i.childText('Subject')), ['for alice']);
    const { items } = await getItems(server.url, bob, [idOf(inbox.items[0]!)], '<t:BaseShape>Default</t:BaseShape>');
    assert.equal(items[0]!.childText('Subject'), 'for alice');
    assert.deepEqual((await find(server.url, bob, folderOf('deleteditems', 'alice@example.com'))).outcome, ['Error', 'ErrorAccessDenied']);
    // Carol holds no grant.
    assert.deepEqual((await find(server.url, carol, folderOf('inbox', 'alice@example.com'))).outcome, ['Error', 'ErrorAccessDenied']);
    const { reply } = await getItems(server.url, carol, [idOf(inbox.items[0]!)], '<t:BaseShape>Default</t:BaseShape>');
    assert.deepEqual(outcomes(reply.body), [['Error', 'ErrorAccessDenied']]);
  });

  it("sends the principal's draft: From = principal, Sender = delegate, copy in the principal's Sent Items", async () => {
    const [draft] = await createItems(server.url, alice, [message('on behalf', to('carol@example.com'))]);
    const reply = await post(server.url, bob, send([draft!], folderOf('sentitems', 'alice@example.com')));
    assert.deepEqual(outcomes(reply.body), [['Success', 'NoError']]);
    assert.equal((await find(server.url, alice, folderOf('drafts'))).items.length, 0, 'the draft left Drafts');
    const sent = await find(server.url, alice, folderOf('sentitems'));
    assert.deepEqual(sent.items.map((i) => i.childText('Subject')), ['on behalf']);
    const got = (await find(server.url, carol, folderOf('inbox'))).items[0]!;
    assert.equal(got.child('From')!.child('Mailbox')!.childText('EmailAddress'), 'alice@example.com');
    assert.equal(got.child('Sender')!.child('Mailbox')!.childText('EmailAddress'), 'bob@example.com');
  });

  it("seed case 1: the principal's draft with the delegate's own Sent Items: the copy goes there and the draft leaves (no silent success)", async () => {
    const [draft] = await createItems(server.url, alice, [message('case one', to('carol@example.com'))]);
    const reply = await post(server.url, bob, send([draft!], folderOf('sentitems')));
    assert.deepEqual(outcomes(reply.body), [['Success', 'NoError']]);
    assert.equal((await find(server.url, alice, folderOf('drafts'))).items.length, 0);
    assert.deepEqual((await find(server.url, bob, folderOf('sentitems'))).items.map((i) => i.childText('Subject')), ['case one']);
  });

  it("seed case 2: the delegate's own draft with the principal's Sent Items: the copy goes there and the draft leaves", async () => {
    const [draft] = await createItems(server.url, bob, [message('case two', to('carol@example.com') + from('alice@example.com'))]);
    const reply = await post(server.url, bob, send([draft!], folderOf('sentitems', 'alice@example.com')));
    assert.deepEqual(outcomes(reply.body), [['Success', 'NoError']]);
    assert.equal((await find(server.url, bob, folderOf('drafts'))).items.length, 0);
    const subjects = (await find(server.url, alice, folderOf('sentitems'))).items.map((i) => i.childText('Subject'));
    assert.ok(subjects.includes('case two'));
  });

  it('without send rights: ErrorAccessDenied for the Sent Items copy, ErrorSendAsDenied for From; nothing is sent', async () => {
    assert.equal((await ewsd('delegate', 'add', 'alice@example.com', 'bob@example.com', '--folders', 'inbox,drafts')).code, 0);
    const carolBefore = (await find(server.url, carol, folderOf('inbox'))).items.length;
    const [d1, d2] = await createItems(server.url, bob, [message('no rights 1', to('carol@example.com') + from('alice@example.com')), message('no rights 2', to('carol@example.com') + from('alice@example.com'))]);
    const toPrincipal = await post(server.url, bob, send([d1!], folderOf('sentitems', 'alice@example.com')));
    assert.deepEqual(outcomes(toPrincipal.body), [['Error', 'ErrorAccessDenied']]);
    const asPrincipal = await post(server.url, bob, send([d2!]));
    assert.deepEqual(outcomes(asPrincipal.body), [['Error', 'ErrorSendAsDenied']]);
    assert.equal((await find(server.url, carol, folderOf('inbox'))).items.length, carolBefore);
    assert.equal((await find(server.url, bob, folderOf('drafts'))).items.length, 2);
  });
});
