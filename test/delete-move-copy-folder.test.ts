import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useTestServer } from './support/server.js';
import { messages, outcomes, post } from './support/soap.js';
import { createFolders, folderIdXml, folderNames, type FolderRef } from './support/folders.js';

const del = (type: string, ...ids: Array<FolderRef | string>) =>
  `<m:DeleteFolder DeleteType="${type}"><m:FolderIds>${ids.map(folderIdXml).join('')}</m:FolderIds></m:DeleteFolder>`;

const moveOrCopy = (op: 'MoveFolder' | 'CopyFolder', to: FolderRef | string, ...ids: Array<FolderRef | string>) =>
  `<m:${op}><m:ToFolderId>${folderIdXml(to)}</m:ToFolderId><m:FolderIds>${ids.map(folderIdXml).join('')}</m:FolderIds></m:${op}>`;

/** The folder id of each successful Move/CopyFolder message. */
function returnedIds(body: Parameters<typeof messages>[0]): Array<string | undefined> {
  return messages(body).map((m) => m.child('Folders')?.children[0]?.child('FolderId')?.attr('Id'));
}

describe('DeleteFolder', () => {
  const env = useTestServer('alice');

  it('hard-deletes a folder with its subtree', async () => {
    const [parent] = await createFolders(env.server.url, env.users.alice, 'inbox', 'Old');
    await createFolders(env.server.url, env.users.alice, parent!, 'Older');
    const reply = await post(env.server.url, env.users.alice, del('HardDelete', parent!));
    assert.deepEqual(outcomes(reply.body), [['Success', 'NoError']]);
    assert.equal(messages(reply.body)[0]!.children.length, 1, 'nothing but the ResponseCode');
    assert.deepEqual(await folderNames(env.server.url, env.users.alice, 'inbox'), []);
    const again = await post(env.server.url, env.users.alice, del('HardDelete', parent!));
    assert.deepEqual(outcomes(again.body), [['Error', 'ErrorFolderNotFound']]);
  });

  it('moves to Deleted Items, then into the hidden dumpster, renaming next to namesakes', async () => {
    const [first] = await createFolders(env.server.url, env.users.alice, 'inbox', 'Temp');
    assert.deepEqual(outcomes((await post(env.server.url, env.users.alice, del('MoveToDeletedItems', first!))).body), [['Success', 'NoError']]);
    const [second] = await createFolders(env.server.url, env.users.alice, 'inbox', 'Temp');
    assert.deepEqual(outcomes((await post(env.server.url, env.users.alice, del('MoveToDeletedItems', second!))).body), [['Success', 'NoError']]);
    assert.deepEqual(await folderNames(env.server.url, env.users.alice, 'deleteditems'), ['Temp', 'Temp (2)']);

    // A folder already in Deleted Items is soft-deleted: gone from every normal view.
    assert.deepEqual(outcomes((await post(env.server.url, env.users.alice, del('MoveToDeletedItems', first!))).body), [['Success', 'NoError']]);
    assert.deepEqual(await folderNames(env.server.url, env.users.alice, 'deleteditems'), ['Temp (2)']);
    assert.ok(!(await folderNames(env.server.url, env.users.alice, 'root', 'Deep')).includes('Temp'));
    assert.deepEqual(await folderNames(env.server.url, env.users.alice, 'recoverableitemsdeletions'), ['Temp']);

    // Deleting from the dumpster purges.
    assert.deepEqual(outcomes((await post(env.server.url, env.users.alice, del('SoftDelete', first!))).body), [['Success', 'NoError']]);
    assert.deepEqual(await folderNames(env.server.url, env.users.alice, 'recoverableitemsdeletions'), []);
  });

  it('soft-deletes straight into the dumpster', async () => {
    const [f] = await createFolders(env.server.url, env.users.alice, 'drafts', 'Soft');
    assert.deepEqual(outcomes((await post(env.server.url, env.users.alice, del('SoftDelete', f!))).body), [['Success', 'NoError']]);
    assert.deepEqual(await folderNames(env.server.url, env.users.alice, 'drafts'), []);
    assert.deepEqual(await folderNames(env.server.url, env.users.alice, 'recoverableitemsdeletions'), ['Soft']);
  });

  it('refuses distinguished folders and bad ids per item', async () => {
    const [keep] = await createFolders(env.server.url, env.users.alice, 'inbox', 'Gone soon');
    const reply = await post(env.server.url, env.users.alice, del('HardDelete', 'inbox', { id: 'DUMMY', changeKey: '' }, keep!, 'root', 'publicfoldersroot'));
    assert.deepEqual(outcomes(reply.body), [
      ['Error', 'ErrorDeleteDistinguishedFolder'],
      ['Error', 'ErrorInvalidIdMalformed'],
      ['Success', 'NoError'],
      ['Error', 'ErrorDeleteDistinguishedFolder'],
      ['Error', 'ErrorFolderNotFound'],
    ]);
    assert.equal(messages(reply.body)[0]!.childText('MessageText'), 'Distinguished folders cannot be deleted.');
    const fault = await post(env.server.url, env.users.alice, del('Shred', 'inbox'));
    assert.equal(fault.status, 500);
  });
});

describe('MoveFolder and CopyFolder', () => {
  const env = useTestServer('alice', 'bob');

  it('moves folders with their subtrees and keeps their ids', async () => {
    const [projects, archive] = await createFolders(env.server.url, env.users.alice, 'inbox', 'Projects', 'Old projects');
    await createFolders(env.server.url, env.users.alice, projects!, 'Apollo', 'Gemini');
    const reply = await post(env.server.url, env.users.alice, moveOrCopy('MoveFolder', archive!, projects!));
    assert.deepEqual(outcomes(reply.body), [['Success', 'NoError']]);
    assert.deepEqual(returnedIds(reply.body), [projects!.id]);
    assert.deepEqual(await folderNames(env.server.url, env.users.alice, 'inbox', 'Deep'), ['Old projects', 'Projects', 'Apollo', 'Gemini']);
  });

  it('copies a subtree as new, ordinary folders', async () => {
    const [src] = await createFolders(env.server.url, env.users.alice, 'drafts', 'Templates');
    await createFolders(env.server.url, env.users.alice, src!, 'Letters', 'Memos');
    const reply = await post(env.server.url, env.users.alice, moveOrCopy('CopyFolder', 'sentitems', src!, 'contacts'));
    assert.deepEqual(outcomes(reply.body), [['Success', 'NoError'], ['Success', 'NoError']]);
    const [copyId, contactsCopyId] = returnedIds(reply.body);
    assert.ok(copyId && copyId !== src!.id);
    assert.equal(messages(reply.body)[1]!.child('Folders')!.children[0]!.name, 'ContactsFolder');
    assert.deepEqual(await folderNames(env.server.url, env.users.alice, 'sentitems', 'Deep'), [
      'Contacts', 'IM Contact List', 'PeopleConnect', 'Quick Contacts', 'Recipient Cache', 'Templates', 'Letters', 'Memos',
    ]);
    assert.deepEqual(await folderNames(env.server.url, env.users.alice, 'drafts', 'Deep'), ['Templates', 'Letters', 'Memos'], 'the source stays');
    // The copy of a distinguished folder is an ordinary folder: it may be deleted.
    const delCopy = await post(env.server.url, env.users.alice, `<m:DeleteFolder DeleteType="HardDelete"><m:FolderIds><t:FolderId Id="${contactsCopyId}"/></m:FolderIds></m:DeleteFolder>`);
    assert.deepEqual(outcomes(delCopy.body), [['Success', 'NoError']]);
  });

  it('fails single folders: distinguished, own subtree, name clash, bad ids', async () => {
    const [a, b] = await createFolders(env.server.url, env.users.alice, 'junkemail', 'A', 'B');
    const [aChild] = await createFolders(env.server.url, env.users.alice, a!, 'B');
    const move = await post(env.server.url, env.users.alice, moveOrCopy('MoveFolder', a!, 'inbox', a!, b!, { id: 'DUMMY', changeKey: '' }));
    assert.deepEqual(outcomes(move.body), [
      ['Error', 'ErrorMoveDistinguishedFolder'],
      ['Error', 'ErrorMoveCopyFailed'],
      ['Error', 'ErrorFolderExists'],
      ['Error', 'ErrorInvalidIdMalformed'],
    ]);
    const intoChild = await post(env.server.url, env.users.alice, moveOrCopy('MoveFolder', aChild!, a!));
    assert.deepEqual(outcomes(intoChild.body), [['Error', 'ErrorMoveCopyFailed']]);
    const copy = await post(env.server.url, env.users.alice, moveOrCopy('CopyFolder', aChild!, a!, 'msgfolderroot', 'root'));
    assert.deepEqual(outcomes(copy.body), [
      ['Error', 'ErrorMoveCopyFailed'],
      ['Error', 'ErrorMoveDistinguishedFolder'],
      ['Error', 'ErrorMoveDistinguishedFolder'],
    ]);
    const nowhere = await post(env.server.url, env.users.alice, moveOrCopy('MoveFolder', 'publicfoldersroot', b!));
    assert.deepEqual(outcomes(nowhere.body), [['Error', 'ErrorToFolderNotFound']]);
    assert.deepEqual(await folderNames(env.server.url, env.users.alice, 'junkemail', 'Deep'), ['A', 'B', 'B']);
  });

  it("never moves or copies into or out of another user's mailbox", async () => {
    const [mine] = await createFolders(env.server.url, env.users.alice, 'inbox', 'Mine');
    const [theirs] = await createFolders(env.server.url, env.users.bob, 'inbox', 'Theirs');
    const into = await post(env.server.url, env.users.alice, moveOrCopy('MoveFolder', theirs!, mine!));
    assert.deepEqual(outcomes(into.body), [['Error', 'ErrorAccessDenied']]);
    const outOf = await post(env.server.url, env.users.alice, moveOrCopy('CopyFolder', 'inbox', theirs!));
    assert.deepEqual(outcomes(outOf.body), [['Error', 'ErrorAccessDenied']]);
    assert.deepEqual(await folderNames(env.server.url, env.users.bob, 'inbox'), ['Theirs']);
  });
});
