import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useTestServer } from './support/server.js';
import { messages, outcomes, post } from './support/soap.js';
import { createItems, folderCounts, getItems, idOf, itemIdXml, message, type ItemIdPair } from './support/items.js';

describe('MoveItem, CopyItem, MarkAllItemsAsRead, EmptyFolder', () => {
  const env = useTestServer('alice', 'bob');

  const relocate = (op: 'MoveItem' | 'CopyItem', to: string, ids: ItemIdPair[]) =>
    post(env.server.url, env.users.alice, `<m:${op}><m:ToFolderId>${to}</m:ToFolderId><m:ItemIds>${itemIdXml(ids)}</m:ItemIds></m:${op}>`);
  const newIds = (reply: Awaited<ReturnType<typeof relocate>>) => messages(reply.body).map((m) => (m.child('Items')?.children[0] ? idOf(m.child('Items')!.children[0]!) : undefined));

  it('moves items under new ids, keeping their content and dates; the old ids stop resolving', async () => {
    const ids = await createItems(env.server.url, env.users.alice, [message('m1', '<t:IsRead>false</t:IsRead>'), message('m2')], '<t:DistinguishedFolderId Id="inbox"/>');
    const before = await getItems(env.server.url, env.users.alice, ids, '<t:BaseShape>AllProperties</t:BaseShape>');
    const reply = await relocate('MoveItem', '<t:DistinguishedFolderId Id="archive"/>', [...ids, { id: 'bad', changeKey: '' }]);
    assert.deepEqual(outcomes(reply.body), [['Success', 'NoError'], ['Success', 'NoError'], ['Error', 'ErrorInvalidIdMalformed']]);
    const moved = newIds(reply).slice(0, 2) as ItemIdPair[];
    moved.forEach((m, i) => assert.notEqual(m.id, ids[i]!.id));
    assert.deepEqual(await folderCounts(env.server.url, env.users.alice, 'inbox'), { total: 0, unread: 0 });
    assert.deepEqual(await folderCounts(env.server.url, env.users.alice, 'archive'), { total: 2, unread: 1 });
    const gone = await getItems(env.server.url, env.users.alice, ids, '<t:BaseShape>IdOnly</t:BaseShape>');
    assert.deepEqual(outcomes(gone.reply.body), Array(2).fill(['Error', 'ErrorItemNotFound']));
    const after = await getItems(env.server.url, env.users.alice, moved, '<t:BaseShape>AllProperties</t:BaseShape>');
    after.items.forEach((m, i) => {
      for (const f of ['Subject', 'DateTimeCreated', 'DateTimeReceived', 'Body', 'IsRead']) assert.equal(m!.childText(f), before.items[i]!.childText(f), f);
    });
  });

  it('copies items with their attachments and MIME; the original stays', async () => {
    const mime = Buffer.from('From: a@example.com\r\nTo: alice@example.com\r\nSubject: copied\r\nDate: Mon, 02 Jan 2023 10:00:00 +0000\r\n\r\nbody\r\n');
    const [fromMime] = await createItems(env.server.url, env.users.alice, [`<t:Message><t:MimeContent>${mime.toString('base64')}</t:MimeContent></t:Message>`]);
    const [withAtt] = await createItems(env.server.url, env.users.alice, [
      `<t:Message><t:Subject>att</t:Subject><t:Attachments><t:FileAttachment><t:Name>f.bin</t:Name><t:Content>AAEC</t:Content></t:FileAttachment></t:Attachments></t:Message>`,
    ]);
    const reply = await relocate('CopyItem', '<t:DistinguishedFolderId Id="inbox"/>', [fromMime!, withAtt!]);
    assert.deepEqual(outcomes(reply.body), Array(2).fill(['Success', 'NoError']));
    const copies = newIds(reply) as ItemIdPair[];
    const { items } = await getItems(
      env.server.url,
      env.users.alice,
      copies,
      '<t:BaseShape>IdOnly</t:BaseShape><t:IncludeMimeContent>true</t:IncludeMimeContent><t:AdditionalProperties><t:FieldURI FieldURI="item:Attachments"/><t:FieldURI FieldURI="item:Subject"/></t:AdditionalProperties>',
    );
    assert.ok(Buffer.from(items[0]!.childText('MimeContent')!, 'base64').equals(mime));
    assert.equal(items[1]!.child('Attachments')!.children[0]!.childText('Name'), 'f.bin');
    const originals = await getItems(env.server.url, env.users.alice, [fromMime!, withAtt!], '<t:BaseShape>IdOnly</t:BaseShape>');
    assert.deepEqual(outcomes(originals.reply.body), Array(2).fill(['Success', 'NoError']));
  });

  it("refuses to move another user's item or into another user's folder", async () => {
    const [bobs] = await createItems(env.server.url, env.users.bob, [message('bob')]);
    const [mine] = await createItems(env.server.url, env.users.alice, [message('mine')]);
    const reply = await relocate('MoveItem', '<t:DistinguishedFolderId Id="inbox"/>', [bobs!]);
    assert.deepEqual(outcomes(reply.body), [['Error', 'ErrorAccessDenied']]);
    const into = await relocate('MoveItem', '<t:DistinguishedFolderId Id="inbox"><t:Mailbox><t:EmailAddress>bob@example.com</t:EmailAddress></t:Mailbox></t:DistinguishedFolderId>', [mine!]);
    assert.deepEqual(outcomes(into.body), [['Error', 'ErrorAccessDenied']]);
  });

  it('restores a soft-deleted item by moving it back from the recoverable items', async () => {
    const [id] = await createItems(env.server.url, env.users.alice, [message('restore me')], '<t:DistinguishedFolderId Id="junkemail"/>');
    await post(env.server.url, env.users.alice, `<m:DeleteItem DeleteType="SoftDelete"><m:ItemIds>${itemIdXml([id!])}</m:ItemIds></m:DeleteItem>`);
    const found = await post(
      env.server.url,
      env.users.alice,
      `<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>Default</t:BaseShape></m:ItemShape><m:QueryString>restore</m:QueryString><m:ParentFolderIds><t:DistinguishedFolderId Id="recoverableitemsdeletions"/></m:ParentFolderIds></m:FindItem>`,
    );
    const hit = messages(found.body)[0]!.child('RootFolder')!.child('Items')!.children[0]!;
    assert.equal(hit.childText('Subject'), 'restore me');
    // The folder it came from lists it in its soft-deleted view, and only there.
    const view = async (traversal: string) => {
      const reply = await post(
        env.server.url,
        env.users.alice,
        `<m:FindItem Traversal="${traversal}"><m:ItemShape><t:BaseShape>Default</t:BaseShape></m:ItemShape><m:IndexedPageItemView MaxEntriesReturned="10" Offset="0" BasePoint="Beginning"/><m:ParentFolderIds><t:DistinguishedFolderId Id="junkemail"/></m:ParentFolderIds></m:FindItem>`,
      );
      const root = messages(reply.body)[0]!.child('RootFolder')!;
      return { total: root.attr('TotalItemsInView'), subjects: root.child('Items')!.children.map((m) => m.childText('Subject')) };
    };
    assert.deepEqual(await view('SoftDeleted'), { total: '1', subjects: ['restore me'] });
    assert.deepEqual(await view('Shallow'), { total: '0', subjects: [] });
    const back = await relocate('MoveItem', '<t:DistinguishedFolderId Id="junkemail"/>', [idOf(hit)]);
    assert.deepEqual(outcomes(back.body), [['Success', 'NoError']]);
    assert.equal((await folderCounts(env.server.url, env.users.alice, 'junkemail')).total, 1);
    assert.deepEqual(await view('SoftDeleted'), { total: '0', subjects: [] });
  });

  it('marks all items of folders read or unread, keeping the counters', async () => {
    await createItems(env.server.url, env.users.alice, [1, 2, 3].map((i) => message(`u${i}`, '<t:IsRead>false</t:IsRead>')), '<t:DistinguishedFolderId Id="conversationhistory"/>');
    const mark = (flag: boolean) =>
      post(
        env.server.url,
        env.users.alice,
        `<m:MarkAllItemsAsRead><m:ReadFlag>${flag}</m:ReadFlag><m:SuppressReadReceipts>true</m:SuppressReadReceipts><m:FolderIds><t:DistinguishedFolderId Id="conversationhistory"/><t:FolderId Id="bad"/></m:FolderIds></m:MarkAllItemsAsRead>`,
      );
    assert.deepEqual(outcomes((await mark(true)).body), [['Success', 'NoError'], ['Error', 'ErrorInvalidIdMalformed']]);
    assert.deepEqual(await folderCounts(env.server.url, env.users.alice, 'conversationhistory'), { total: 3, unread: 0 });
    const found = await post(
      env.server.url,
      env.users.alice,
      `<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="message:IsRead"/></t:AdditionalProperties></m:ItemShape><m:ParentFolderIds><t:DistinguishedFolderId Id="conversationhistory"/></m:ParentFolderIds></m:FindItem>`,
    );
    assert.deepEqual(messages(found.body)[0]!.child('RootFolder')!.child('Items')!.children.map((m) => m.childText('IsRead')), ['true', 'true', 'true']);
    await mark(false);
    assert.deepEqual(await folderCounts(env.server.url, env.users.alice, 'conversationhistory'), { total: 3, unread: 3 });
  });

  it('empties folders, with or without their subfolders', async () => {
    const account = (await env.server.store.accountByEmail('alice@example.com'))!;
    const scheduled = (await env.server.store.distinguishedFolder(account.id, 'scheduled'))!;
    const sub = await env.server.store.createFolder(account.id, scheduled.id, { displayName: 'Sub', folderClass: 'IPF.Note' });
    await createItems(env.server.url, env.users.alice, [message('e1'), message('e2')], '<t:DistinguishedFolderId Id="scheduled"/>');
    const empty = (type: string, sub: boolean, folder = 'scheduled') =>
      post(env.server.url, env.users.alice, `<m:EmptyFolder DeleteType="${type}" DeleteSubFolders="${sub}"><m:FolderIds><t:DistinguishedFolderId Id="${folder}"/></m:FolderIds></m:EmptyFolder>`);
    const before = (await folderCounts(env.server.url, env.users.alice, 'deleteditems')).total;
    assert.deepEqual(outcomes((await empty('MoveToDeletedItems', false)).body), [['Success', 'NoError']]);
    assert.equal((await folderCounts(env.server.url, env.users.alice, 'scheduled')).total, 0);
    assert.equal((await folderCounts(env.server.url, env.users.alice, 'deleteditems')).total, before + 2);
    assert.ok(await env.server.store.folder(account.id, sub.id), 'the subfolder stays');
    assert.deepEqual(outcomes((await empty('HardDelete', true)).body), [['Success', 'NoError']]);
    assert.equal(await env.server.store.folder(account.id, sub.id), undefined, 'the subfolder is gone');
    assert.deepEqual(outcomes((await empty('HardDelete', false, 'msgfolderroot')).body), [['Error', 'ErrorCannotEmptyFolder']]);
  });
});
