import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer, type TestUser } from './support/server.js';
import { messages, outcomes, post, postRaw, SEEDS } from './support/soap.js';
import { createItems, folderCounts, getItems, idOf, message, type ItemIdPair } from './support/items.js';
import { SmtpPeer } from './support/smtp-peer.js';
import { waitFor } from './support/wait.js';

const seed = (name: string) => readFileSync(join(SEEDS, name), 'utf8');
/** The seed's request with its shortened id replaced by a real one. */
const seedRequest = (name: string, id: ItemIdPair) => seed(name).replace('Id="AAAtAEF="', `Id="${id.id}"`).replace('ChangeKey="CQAAABY+T"', `ChangeKey="${id.changeKey}"`);

/** The element names inside the first response message of a seed response. */
function postRawShape(xml: string): string[] {
  const inner = /<m:SendItemResponseMessage[^>]*>([\s\S]*?)<\/m:SendItemResponseMessage>/.exec(xml)![1]!;
  return [...inner.matchAll(/<m:(\w+)>/g)].map((m) => m[1]!);
}

const to = (...addresses: string[]) => `<t:ToRecipients>${addresses.map((a) => `<t:Mailbox><t:EmailAddress>${a}</t:EmailAddress></t:Mailbox>`).join('')}</t:ToRecipients>`;
const bcc = (...addresses: string[]) => `<t:BccRecipients>${addresses.map((a) => `<t:Mailbox><t:EmailAddress>${a}</t:EmailAddress></t:Mailbox>`).join('')}</t:BccRecipients>`;

async function findIn(url: string, user: TestUser, folder: string) {
  const reply = await post(
    url,
    user,
    `<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>Default</t:BaseShape></m:ItemShape><m:ParentFolderIds><t:DistinguishedFolderId Id="${folder}"/></m:ParentFolderIds></m:FindItem>`,
  );
  return messages(reply.body)[0]!.child('RootFolder')!.child('Items')!.children;
}

const sendXml = (ids: ItemIdPair[], save: boolean | string, folder = '') =>
  `<m:SendItem SaveItemToFolder="${save}"><m:ItemIds>${ids.map((i) => `<t:ItemId Id="${i.id}" ChangeKey="${i.changeKey}"/>`).join('')}</m:ItemIds>${folder}</m:SendItem>`;

describe('SendItem (seed 002) and local delivery', () => {
  let server: TestServer;
  let relay: SmtpPeer;
  let alice: TestUser;
  let bob: TestUser;
  before(async () => {
    relay = await SmtpPeer.start();
    server = await startTestServer({ relay: { host: '127.0.0.1', port: relay.port, security: 'none' } });
    alice = await server.addUser('alice@example.com', undefined, 'Alice Liddell');
    bob = await server.addUser('bob@example.com');
  });
  after(async () => {
    await server.stop();
    await relay.close();
  });

  it('replays the seed request: the draft leaves Drafts, the copy is in Sent Items, Bob has it unread in his Inbox at once', async () => {
    const [draft] = await createItems(server.url, alice, [message('Seed send', to('bob@example.com'))]);
    const reply = await postRaw(server.url, alice, seedRequest('SendItem.request.xml', draft!));
    assert.equal(reply.status, 200);
    assert.deepEqual(outcomes(reply.body), [['Success', 'NoError']]);
    assert.equal(reply.body.name, 'SendItemResponse');
    assert.equal(messages(reply.body)[0]!.children.length, 1, 'only ResponseCode, as in the seed response');

    assert.equal((await folderCounts(server.url, alice, 'drafts')).total, 0);
    const sent = await findIn(server.url, alice, 'sentitems');
    assert.deepEqual(sent.map((i) => i.childText('Subject')), ['Seed send']);
    assert.equal(sent[0]!.childText('IsRead'), 'true');
    const inbox = await findIn(server.url, bob, 'inbox');
    assert.deepEqual(inbox.map((i) => i.childText('Subject')), ['Seed send']);
    assert.equal(inbox[0]!.childText('IsRead'), 'false');
    assert.ok(inbox[0]!.childText('DateTimeReceived'));
    assert.equal(inbox[0]!.child('From')!.child('Mailbox')!.childText('EmailAddress'), 'alice@example.com');
    assert.notEqual(idOf(inbox[0]!).id, idOf(sent[0]!).id);
    assert.deepEqual(await folderCounts(server.url, bob, 'inbox'), { total: 1, unread: 1 });

    // The Message-ID on the wire is the InternetMessageId of both copies.
    const shape = '<t:BaseShape>IdOnly</t:BaseShape><t:IncludeMimeContent>true</t:IncludeMimeContent><t:AdditionalProperties><t:FieldURI FieldURI="message:InternetMessageId"/></t:AdditionalProperties>';
    const { items: [sentCopy] } = await getItems(server.url, alice, [idOf(sent[0]!)], shape);
    const { items: [received] } = await getItems(server.url, bob, [idOf(inbox[0]!)], shape);
    const messageId = sentCopy!.childText('InternetMessageId')!;
    assert.match(messageId, /^<[^@]+@example\.com>$/);
    assert.equal(received!.childText('InternetMessageId'), messageId);
    const mime = Buffer.from(received!.childText('MimeContent')!, 'base64').toString();
    assert.match(mime, new RegExp(`Message-ID: ${messageId}`, 'i'));
    assert.match(mime, /^From: Alice Liddell <alice@example\.com>/m);
    assert.match(mime, /^Date: /m);
    assert.equal(relay.received.length, 0, 'nothing local goes to the relay');
  });

  it('replays the seed error: a garbled id is ErrorInvalidIdMalformed "Id is malformed."', async () => {
    const reply = await postRaw(server.url, alice, seed('SendItem.request-invalid-id.xml'));
    assert.deepEqual(outcomes(reply.body), [['Error', 'ErrorInvalidIdMalformed']]);
    assert.equal(messages(reply.body)[0]!.childText('MessageText'), 'Id is malformed.');
    assert.equal(messages(reply.body)[0]!.childText('DescriptiveLinkKey'), '0');
    // Same elements, same order as the seed's error response.
    const expected = postRawShape(seed('SendItem.response-invalid-id.xml'));
    assert.deepEqual(messages(reply.body)[0]!.children.map((c) => c.name), expected);
  });

  it('SaveItemToFolder="false" keeps no copy; with SavedItemFolderId it is ErrorInvalidSendItemSaveSettings and nothing is sent', async () => {
    const before = (await findIn(server.url, bob, 'inbox')).length;
    const [a, b] = await createItems(server.url, alice, [message('no copy', to('bob@example.com')), message('bad settings', to('bob@example.com'))]);
    const refused = await post(server.url, alice, sendXml([b!], false, '<m:SavedItemFolderId><t:DistinguishedFolderId Id="sentitems"/></m:SavedItemFolderId>'));
    assert.deepEqual(outcomes(refused.body), [['Error', 'ErrorInvalidSendItemSaveSettings']]);
    const sentBefore = (await folderCounts(server.url, alice, 'sentitems')).total;
    const ok = await post(server.url, alice, sendXml([a!], false));
    assert.deepEqual(outcomes(ok.body), [['Success', 'NoError']]);
    assert.equal((await folderCounts(server.url, alice, 'sentitems')).total, sentBefore);
    const drafts = await findIn(server.url, alice, 'drafts');
    assert.deepEqual(drafts.map((i) => i.childText('Subject')), ['bad settings']);
    assert.equal((await findIn(server.url, bob, 'inbox')).length, before + 1);
  });

  it('SavedItemFolderId puts the copy in that folder', async () => {
    const created = await post(
      server.url,
      alice,
      `<m:CreateFolder><m:ParentFolderId><t:DistinguishedFolderId Id="msgfolderroot"/></m:ParentFolderId><m:Folders><t:Folder><t:DisplayName>Kept mail</t:DisplayName></t:Folder></m:Folders></m:CreateFolder>`,
    );
    const folderId = messages(created.body)[0]!.child('Folders')!.children[0]!.child('FolderId')!.attr('Id')!;
    const [draft] = await createItems(server.url, alice, [message('to archive', to('bob@example.com'))]);
    const reply = await post(server.url, alice, sendXml([draft!], true, `<m:SavedItemFolderId><t:FolderId Id="${folderId}"/></m:SavedItemFolderId>`));
    assert.deepEqual(outcomes(reply.body), [['Success', 'NoError']]);
    const found = await post(
      server.url,
      alice,
      `<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="item:Subject"/><t:FieldURI FieldURI="item:IsDraft"/></t:AdditionalProperties></m:ItemShape><m:ParentFolderIds><t:FolderId Id="${folderId}"/></m:ParentFolderIds></m:FindItem>`,
    );
    const items = messages(found.body)[0]!.child('RootFolder')!.child('Items')!.children;
    assert.deepEqual(items.map((i) => [i.childText('Subject'), i.childText('IsDraft')]), [['to archive', 'false']]);
  });

  it('missing or stale ChangeKey is ErrorStaleObject; a non-message item is ErrorInvalidItemForOperationSendItem; nothing is sent', async () => {
    const [draft, post1] = await createItems(server.url, alice, [
      message('stale', to('bob@example.com', 'zoe@remote.test')),
      `<t:Item><t:ItemClass>IPM.StickyNote</t:ItemClass><t:Subject>a note</t:Subject></t:Item>`,
    ]);
    const inboxBefore = (await findIn(server.url, bob, 'inbox')).length;
    const noKey = await post(server.url, alice, `<m:SendItem SaveItemToFolder="true"><m:ItemIds><t:ItemId Id="${draft!.id}"/></m:ItemIds></m:SendItem>`);
    assert.deepEqual(outcomes(noKey.body), [['Error', 'ErrorStaleObject']]);
    // Change the draft: the key the client holds is now stale.
    const upd = await post(
      server.url,
      alice,
      `<m:UpdateItem ConflictResolution="AlwaysOverwrite" MessageDisposition="SaveOnly"><m:ItemChanges><t:ItemChange><t:ItemId Id="${draft!.id}" ChangeKey="${draft!.changeKey}"/><t:Updates><t:SetItemField><t:FieldURI FieldURI="item:Subject"/><t:Message><t:Subject>stale (edited)</t:Subject></t:Message></t:SetItemField></t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>`,
    );
    assert.deepEqual(outcomes(upd.body), [['Success', 'NoError']]);
    const stale = await post(server.url, alice, sendXml([draft!, post1!], true));
    assert.deepEqual(outcomes(stale.body), [
      ['Error', 'ErrorStaleObject'],
      ['Error', 'ErrorInvalidItemForOperationSendItem'],
    ]);
    assert.equal((await findIn(server.url, bob, 'inbox')).length, inboxBefore);
    assert.deepEqual(await server.store.listOutbound(), [], 'nothing queued for the remote recipient either');
    assert.equal(relay.for('zoe@remote.test').length, 0);
    assert.equal((await folderCounts(server.url, alice, 'drafts')).total, 3, 'bad settings + stale + the note stay');
  });

  it('sending an item already in Sent Items puts a new copy there and keeps the first', async () => {
    const sent = await findIn(server.url, alice, 'sentitems');
    const first = sent.find((i) => i.childText('Subject') === 'Seed send')!;
    const total = sent.length;
    const reply = await post(server.url, alice, sendXml([idOf(first)], true));
    assert.deepEqual(outcomes(reply.body), [['Success', 'NoError']]);
    const after = await findIn(server.url, alice, 'sentitems');
    assert.equal(after.length, total + 1);
    assert.ok(after.some((i) => idOf(i).id === idOf(first).id), 'the original is still there under its id');
    assert.equal(after.filter((i) => i.childText('Subject') === 'Seed send').length, 2);
    // The resend is a message of its own: a new Message-ID.
    const idsShape = '<t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="message:InternetMessageId"/></t:AdditionalProperties>';
    const copies = after.filter((i) => i.childText('Subject') === 'Seed send').map(idOf);
    const { items } = await getItems(server.url, alice, copies, idsShape);
    assert.equal(new Set(items.map((i) => i!.childText('InternetMessageId'))).size, 2);
  });

  it('remote recipients go through the relay: Bcc in the envelope, never in the headers; local Bcc gets it too', async () => {
    const [draft] = await createItems(server.url, alice, [
      message('Grüße aus Köln', `${to('carol@remote.test')}<t:CcRecipients><t:Mailbox><t:Name>Dave</t:Name><t:EmailAddress>dave@remote.test</t:EmailAddress></t:Mailbox></t:CcRecipients>${bcc('erin@remote.test', 'bob@example.com')}`),
    ]);
    const bobBefore = (await findIn(server.url, bob, 'inbox')).length;
    const reply = await post(server.url, alice, sendXml([draft!], true));
    assert.deepEqual(outcomes(reply.body), [['Success', 'NoError']]);
    // Local delivery is part of the send's transaction: there at once.
    const bobInbox = await findIn(server.url, bob, 'inbox');
    assert.equal(bobInbox.length, bobBefore + 1);
    await waitFor('the relay to receive the message', () => relay.received.length === 1);
    const got = relay.received[0]!;
    assert.equal(got.from, 'alice@example.com');
    assert.deepEqual([...got.to].sort(), ['carol@remote.test', 'dave@remote.test', 'erin@remote.test']);
    const raw = got.raw.toString();
    const head = raw.slice(0, raw.indexOf('\r\n\r\n'));
    assert.doesNotMatch(head, /^bcc:/im);
    assert.doesNotMatch(raw, /erin@remote\.test/);
    assert.match(head, /^To: carol@remote\.test/m);
    assert.match(head, /^Cc: Dave <dave@remote\.test>/m);
    assert.match(head, /^Subject: =\?UTF-8\?/m, 'non-ASCII subject encoded');
    assert.match(head, /^From: Alice Liddell <alice@example\.com>/m);
    assert.match(head, /^Message-ID: </m);
    assert.match(raw, /multipart\/alternative|text\/plain/);
    // The sender's copy still shows the Bcc recipients.
    const sent = await findIn(server.url, alice, 'sentitems');
    const copy = sent.find((i) => i.childText('Subject') === 'Grüße aus Köln')!;
    const { items } = await getItems(server.url, alice, [idOf(copy)], '<t:BaseShape>AllProperties</t:BaseShape>');
    const bccs = items[0]!.child('BccRecipients')!.all('Mailbox').map((m) => m.childText('EmailAddress'));
    assert.deepEqual(bccs, ['erin@remote.test', 'bob@example.com']);
  });
});
