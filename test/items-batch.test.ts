import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useTestServer } from './support/server.js';
import { messages, outcomes, post } from './support/soap.js';
import { createItems, folderCounts, getItems, itemIdXml, message } from './support/items.js';

describe('message items in batches', () => {
  const env = useTestServer('alice', 'bob');

  it('creates 1000 messages in one request, each with its own id and an increasing IMAP UID', async () => {
    const items = Array.from({ length: 1000 }, (_, i) => message(`bulk ${i}`, '<t:IsRead>false</t:IsRead>'));
    const ids = await createItems(env.server.url, env.users.alice, items, '<t:DistinguishedFolderId Id="inbox"/>');
    assert.equal(new Set(ids.map((i) => i.id)).size, 1000);
    assert.deepEqual(await folderCounts(env.server.url, env.users.alice, 'inbox'), { total: 1000, unread: 1000 });
    const { items: got } = await getItems(
      env.server.url,
      env.users.alice,
      ids.slice(0, 100),
      '<t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="item:Subject"/><t:ExtendedFieldURI PropertyTag="0xe23" PropertyType="Integer"/></t:AdditionalProperties>',
    );
    const uids = got.map((m) => Number(m!.child('ExtendedProperty')!.childText('Value')));
    assert.deepEqual(uids, Array.from({ length: 100 }, (_, i) => uids[0]! + i));
    assert.ok(uids[0]! >= 1);
    assert.equal(got[42]!.childText('Subject'), 'bulk 42');

    // Reading flags change the unread counter; deletes change both.
    const read = await post(
      env.server.url,
      env.users.alice,
      `<m:UpdateItem ConflictResolution="AlwaysOverwrite" MessageDisposition="SaveOnly"><m:ItemChanges>${ids
        .slice(0, 10)
        .map(
          (i) =>
            `<t:ItemChange><t:ItemId Id="${i.id}"/><t:Updates><t:SetItemField><t:FieldURI FieldURI="message:IsRead"/><t:Message><t:IsRead>true</t:IsRead></t:Message></t:SetItemField></t:Updates></t:ItemChange>`,
        )
        .join('')}</m:ItemChanges></m:UpdateItem>`,
    );
    assert.deepEqual(outcomes(read.body), Array(10).fill(['Success', 'NoError']));
    assert.deepEqual(await folderCounts(env.server.url, env.users.alice, 'inbox'), { total: 1000, unread: 990 });
    const del = await post(env.server.url, env.users.alice, `<m:DeleteItem DeleteType="HardDelete"><m:ItemIds>${itemIdXml(ids.slice(5, 15))}</m:ItemIds></m:DeleteItem>`);
    assert.deepEqual(outcomes(del.body), Array(10).fill(['Success', 'NoError']));
    assert.deepEqual(await folderCounts(env.server.url, env.users.alice, 'inbox'), { total: 990, unread: 985 });
    const moved = await post(env.server.url, env.users.alice, `<m:DeleteItem DeleteType="MoveToDeletedItems"><m:ItemIds>${itemIdXml(ids.slice(0, 2))}</m:ItemIds></m:DeleteItem>`);
    assert.deepEqual(outcomes(moved.body), Array(2).fill(['Success', 'NoError']));
    assert.deepEqual(await folderCounts(env.server.url, env.users.alice, 'deleteditems'), { total: 2, unread: 0 });
  });

  it('reports per-item errors in mixed batches while the rest completes', async () => {
    const [a, b, c] = await createItems(env.server.url, env.users.alice, [message('one'), message('two'), message('three')]);
    const [bobs] = await createItems(env.server.url, env.users.bob, [message('bob private')]);
    await post(env.server.url, env.users.alice, `<m:DeleteItem DeleteType="HardDelete"><m:ItemIds>${itemIdXml([b!])}</m:ItemIds></m:DeleteItem>`);
    const garbled = { id: 'not-an-id', changeKey: 'x' };

    const { reply: got, items } = await getItems(env.server.url, env.users.alice, [a!, garbled, b!, bobs!, c!], '<t:BaseShape>Default</t:BaseShape>');
    assert.deepEqual(outcomes(got.body), [
      ['Success', 'NoError'],
      ['Error', 'ErrorInvalidIdMalformed'],
      ['Error', 'ErrorItemNotFound'],
      ['Error', 'ErrorAccessDenied'],
      ['Success', 'NoError'],
    ]);
    assert.equal(items[4]!.childText('Subject'), 'three');
    assert.equal(messages(got.body)[2]!.childText('MessageText'), 'The specified object was not found in the store.');

    const set = (id: { id: string; changeKey: string }, field: string, value: string) =>
      `<t:ItemChange><t:ItemId Id="${id.id}" ChangeKey="${id.changeKey}"/><t:Updates><t:SetItemField><t:FieldURI FieldURI="${field}"/><t:Message>${value}</t:Message></t:SetItemField></t:Updates></t:ItemChange>`;
    const updated = await post(
      env.server.url,
      env.users.alice,
      `<m:UpdateItem ConflictResolution="AutoResolve" MessageDisposition="SaveOnly"><m:ItemChanges>${[
        set(a!, 'item:Subject', '<t:Subject>one, renamed</t:Subject>'),
        set(c!, 'item:Size', '<t:Size>12</t:Size>'),
        set(b!, 'item:Subject', '<t:Subject>gone</t:Subject>'),
        set(bobs!, 'item:Subject', '<t:Subject>hijack</t:Subject>'),
        set(c!, 'item:DateTimeCreated', '<t:DateTimeCreated>2020-01-01T00:00:00Z</t:DateTimeCreated>'),
      ].join('')}</m:ItemChanges></m:UpdateItem>`,
    );
    assert.deepEqual(outcomes(updated.body), [
      ['Success', 'NoError'],
      ['Error', 'ErrorInvalidPropertySet'],
      ['Error', 'ErrorItemNotFound'],
      ['Error', 'ErrorAccessDenied'],
      ['Error', 'ErrorInvalidPropertySet'],
    ]);

    const deleted = await post(
      env.server.url,
      env.users.alice,
      `<m:DeleteItem DeleteType="SoftDelete" SuppressReadReceipts="true" SendMeetingCancellations="SendToNone" AffectedTaskOccurrences="AllOccurrences"><m:ItemIds>${itemIdXml([a!, garbled, b!, bobs!])}</m:ItemIds></m:DeleteItem>`,
    );
    assert.deepEqual(outcomes(deleted.body), [
      ['Success', 'NoError'],
      ['Error', 'ErrorInvalidIdMalformed'],
      ['Success', 'NoError'],
      ['Error', 'ErrorAccessDenied'],
    ]);
    // Bob's item is untouched.
    const { items: bobItems } = await getItems(env.server.url, env.users.bob, [bobs!], '<t:BaseShape>Default</t:BaseShape>');
    assert.equal(bobItems[0]!.childText('Subject'), 'bob private');
  });

  it('refuses to send a message without recipients, per item, keeping nothing', async () => {
    for (const disposition of ['SendOnly', 'SendAndSaveCopy']) {
      const reply = await post(
        env.server.url,
        env.users.alice,
        `<m:CreateItem MessageDisposition="${disposition}"><m:SavedItemFolderId><t:DistinguishedFolderId Id="sentitems"/></m:SavedItemFolderId><m:Items>${message('a')}${message('b')}</m:Items></m:CreateItem>`,
      );
      assert.deepEqual(outcomes(reply.body), Array(2).fill(['Error', 'ErrorInvalidRecipients']));
      assert.match(messages(reply.body)[0]!.childText('MessageText')!, /no recipients/);
    }
    assert.equal((await folderCounts(env.server.url, env.users.alice, 'sentitems')).total, 0);
  });

  it('fails every item when the target folder does not exist', async () => {
    const reply = await post(
      env.server.url,
      env.users.alice,
      `<m:CreateItem MessageDisposition="SaveOnly"><m:SavedItemFolderId><t:DistinguishedFolderId Id="publicfoldersroot"/></m:SavedItemFolderId><m:Items>${message('a')}${message('b')}</m:Items></m:CreateItem>`,
    );
    assert.deepEqual(outcomes(reply.body), Array(2).fill(['Error', 'ErrorFolderNotFound']));
  });

  it('keeps good items of a create batch when one is invalid', async () => {
    const before = (await folderCounts(env.server.url, env.users.alice, 'drafts')).total;
    const bad = `<t:Message><t:Subject>bad</t:Subject><t:ExtendedProperty><t:ExtendedFieldURI PropertyTag="0x3a4f" PropertyType="Integer"/><t:Value>not a number</t:Value></t:ExtendedProperty></t:Message>`;
    const reply = await post(
      env.server.url,
      env.users.alice,
      `<m:CreateItem MessageDisposition="SaveOnly"><m:Items>${message('good 1')}${bad}${message('good 2')}</m:Items></m:CreateItem>`,
    );
    assert.deepEqual(outcomes(reply.body), [
      ['Success', 'NoError'],
      ['Error', 'ErrorInvalidExtendedPropertyValue'],
      ['Success', 'NoError'],
    ]);
    assert.equal((await folderCounts(env.server.url, env.users.alice, 'drafts')).total, before + 2);
  });
});
