import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer, type TestUser } from './support/server.js';
import { messages, outcomes, post, SEEDS } from './support/soap.js';
import { createItems, folderCounts, getItems, idOf } from './support/items.js';
import { SmtpPeer } from './support/smtp-peer.js';
import { waitFor } from './support/wait.js';

async function inboxItems(url: string, user: TestUser) {
  const reply = await post(
    url,
    user,
    `<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>Default</t:BaseShape></m:ItemShape><m:ParentFolderIds><t:DistinguishedFolderId Id="inbox"/></m:ParentFolderIds></m:FindItem>`,
  );
  return messages(reply.body)[0]!.child('RootFolder')!.child('Items')!.children;
}

const mimeItem = (raw: string) => `<t:Message><t:MimeContent CharacterSet="UTF-8">${Buffer.from(raw).toString('base64')}</t:MimeContent></t:Message>`;

describe('CreateItem and UpdateItem with send dispositions', () => {
  let server: TestServer;
  let relay: SmtpPeer;
  let alice: TestUser;
  let bob: TestUser;
  before(async () => {
    relay = await SmtpPeer.start();
    server = await startTestServer({ relay: { host: '127.0.0.1', port: relay.port, security: 'none' } });
    alice = await server.addUser('alice@example.com', undefined, 'Alice');
    bob = await server.addUser('bob@example.com');
  });
  after(async () => {
    await server.stop();
    await relay.close();
  });

  it("the seed's SendAndSaveCopy fragment: Success per message, no ItemId, copies in Sent Items", async () => {
    const fragment = readFileSync(join(SEEDS, 'CreateItem.fragment-sendandsavecopy.xml'), 'utf8').trim();
    assert.match(fragment, /MessageDisposition="SendAndSaveCopy"/);
    const items = ['Project priorities', 'Company Soccer Team'].map(
      (s) => `<t:Message><t:Subject>${s}</t:Subject><t:Body BodyType="HTML">${s} body</t:Body><t:ToRecipients><t:Mailbox><t:EmailAddress>bob@example.com</t:EmailAddress></t:Mailbox></t:ToRecipients></t:Message>`,
    );
    const reply = await post(server.url, alice, `${fragment}<m:Items>${items.join('')}</m:Items></m:CreateItem>`);
    assert.deepEqual(outcomes(reply.body), [
      ['Success', 'NoError'],
      ['Success', 'NoError'],
    ]);
    for (const m of messages(reply.body)) assert.equal(m.child('Items')!.children.length, 0, 'no ItemId for a sent message');
    assert.equal((await folderCounts(server.url, alice, 'sentitems')).total, 2);
    assert.equal((await folderCounts(server.url, alice, 'drafts')).total, 0);
    assert.deepEqual(await folderCounts(server.url, bob, 'inbox'), { total: 2, unread: 2 });
  });

  it('SendOnly keeps no copy', async () => {
    const reply = await post(
      server.url,
      alice,
      `<m:CreateItem MessageDisposition="SendOnly"><m:Items><t:Message><t:Subject>only sent</t:Subject><t:ToRecipients><t:Mailbox><t:EmailAddress>bob@example.com</t:EmailAddress></t:Mailbox></t:ToRecipients></t:Message></m:Items></m:CreateItem>`,
    );
    assert.deepEqual(outcomes(reply.body), [['Success', 'NoError']]);
    assert.equal((await folderCounts(server.url, alice, 'sentitems')).total, 2);
    assert.ok((await inboxItems(server.url, bob)).some((i) => i.childText('Subject') === 'only sent'));
  });

  it('t:MimeContent (DavMail, Evolution): sent as given minus Bcc, Message-ID and Date added; the copy records the Message-ID', async () => {
    const raw =
      'From: Alice <alice@example.com>\r\nTo: carol@remote.test, bob@example.com\r\nBcc: secret@remote.test,\r\n  "Other Secret" <other@remote.test>\r\nSubject: from MIME\r\n' +
      'MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nX-Mailer: Evolution 3.46\r\n\r\nHello as written.\r\n';
    const reply = await post(
      server.url,
      alice,
      `<m:CreateItem MessageDisposition="SendAndSaveCopy"><m:SavedItemFolderId><t:DistinguishedFolderId Id="sentitems"/></m:SavedItemFolderId><m:Items>${mimeItem(raw)}</m:Items></m:CreateItem>`,
    );
    assert.deepEqual(outcomes(reply.body), [['Success', 'NoError']]);
    await waitFor('the relay to get the MIME message', () => relay.for('carol@remote.test').length === 1);
    const got = relay.for('carol@remote.test')[0]!;
    assert.deepEqual([...got.to].sort(), ['carol@remote.test', 'other@remote.test', 'secret@remote.test']);
    const text = got.raw.toString();
    assert.doesNotMatch(text, /secret@remote\.test|Other Secret|other@remote/);
    assert.match(text, /^Message-ID: <[^>]+>\r$/m);
    assert.match(text, /^Date: .+\+0000\r$/m);
    assert.match(text, /^X-Mailer: Evolution 3\.46\r$/m);
    assert.ok(text.endsWith('To: carol@remote.test, bob@example.com\r\nSubject: from MIME\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nX-Mailer: Evolution 3.46\r\n\r\nHello as written.\r\n'));
    const messageId = /^Message-ID: (<[^>]+>)/m.exec(text)![1]!;

    const sent = await post(
      server.url,
      alice,
      `<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="item:Subject"/><t:FieldURI FieldURI="message:InternetMessageId"/></t:AdditionalProperties></m:ItemShape><m:ParentFolderIds><t:DistinguishedFolderId Id="sentitems"/></m:ParentFolderIds></m:FindItem>`,
    );
    const copy = messages(sent.body)[0]!.child('RootFolder')!.child('Items')!.children.find((i) => i.childText('Subject') === 'from MIME')!;
    assert.equal(copy.childText('InternetMessageId'), messageId);
    const { items } = await getItems(server.url, alice, [idOf(copy)], '<t:BaseShape>AllProperties</t:BaseShape>');
    assert.deepEqual(items[0]!.child('BccRecipients')!.all('Mailbox').map((m) => m.childText('EmailAddress')), ['secret@remote.test', 'other@remote.test']);
    assert.equal(items[0]!.childText('IsDraft'), 'false');
    const bobs = (await inboxItems(server.url, bob)).find((i) => i.childText('Subject') === 'from MIME')!;
    assert.equal(bobs.childText('IsRead'), 'false');
  });

  it('t:MimeContent whose From is someone else is ErrorSendAsDenied', async () => {
    const raw = 'From: Bob <bob@example.com>\r\nTo: carol@remote.test\r\nSubject: spoof\r\n\r\nno\r\n';
    const reply = await post(server.url, alice, `<m:CreateItem MessageDisposition="SendOnly"><m:Items>${mimeItem(raw)}</m:Items></m:CreateItem>`);
    assert.deepEqual(outcomes(reply.body), [['Error', 'ErrorSendAsDenied']]);
  });

  it('UpdateItem SendAndSaveCopy sends the updated draft; SendOnly keeps no copy; both answer an empty Items and ConflictResults', async () => {
    const [d1, d2] = await createItems(server.url, alice, [
      `<t:Message><t:Subject>update me</t:Subject><t:Body BodyType="Text">v1</t:Body></t:Message>`,
      `<t:Message><t:Subject>send only</t:Subject><t:ToRecipients><t:Mailbox><t:EmailAddress>bob@example.com</t:EmailAddress></t:Mailbox></t:ToRecipients></t:Message>`,
    ]);
    const sentBefore = (await folderCounts(server.url, alice, 'sentitems')).total;
    const change = (id: { id: string; changeKey: string }, updates: string) =>
      `<t:ItemChange><t:ItemId Id="${id.id}" ChangeKey="${id.changeKey}"/><t:Updates>${updates}</t:Updates></t:ItemChange>`;
    const setSubject = `<t:SetItemField><t:FieldURI FieldURI="item:Subject"/><t:Message><t:Subject>updated and sent</t:Subject></t:Message></t:SetItemField>`;
    const setTo = `<t:SetItemField><t:FieldURI FieldURI="message:ToRecipients"/><t:Message><t:ToRecipients><t:Mailbox><t:EmailAddress>bob@example.com</t:EmailAddress></t:Mailbox></t:ToRecipients></t:Message></t:SetItemField>`;
    const reply = await post(
      server.url,
      alice,
      `<m:UpdateItem ConflictResolution="AutoResolve" MessageDisposition="SendAndSaveCopy"><m:SavedItemFolderId><t:DistinguishedFolderId Id="sentitems"/></m:SavedItemFolderId><m:ItemChanges>${change(d1!, setSubject + setTo)}</m:ItemChanges></m:UpdateItem>`,
    );
    assert.deepEqual(outcomes(reply.body), [['Success', 'NoError']]);
    const msg = messages(reply.body)[0]!;
    assert.equal(msg.child('Items')!.children.length, 0);
    assert.equal(msg.child('ConflictResults')!.childText('Count'), '0');
    const only = await post(
      server.url,
      alice,
      `<m:UpdateItem ConflictResolution="AlwaysOverwrite" MessageDisposition="SendOnly"><m:ItemChanges>${change(d2!, `<t:SetItemField><t:FieldURI FieldURI="item:Importance"/><t:Message><t:Importance>High</t:Importance></t:Message></t:SetItemField>`)}</m:ItemChanges></m:UpdateItem>`,
    );
    assert.deepEqual(outcomes(only.body), [['Success', 'NoError']]);
    assert.equal((await folderCounts(server.url, alice, 'drafts')).total, 0);
    assert.equal((await folderCounts(server.url, alice, 'sentitems')).total, sentBefore + 1);
    const subjects = (await inboxItems(server.url, bob)).map((i) => i.childText('Subject'));
    assert.ok(subjects.includes('updated and sent') && subjects.includes('send only') && !subjects.includes('update me'));
    const high = (await inboxItems(server.url, bob)).find((i) => i.childText('Subject') === 'send only')!;
    assert.equal(high.childText('Importance'), 'High');
  });
});
