import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useTestServer } from './support/server.js';
import { messages, NS, outcomes, post, postRaw } from './support/soap.js';
import { createFolders, folderNames } from './support/folders.js';

const IPM_FOLDERS = [
  'Archive', 'Calendar', 'Contacts', 'Conversation History', 'Deleted Items', 'Drafts', 'Inbox', 'Journal', 'Junk Email',
  'Notes', 'Outbox', 'Scheduled', 'Sent Items', 'Sync Issues', 'Tasks',
];

const findFolder = (parents: string, extra = '', traversal = 'Shallow', shape = 'Default') =>
  `<m:FindFolder Traversal="${traversal}"><m:FolderShape><t:BaseShape>${shape}</t:BaseShape></m:FolderShape>${extra}<m:ParentFolderIds>${parents}</m:ParentFolderIds></m:FindFolder>`;

describe('FindFolder', () => {
  const env = useTestServer('alice');

  it('lists the children of a folder with the paging attributes always present', async () => {
    const reply = await post(env.server.url, env.users.alice, findFolder('<t:DistinguishedFolderId Id="msgfolderroot"/>'));
    assert.deepEqual(outcomes(reply.body), [['Success', 'NoError']]);
    const root = messages(reply.body)[0]!.child('RootFolder')!;
    assert.equal(root.ns, NS.messages);
    assert.deepEqual(
      { offset: root.attr('IndexedPagingOffset'), last: root.attr('IncludesLastItemInRange'), total: root.attr('TotalItemsInView') },
      { offset: String(IPM_FOLDERS.length), last: 'true', total: String(IPM_FOLDERS.length) },
    );
    const folders = root.child('Folders')!;
    assert.equal(folders.ns, NS.types, 't:Folders inside m:RootFolder');
    assert.deepEqual(folders.children.map((f) => f.childText('DisplayName')), IPM_FOLDERS);
    const calendar = folders.children.find((f) => f.childText('DisplayName') === 'Calendar')!;
    assert.equal(calendar.name, 'CalendarFolder');
    assert.equal(folders.children.find((f) => f.childText('DisplayName') === 'Contacts')!.name, 'ContactsFolder');
    assert.equal(folders.children.find((f) => f.childText('DisplayName') === 'Tasks')!.name, 'TasksFolder');
  });

  it('walks the whole subtree with Deep, keeping the dumpster out unless asked for', async () => {
    const deep = await folderNames(env.server.url, env.users.alice, 'root', 'Deep');
    for (const name of ['Top of Information Store', 'Inbox', 'Conflicts', 'Recipient Cache', 'Finder', 'Favorites']) assert.ok(deep.includes(name), name);
    for (const name of ['Recoverable Items', 'Deletions', 'Purges']) assert.ok(!deep.includes(name), name);
    assert.deepEqual(await folderNames(env.server.url, env.users.alice, 'recoverableitemsroot'), ['Audits', 'Deletions', 'DiscoveryHolds', 'Purges', 'Versions']);
  });

  it('lists hidden folders with PR_ATTR_HIDDEN set, as Exchange does', async () => {
    const reply = await post(
      env.server.url,
      env.users.alice,
      `<m:FindFolder Traversal="Shallow"><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="folder:DisplayName"/>` +
        `<t:ExtendedFieldURI PropertyTag="4340" PropertyType="Boolean"/></t:AdditionalProperties></m:FolderShape>` +
        `<m:ParentFolderIds><t:DistinguishedFolderId Id="contacts"/></m:ParentFolderIds></m:FindFolder>`,
    );
    const folders = messages(reply.body)[0]!.child('RootFolder')!.child('Folders')!.children;
    const hidden = Object.fromEntries(folders.map((f) => [f.childText('DisplayName'), f.child('ExtendedProperty')!.childText('Value')]));
    assert.deepEqual(hidden, { 'IM Contact List': 'true', PeopleConnect: 'true', 'Quick Contacts': 'true', 'Recipient Cache': 'true' });
    assert.equal(folders[0]!.child('ExtendedProperty')!.child('ExtendedFieldURI')!.attr('PropertyTag'), '0x10f4');
  });

  it('pages with IndexedPageFolderView from the beginning and from the end', async () => {
    const page = async (view: string) => {
      const reply = await post(env.server.url, env.users.alice, findFolder('<t:DistinguishedFolderId Id="msgfolderroot"/>', view));
      const root = messages(reply.body)[0]!.child('RootFolder')!;
      return {
        names: root.child('Folders')!.children.map((f) => f.childText('DisplayName')),
        offset: root.attr('IndexedPagingOffset'),
        last: root.attr('IncludesLastItemInRange'),
        total: root.attr('TotalItemsInView'),
      };
    };
    assert.deepEqual(await page('<m:IndexedPageFolderView MaxEntriesReturned="4" Offset="0" BasePoint="Beginning"/>'), {
      names: IPM_FOLDERS.slice(0, 4),
      offset: '4',
      last: 'false',
      total: '15',
    });
    assert.deepEqual(await page('<m:IndexedPageFolderView MaxEntriesReturned="4" Offset="12" BasePoint="Beginning"/>'), {
      names: IPM_FOLDERS.slice(12),
      offset: '15',
      last: 'true',
      total: '15',
    });
    assert.deepEqual(await page('<m:IndexedPageFolderView MaxEntriesReturned="4" Offset="40" BasePoint="Beginning"/>'), {
      names: [],
      offset: '15',
      last: 'true',
      total: '15',
    });
    assert.deepEqual(await page('<m:IndexedPageFolderView MaxEntriesReturned="4" Offset="0" BasePoint="End"/>'), {
      names: IPM_FOLDERS.slice(11),
      offset: '4',
      last: 'false',
      total: '15',
    });
    assert.deepEqual(await page('<m:IndexedPageFolderView MaxEntriesReturned="4" Offset="12" BasePoint="End"/>'), {
      names: IPM_FOLDERS.slice(0, 3),
      offset: '15',
      last: 'true',
      total: '15',
    });
  });

  it('pages with FractionalPageFolderView', async () => {
    const reply = await post(
      env.server.url,
      env.users.alice,
      findFolder('<t:DistinguishedFolderId Id="msgfolderroot"/>', '<m:FractionalPageFolderView MaxEntriesReturned="3" Numerator="1" Denominator="3"/>'),
    );
    const root = messages(reply.body)[0]!.child('RootFolder')!;
    assert.deepEqual(root.child('Folders')!.children.map((f) => f.childText('DisplayName')), IPM_FOLDERS.slice(5, 8));
    assert.equal(root.attr('NumeratorOffset'), '8');
    assert.equal(root.attr('AbsoluteDenominator'), '15');
    assert.equal(root.attr('IncludesLastItemInRange'), 'false');
  });

  it('answers one message per parent, in order, with per-parent errors', async () => {
    const reply = await post(
      env.server.url,
      env.users.alice,
      findFolder('<t:DistinguishedFolderId Id="syncissues"/><t:FolderId Id="DUMMY"/><t:DistinguishedFolderId Id="publicfoldersroot"/><t:DistinguishedFolderId Id="inbox"/>'),
    );
    assert.deepEqual(outcomes(reply.body), [
      ['Success', 'NoError'],
      ['Error', 'ErrorInvalidIdMalformed'],
      ['Error', 'ErrorFolderNotFound'],
      ['Success', 'NoError'],
    ]);
    const [sync, , , inbox] = messages(reply.body);
    assert.deepEqual(sync!.child('RootFolder')!.child('Folders')!.children.map((f) => f.childText('DisplayName')), ['Conflicts', 'Local Failures', 'Server Failures']);
    assert.equal(inbox!.child('RootFolder')!.attr('TotalItemsInView'), '0');
  });

  it("filters with DavMail's folder-class restriction and finds a subfolder by name", async () => {
    await createFolders(env.server.url, env.users.alice, 'inbox', 'Lists', 'Receipts');
    const cls = (c: string) =>
      `<t:IsEqualTo><t:ExtendedFieldURI PropertyTag="0x3613" PropertyType="String"/><t:FieldURIOrConstant><t:Constant Value="${c}"/></t:FieldURIOrConstant></t:IsEqualTo>`;
    const mailFolders = `<m:Restriction><t:Or>${cls('IPF.Note')}${cls('IPF.Note.Microsoft.Conversation')}<t:Not><t:Exists><t:ExtendedFieldURI PropertyTag="0x3613" PropertyType="String"/></t:Exists></t:Not></t:Or></m:Restriction>`;
    const reply = await post(env.server.url, env.users.alice, findFolder('<t:DistinguishedFolderId Id="msgfolderroot"/>', mailFolders, 'Deep', 'IdOnly'));
    const mail = messages(reply.body)[0]!.child('RootFolder')!;
    // 13 mail folders of a new mailbox plus the two just made; no Calendar, Contacts (and its subfolders), Tasks, Notes, Journal.
    assert.equal(mail.attr('TotalItemsInView'), '15');
    assert.equal(mail.child('Folders')!.children.length, 15);

    const byName = `<m:Restriction><t:IsEqualTo><t:FieldURI FieldURI="folder:DisplayName"/><t:FieldURIOrConstant><t:Constant Value="receipts"/></t:FieldURIOrConstant></t:IsEqualTo></m:Restriction>`;
    const found = await post(env.server.url, env.users.alice, findFolder('<t:DistinguishedFolderId Id="inbox"/>', byName, 'Shallow', 'AllProperties'));
    const folders = messages(found.body)[0]!.child('RootFolder')!.child('Folders')!.children;
    assert.deepEqual(folders.map((f) => [f.childText('DisplayName'), f.childText('FolderClass')]), [['Receipts', 'IPF.Note']]);
    assert.ok(folders[0]!.child('ParentFolderId')!.attr('Id'));
  });

  it('reads requests written the way Evolution writes them (messages: prefix, default types namespace)', async () => {
    const xml =
      `<?xml version="1.0" encoding="UTF-8"?>` +
      `<SOAP-ENV:Envelope xmlns:SOAP-ENV="${NS.soap}" xmlns:types="${NS.types}" xmlns:messages="${NS.messages}">` +
      `<SOAP-ENV:Header><types:RequestServerVersion Version="Exchange2010_SP1"/></SOAP-ENV:Header><SOAP-ENV:Body>` +
      `<messages:FindFolder xmlns="${NS.types}" Traversal="Deep"><messages:FolderShape><BaseShape>AllProperties</BaseShape>` +
      `<AdditionalProperties><ExtendedFieldURI PropertyTag="4340" PropertyType="Boolean"/></AdditionalProperties></messages:FolderShape>` +
      `<messages:ParentFolderIds><DistinguishedFolderId Id="msgfolderroot"/></messages:ParentFolderIds></messages:FindFolder>` +
      `</SOAP-ENV:Body></SOAP-ENV:Envelope>`;
    const reply = await postRaw(env.server.url, env.users.alice, xml);
    assert.deepEqual(outcomes(reply.body), [['Success', 'NoError']]);
    const names = messages(reply.body)[0]!.child('RootFolder')!.child('Folders')!.children.map((f) => f.childText('DisplayName'));
    assert.ok(names.includes('Inbox') && names.includes('Lists') && names.includes('Recipient Cache'));
  });

  it('refuses a broken request with a schema fault', async () => {
    for (const body of [
      `<m:FindFolder><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape><m:ParentFolderIds><t:DistinguishedFolderId Id="inbox"/></m:ParentFolderIds></m:FindFolder>`,
      findFolder(''),
      findFolder('<t:DistinguishedFolderId Id="inbox"/>', '<m:IndexedPageFolderView MaxEntriesReturned="0" Offset="0" BasePoint="Beginning"/>'),
      findFolder('<t:DistinguishedFolderId Id="inbox"/>', '<m:IndexedPageFolderView Offset="-1" BasePoint="Beginning"/>'),
      findFolder('<t:DistinguishedFolderId Id="inbox"/>', '<m:Restriction><t:Near/></m:Restriction>'),
    ]) {
      const reply = await post(env.server.url, env.users.alice, body);
      assert.equal(reply.status, 500);
      assert.equal(reply.body.child('detail', '')?.child('ResponseCode', NS.errors)?.text, 'ErrorSchemaValidation');
    }
  });
});
