import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { XmlElement } from '../src/soap/xml-element.js';
import { useTestServer, type TestUser } from './support/server.js';
import { messages, outcomes, post } from './support/soap.js';

async function syncHierarchy(url: string, user: TestUser, opts: { folder?: string; state?: string } = {}) {
  const reply = await post(
    url,
    user,
    `<m:SyncFolderHierarchy><m:FolderShape><t:BaseShape>AllProperties</t:BaseShape>` +
      `<t:AdditionalProperties><t:ExtendedFieldURI PropertyTag="4340" PropertyType="Boolean"/></t:AdditionalProperties></m:FolderShape>` +
      (opts.folder ? `<m:SyncFolderId>${opts.folder}</m:SyncFolderId>` : '') +
      (opts.state ? `<m:SyncState>${opts.state}</m:SyncState>` : '') +
      `</m:SyncFolderHierarchy>`,
  );
  const m = messages(reply.body)[0]!;
  return { reply, state: m.childText('SyncState') ?? '', last: m.childText('IncludesLastFolderInRange'), changes: m.child('Changes')?.children ?? [] };
}

const names = (changes: XmlElement[]) => changes.map((c) => `${c.name}:${c.children[0]!.name}:${c.children[0]!.childText('DisplayName') ?? ''}`);

describe('SyncFolderHierarchy', () => {
  const env = useTestServer('alice');

  it('without SyncFolderId syncs the mailbox (IPM subtree), parents first, with ParentFolderId and FolderClass', async () => {
    const first = await syncHierarchy(env.server.url, env.users.alice);
    assert.deepEqual(outcomes(first.reply.body), [['Success', 'NoError']]);
    assert.equal(first.last, 'true');
    const got = names(first.changes);
    for (const n of ['Create:Folder:Inbox', 'Create:CalendarFolder:Calendar', 'Create:ContactsFolder:Contacts', 'Create:TasksFolder:Tasks', 'Create:ContactsFolder:Recipient Cache']) {
      assert.ok(got.includes(n), `${n} missing from ${got.join(', ')}`);
    }
    assert.ok(!got.some((n) => n.includes('Top of Information Store') || n.includes('Recoverable Items')));
    assert.ok(got.indexOf('Create:ContactsFolder:Contacts') < got.indexOf('Create:ContactsFolder:Recipient Cache'), 'parents first');
    for (const c of first.changes) {
      assert.ok(c.children[0]!.child('ParentFolderId'), 'ParentFolderId is always there');
      assert.ok(c.children[0]!.child('FolderClass'));
    }
    const again = await syncHierarchy(env.server.url, env.users.alice, { state: first.state });
    assert.deepEqual(again.changes, []);
  });

  it('reports created, renamed, moved and deleted folders, and not count changes', async () => {
    const start = (await syncHierarchy(env.server.url, env.users.alice)).state;
    const create = await post(
      env.server.url,
      env.users.alice,
      `<m:CreateFolder><m:ParentFolderId><t:DistinguishedFolderId Id="inbox"/></m:ParentFolderId><m:Folders><t:Folder><t:DisplayName>Projects</t:DisplayName></t:Folder><t:Folder><t:DisplayName>Old</t:DisplayName></t:Folder></m:Folders></m:CreateFolder>`,
    );
    const [projects, old] = messages(create.body).map((m) => m.child('Folders')!.children[0]!.child('FolderId')!.attr('Id')!);
    const mid = (await syncHierarchy(env.server.url, env.users.alice, { state: start })).state;
    await post(
      env.server.url,
      env.users.alice,
      `<m:UpdateFolder><m:FolderChanges><t:FolderChange><t:FolderId Id="${projects}"/><t:Updates><t:SetFolderField><t:FieldURI FieldURI="folder:DisplayName"/><t:Folder><t:DisplayName>Projects 2</t:DisplayName></t:Folder></t:SetFolderField></t:Updates></t:FolderChange></m:FolderChanges></m:UpdateFolder>`,
    );
    await post(env.server.url, env.users.alice, `<m:DeleteFolder DeleteType="HardDelete"><m:FolderIds><t:FolderId Id="${old}"/></m:FolderIds></m:DeleteFolder>`);
    await post(
      env.server.url,
      env.users.alice,
      `<m:CreateItem MessageDisposition="SaveOnly"><m:SavedItemFolderId><t:DistinguishedFolderId Id="inbox"/></m:SavedItemFolderId><m:Items><t:Message><t:Subject>counts only</t:Subject></t:Message></m:Items></m:CreateItem>`,
    );
    const changes = await syncHierarchy(env.server.url, env.users.alice, { state: mid });
    assert.deepEqual(names(changes.changes), ['Update:Folder:Projects 2', 'Delete:FolderId:']);
    assert.equal(changes.changes[1]!.children[0]!.attr('Id'), old);
    // From the start: the renamed folder is one Create, the deleted one nothing.
    assert.deepEqual(names((await syncHierarchy(env.server.url, env.users.alice, { state: start })).changes), ['Create:Folder:Projects 2']);
  });

  it('syncs below a given folder, and answers an unknown one with ErrorSyncFolderNotFound and an invalid state like SyncFolderItems', async () => {
    const below = await syncHierarchy(env.server.url, env.users.alice, { folder: '<t:DistinguishedFolderId Id="contacts"/>' });
    assert.deepEqual(names(below.changes).sort(), ['Create:ContactsFolder:IM Contact List', 'Create:ContactsFolder:PeopleConnect', 'Create:ContactsFolder:Quick Contacts', 'Create:ContactsFolder:Recipient Cache']);
    const unknown = await syncHierarchy(env.server.url, env.users.alice, { folder: '<t:DistinguishedFolderId Id="publicfoldersroot"/>' });
    assert.deepEqual(outcomes(unknown.reply.body), [['Error', 'ErrorSyncFolderNotFound']]);
    assert.equal(unknown.last, 'true');
    const wrongScope = await syncHierarchy(env.server.url, env.users.alice, { state: below.state });
    assert.deepEqual(outcomes(wrongScope.reply.body), [['Error', 'ErrorInvalidSyncStateData']]);
    assert.equal(wrongScope.state, '');
  });
});
