import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { useTestServer } from './support/server.js';
import { messages, outcomes, post, postRaw, SEEDS } from './support/soap.js';

/** The seed's four batch requests (004), replayed as raw XML with ids adapted to this server. */
describe('message items: the seed batch flow as raw XML', () => {
  const env = useTestServer('alice');

  const seed = (name: string) => readFileSync(join(SEEDS, name), 'utf8');

  /** Replaces the seed's ids (shortened by the docs) with real ones, in order. */
  function withIds(xml: string, ids: Array<{ id: string; changeKey: string }>): string {
    let i = 0;
    return xml.replace(/<t:ItemId Id="[^"]*"\s+ChangeKey="[^"]*"\s*\/>/g, () => {
      const next = ids[i++]!;
      return `<t:ItemId Id="${next.id}" ChangeKey="${next.changeKey}"/>`;
    });
  }

  function itemIds(body: ReturnType<typeof messages>): Array<{ id: string; changeKey: string }> {
    return body.map((m) => {
      const idEl = m.child('Items')!.children[0]!.child('ItemId')!;
      return { id: idEl.attr('Id')!, changeKey: idEl.attr('ChangeKey')! };
    });
  }

  it('creates, gets, updates and deletes three drafts in batches', async () => {
    const created = await postRaw(env.server.url, env.users.alice, seed('CreateItem.request-saveonly-batch.xml'));
    assert.equal(created.status, 200);
    assert.deepEqual(outcomes(created.body), Array(3).fill(['Success', 'NoError']));
    const ids = itemIds(messages(created.body));
    assert.equal(new Set(ids.map((i) => i.id)).size, 3);

    const drafts = await post(env.server.url, env.users.alice, `<m:GetFolder><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="drafts"/></m:FolderIds></m:GetFolder>`);
    assert.equal(messages(drafts.body)[0]!.child('Folders')!.children[0]!.childText('TotalCount'), '3');

    const got = await postRaw(env.server.url, env.users.alice, withIds(seed('GetItem.request-batch.xml'), ids));
    assert.deepEqual(outcomes(got.body), Array(3).fill(['Success', 'NoError']));
    const msgs = messages(got.body).map((m) => m.child('Items')!.child('Message')!);
    assert.deepEqual(
      msgs.map((m) => m.childText('Subject')),
      ['Project priorities', 'Company Soccer Team', 'Code Blast'],
    );
    assert.deepEqual(
      msgs.map((m) => m.child('ToRecipients')!.child('Mailbox')!.childText('EmailAddress')),
      ['sadie@contoso.com', 'magdalena@contoso.com', 'mack@contoso.com'],
    );
    // IdOnly + two properties: nothing else.
    assert.deepEqual(msgs[0]!.children.map((c) => c.name), ['ItemId', 'Subject', 'ToRecipients']);

    const updated = await postRaw(env.server.url, env.users.alice, withIds(seed('UpdateItem.request-batch.xml'), ids));
    assert.deepEqual(outcomes(updated.body), Array(3).fill(['Success', 'NoError']));
    const after = itemIds(messages(updated.body));
    after.forEach((a, i) => {
      assert.equal(a.id, ids[i]!.id, 'the ItemId stays the same');
      assert.notEqual(a.changeKey, ids[i]!.changeKey, 'the ChangeKey moves on');
    });
    for (const m of messages(updated.body)) assert.equal(m.child('ConflictResults')!.childText('Count'), '0');

    const reread = await postRaw(env.server.url, env.users.alice, withIds(seed('GetItem.request-batch.xml'), after));
    for (const m of messages(reread.body)) assert.equal(m.child('Items')!.child('Message')!.childText('Subject'), 'Updated subject at 1/17/2014 2:58:09 PM');

    const deleted = await postRaw(env.server.url, env.users.alice, withIds(seed('DeleteItem.request-batch.xml'), after));
    assert.deepEqual(outcomes(deleted.body), Array(3).fill(['Success', 'NoError']));
    // Deleting again: the ids are well-formed but the items are gone, which is still Success.
    const again = await postRaw(env.server.url, env.users.alice, withIds(seed('DeleteItem.request-batch.xml'), after));
    assert.deepEqual(outcomes(again.body), Array(3).fill(['Success', 'NoError']));
    // Soft-deleted items no longer resolve by their old ids and have left Drafts.
    const gone = await postRaw(env.server.url, env.users.alice, withIds(seed('GetItem.request-batch.xml'), after));
    assert.deepEqual(outcomes(gone.body), Array(3).fill(['Error', 'ErrorItemNotFound']));
    const draftsAfter = await post(env.server.url, env.users.alice, `<m:GetFolder><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="drafts"/><t:DistinguishedFolderId Id="recoverableitemsdeletions"/></m:FolderIds></m:GetFolder>`);
    const [d, r] = messages(draftsAfter.body).map((m) => m.child('Folders')!.children[0]!.childText('TotalCount'));
    assert.equal(d, '0');
    assert.equal(r, '3');
  });
});
