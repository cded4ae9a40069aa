import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useTestServer } from './support/server.js';
import { messages, NS, outcomes, post, postRaw } from './support/soap.js';
import { createFolders, folderIdXml, folderNames, type FolderRef } from './support/folders.js';

const getFolder = (id: FolderRef | string) =>
  `<m:GetFolder><m:FolderShape><t:BaseShape>AllProperties</t:BaseShape><t:AdditionalProperties><t:ExtendedFieldURI PropertyTag="0x10f4" PropertyType="Boolean"/></t:AdditionalProperties></m:FolderShape><m:FolderIds>${folderIdXml(id)}</m:FolderIds></m:GetFolder>`;

const setName = (id: FolderRef | string, name: string) =>
  `<t:FolderChange>${folderIdXml(id)}<t:Updates><t:SetFolderField><t:FieldURI FieldURI="folder:DisplayName"/><t:Folder><t:DisplayName>${name}</t:DisplayName></t:Folder></t:SetFolderField></t:Updates></t:FolderChange>`;

describe('CreateFolder', () => {
  const env = useTestServer('alice', 'bob');

  it('creates folders of every kind, with the class the element implies, and returns their ids', async () => {
    const reply = await post(
      env.server.url,
      env.users.alice,
      `<m:CreateFolder><m:ParentFolderId><t:DistinguishedFolderId Id="msgfolderroot"/></m:ParentFolderId><m:Folders>` +
        `<t:Folder><t:DisplayName>Projects</t:DisplayName></t:Folder>` +
        `<t:CalendarFolder><t:DisplayName>Team Calendar</t:DisplayName></t:CalendarFolder>` +
        `<t:ContactsFolder><t:DisplayName>Suppliers</t:DisplayName></t:ContactsFolder>` +
        `<t:TasksFolder><t:DisplayName>Chores</t:DisplayName></t:TasksFolder>` +
        `<t:SearchFolder><t:DisplayName>Unread mail</t:DisplayName></t:SearchFolder>` +
        `<t:Folder><t:FolderClass>IPF.StickyNote</t:FolderClass><t:DisplayName>Jottings</t:DisplayName></t:Folder>` +
        `</m:Folders></m:CreateFolder>`,
    );
    assert.deepEqual(outcomes(reply.body), Array(6).fill(['Success', 'NoError']));
    const created = messages(reply.body).map((m) => m.child('Folders')!.children[0]!);
    assert.deepEqual(created.map((f) => f.name), ['Folder', 'CalendarFolder', 'ContactsFolder', 'TasksFolder', 'SearchFolder', 'Folder']);
    for (const f of created) assert.deepEqual(f.children.map((c) => c.name), ['FolderId'], 'only the id comes back');

    const classes: Array<[string | undefined, string | undefined]> = [];
    for (const f of created) {
      const got = await post(env.server.url, env.users.alice, getFolder({ id: f.child('FolderId')!.attr('Id')!, changeKey: '' }));
      const folder = messages(got.body)[0]!.child('Folders')!.children[0]!;
      classes.push([folder.childText('DisplayName'), folder.childText('FolderClass')]);
    }
    assert.deepEqual(classes, [
      ['Projects', 'IPF.Note'],
      ['Team Calendar', 'IPF.Appointment'],
      ['Suppliers', 'IPF.Contact'],
      ['Chores', 'IPF.Task'],
      ['Unread mail', 'IPF.Note'],
      ['Jottings', 'IPF.StickyNote'],
    ]);
  });

  it('fails single items: duplicate names (any case), missing names, class overrides, bad parents', async () => {
    await createFolders(env.server.url, env.users.alice, 'inbox', 'Receipts');
    const reply = await post(
      env.server.url,
      env.users.alice,
      `<m:CreateFolder><m:ParentFolderId><t:DistinguishedFolderId Id="inbox"/></m:ParentFolderId><m:Folders>` +
        `<t:Folder><t:DisplayName>RECEIPTS</t:DisplayName></t:Folder>` +
        `<t:Folder><t:DisplayName>Fresh</t:DisplayName></t:Folder>` +
        `<t:Folder><t:FolderClass>IPF.Note</t:FolderClass></t:Folder>` +
        `<t:CalendarFolder><t:FolderClass>IPF.Note</t:FolderClass><t:DisplayName>Odd</t:DisplayName></t:CalendarFolder>` +
        `<t:Folder><t:DisplayName>Fresh</t:DisplayName></t:Folder>` +
        `</m:Folders></m:CreateFolder>`,
    );
    assert.deepEqual(outcomes(reply.body), [
      ['Error', 'ErrorFolderExists'],
      ['Success', 'NoError'],
      ['Error', 'ErrorRequiredPropertyMissing'],
      ['Error', 'ErrorNoFolderClassOverride'],
      ['Error', 'ErrorFolderExists'],
    ]);
    assert.equal(messages(reply.body)[0]!.childText('MessageText'), 'A folder with the specified name already exists.');
    assert.deepEqual(await folderNames(env.server.url, env.users.alice, 'inbox'), ['Fresh', 'Receipts']);

    const badParent = await post(
      env.server.url,
      env.users.alice,
      `<m:CreateFolder><m:ParentFolderId><t:FolderId Id="DUMMY"/></m:ParentFolderId><m:Folders><t:Folder><t:DisplayName>A</t:DisplayName></t:Folder><t:Folder><t:DisplayName>B</t:DisplayName></t:Folder></m:Folders></m:CreateFolder>`,
    );
    assert.deepEqual(outcomes(badParent.body), [['Error', 'ErrorInvalidIdMalformed'], ['Error', 'ErrorInvalidIdMalformed']]);
  });

  it("never creates in another user's mailbox", async () => {
    const [bobsFolder] = await createFolders(env.server.url, env.users.bob, 'inbox', 'Private');
    const reply = await post(
      env.server.url,
      env.users.alice,
      `<m:CreateFolder><m:ParentFolderId>${folderIdXml(bobsFolder!)}</m:ParentFolderId><m:Folders><t:Folder><t:DisplayName>Intruder</t:DisplayName></t:Folder></m:Folders></m:CreateFolder>`,
    );
    assert.deepEqual(outcomes(reply.body), [['Error', 'ErrorAccessDenied']]);
    assert.deepEqual(await folderNames(env.server.url, env.users.bob, bobsFolder!), []);
  });

  it('creates a hidden folder when PR_ATTR_HIDDEN is given', async () => {
    const reply = await post(
      env.server.url,
      env.users.alice,
      `<m:CreateFolder><m:ParentFolderId><t:DistinguishedFolderId Id="root"/></m:ParentFolderId><m:Folders><t:Folder><t:DisplayName>App Data</t:DisplayName>` +
        `<t:ExtendedProperty><t:ExtendedFieldURI PropertyTag="0x10f4" PropertyType="Boolean"/><t:Value>true</t:Value></t:ExtendedProperty></t:Folder></m:Folders></m:CreateFolder>`,
    );
    const id = messages(reply.body)[0]!.child('Folders')!.child('Folder')!.child('FolderId')!.attr('Id')!;
    const got = await post(env.server.url, env.users.alice, getFolder({ id, changeKey: '' }));
    assert.equal(messages(got.body)[0]!.child('Folders')!.child('Folder')!.child('ExtendedProperty')!.childText('Value'), 'true');
  });
});

describe('UpdateFolder', () => {
  const env = useTestServer('alice');

  it('renames a folder, keeps its id and returns a new ChangeKey', async () => {
    const [a] = await createFolders(env.server.url, env.users.alice, 'inbox', 'Draft plans');
    const reply = await post(env.server.url, env.users.alice, `<m:UpdateFolder><m:FolderChanges>${setName(a!, 'Plans')}</m:FolderChanges></m:UpdateFolder>`);
    assert.deepEqual(outcomes(reply.body), [['Success', 'NoError']]);
    const id = messages(reply.body)[0]!.child('Folders')!.child('Folder')!.child('FolderId')!;
    assert.equal(id.attr('Id'), a!.id);
    assert.notEqual(id.attr('ChangeKey'), a!.changeKey);
    assert.deepEqual(await folderNames(env.server.url, env.users.alice, 'inbox'), ['Plans']);
  });

  it('sets and deletes the folder class and the hidden flag, by FieldURI or MAPI tag', async () => {
    const [f] = await createFolders(env.server.url, env.users.alice, 'inbox', 'Sundry');
    const reply = await post(
      env.server.url,
      env.users.alice,
      `<m:UpdateFolder><m:FolderChanges><t:FolderChange>${folderIdXml(f!)}<t:Updates>` +
        `<t:SetFolderField><t:FieldURI FieldURI="folder:FolderClass"/><t:Folder><t:FolderClass>IPF.Note.Custom</t:FolderClass></t:Folder></t:SetFolderField>` +
        `<t:SetFolderField><t:ExtendedFieldURI PropertyTag="0x10f4" PropertyType="Boolean"/><t:Folder><t:ExtendedProperty><t:ExtendedFieldURI PropertyTag="0x10f4" PropertyType="Boolean"/><t:Value>true</t:Value></t:ExtendedProperty></t:Folder></t:SetFolderField>` +
        `</t:Updates></t:FolderChange></m:FolderChanges></m:UpdateFolder>`,
    );
    assert.deepEqual(outcomes(reply.body), [['Success', 'NoError']]);
    let folder = messages((await post(env.server.url, env.users.alice, getFolder(f!))).body)[0]!.child('Folders')!.child('Folder')!;
    assert.equal(folder.childText('FolderClass'), 'IPF.Note.Custom');
    assert.equal(folder.child('ExtendedProperty')!.childText('Value'), 'true');

    const del = await post(
      env.server.url,
      env.users.alice,
      `<m:UpdateFolder><m:FolderChanges><t:FolderChange>${folderIdXml(f!)}<t:Updates>` +
        `<t:DeleteFolderField><t:FieldURI FieldURI="folder:FolderClass"/></t:DeleteFolderField>` +
        `<t:DeleteFolderField><t:ExtendedFieldURI PropertyTag="4340" PropertyType="Boolean"/></t:DeleteFolderField>` +
        `</t:Updates></t:FolderChange></m:FolderChanges></m:UpdateFolder>`,
    );
    assert.deepEqual(outcomes(del.body), [['Success', 'NoError']]);
    folder = messages((await post(env.server.url, env.users.alice, getFolder(f!))).body)[0]!.child('Folders')!.child('Folder')!;
    assert.equal(folder.childText('FolderClass'), undefined);
    assert.equal(folder.child('ExtendedProperty')!.childText('Value'), 'false');
  });

  it('fails single changes with the errors Exchange gives', async () => {
    const [one, two] = await createFolders(env.server.url, env.users.alice, 'drafts', 'One', 'Two');
    const reply = await post(
      env.server.url,
      env.users.alice,
      `<m:UpdateFolder><m:FolderChanges>` +
        setName(two!, 'one') +
        `<t:FolderChange>${folderIdXml(one!)}<t:Updates><t:DeleteFolderField><t:FieldURI FieldURI="folder:DisplayName"/></t:DeleteFolderField></t:Updates></t:FolderChange>` +
        `<t:FolderChange>${folderIdXml(one!)}<t:Updates><t:SetFolderField><t:FieldURI FieldURI="folder:TotalCount"/><t:Folder><t:TotalCount>5</t:TotalCount></t:Folder></t:SetFolderField></t:Updates></t:FolderChange>` +
        setName(one!, '') +
        setName('msgfolderroot', 'My Mailbox') +
        setName('root', 'Top') +
        setName({ id: 'DUMMY', changeKey: '' }, 'X') +
        setName('sentitems', 'Sent') +
        `<t:FolderChange>${folderIdXml(one!)}<t:Updates><t:SetFolderField><t:FieldURI FieldURI="folder:DisplayName"/><t:Folder><t:FolderClass>IPF.X</t:FolderClass></t:Folder></t:SetFolderField></t:Updates></t:FolderChange>` +
        `<t:FolderChange>${folderIdXml(one!)}<t:Updates><t:SetFolderField><t:FieldURI FieldURI="folder:DisplayName"/><t:Folder><t:DisplayName>Z</t:DisplayName><t:FolderClass>IPF.X</t:FolderClass></t:Folder></t:SetFolderField></t:Updates></t:FolderChange>` +
        `</m:FolderChanges></m:UpdateFolder>`,
    );
    assert.deepEqual(outcomes(reply.body), [
      ['Error', 'ErrorFolderExists'],
      ['Error', 'ErrorInvalidPropertyDelete'],
      ['Error', 'ErrorInvalidPropertySet'],
      ['Error', 'ErrorRequiredPropertyMissing'],
      ['Error', 'ErrorAccessDenied'],
      ['Error', 'ErrorAccessDenied'],
      ['Error', 'ErrorInvalidIdMalformed'],
      ['Success', 'NoError'],
      ['Error', 'ErrorUpdatePropertyMismatch'],
      ['Error', 'ErrorIncorrectUpdatePropertyCount'],
    ]);
    assert.deepEqual(await folderNames(env.server.url, env.users.alice, 'drafts'), ['One', 'Two']);
    const tops = await folderNames(env.server.url, env.users.alice, 'msgfolderroot');
    assert.ok(tops.includes('Sent') && !tops.includes('Sent Items'), 'mail folders such as Sent Items may be renamed (Outlook localises them so)');
  });

  it('reads an Evolution-style request with a default types namespace', async () => {
    const [f] = await createFolders(env.server.url, env.users.alice, 'inbox', 'Evo');
    const xml =
      `<?xml version="1.0" encoding="UTF-8"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="${NS.soap}" xmlns:messages="${NS.messages}"><SOAP-ENV:Body>` +
      `<messages:UpdateFolder xmlns="${NS.types}"><messages:FolderChanges><FolderChange><FolderId Id="${f!.id}" ChangeKey="stale"/><Updates><SetFolderField>` +
      `<FieldURI FieldURI="folder:DisplayName"/><Folder><DisplayName>Evolved</DisplayName></Folder></SetFolderField></Updates></FolderChange></messages:FolderChanges></messages:UpdateFolder>` +
      `</SOAP-ENV:Body></SOAP-ENV:Envelope>`;
    const reply = await postRaw(env.server.url, env.users.alice, xml);
    assert.deepEqual(outcomes(reply.body), [['Success', 'NoError']]);
    assert.ok((await folderNames(env.server.url, env.users.alice, 'inbox')).includes('Evolved'));
  });
});
