import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { StoreError } from '../src/store/store.js';

describe('SqliteStore folder moves and copies', () => {
  let dir: string;
  let store: SqliteStore;
  let mailboxId: number;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ewsd-store-'));
    store = SqliteStore.open(dir);
    mailboxId = (await store.createAccount({ email: 'a@example.com', displayName: 'A', passwordHash: 'x' })).id;
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const named = async (name: string) => (await store.distinguishedFolder(mailboxId, name))!;

  it('copies a subtree as ordinary folders, keeping classes and hidden flags, and moves the parent on', async () => {
    const inbox = await named('inbox');
    const drafts = await named('drafts');
    const top = await store.createFolder(mailboxId, inbox.id, { displayName: 'Top', folderClass: 'IPF.Note' });
    await store.createFolder(mailboxId, top.id, { displayName: 'Hidden', folderClass: 'IPF.Note.X', hidden: true });
    const copy = await store.copyFolder(mailboxId, top.id, drafts.id);
    assert.notEqual(copy.id, top.id);
    assert.equal(copy.parentId, drafts.id);
    assert.equal(copy.distinguishedId, null);
    const [child] = await store.childFolders(mailboxId, copy.id);
    assert.deepEqual([child!.displayName, child!.folderClass, child!.hidden], ['Hidden', 'IPF.Note.X', true]);
    assert.ok((await named('drafts')).modseq > drafts.modseq, "the destination's ChangeKey changes");

    const contactsCopy = await store.copyFolder(mailboxId, (await named('contacts')).id, drafts.id);
    assert.equal(contactsCopy.distinguishedId, null);
    assert.equal((await store.childFolders(mailboxId, contactsCopy.id)).length, 4);
  });

  it('refuses copies into the subtree and name clashes, leaving nothing half-written', async () => {
    const junk = await named('junkemail');
    const a = await store.createFolder(mailboxId, junk.id, { displayName: 'A', folderClass: null });
    const b = await store.createFolder(mailboxId, a.id, { displayName: 'B', folderClass: null });
    await assert.rejects(store.copyFolder(mailboxId, a.id, b.id), (e: StoreError) => e.kind === 'invalid');
    await assert.rejects(store.copyFolder(mailboxId, a.id, a.id), (e: StoreError) => e.kind === 'invalid');
    await assert.rejects(store.copyFolder(mailboxId, b.id, a.id), (e: StoreError) => e.kind === 'exists');
    await assert.rejects(store.copyFolder(mailboxId, a.id, 999_999), (e: StoreError) => e.kind === 'not-found');
    assert.deepEqual((await store.descendantFolders(mailboxId, junk.id)).map((f) => f.displayName), ['A', 'B']);
  });

  it('renames while moving, in one step', async () => {
    const outbox = await named('outbox');
    const trash = await named('deleteditems');
    const f = await store.createFolder(mailboxId, outbox.id, { displayName: 'Same', folderClass: null });
    await store.createFolder(mailboxId, trash.id, { displayName: 'Same', folderClass: null });
    await assert.rejects(store.moveFolder(mailboxId, f.id, trash.id), (e: StoreError) => e.kind === 'exists');
    const moved = await store.moveFolder(mailboxId, f.id, trash.id, 'Same (2)');
    assert.deepEqual([moved.parentId, moved.displayName], [trash.id, 'Same (2)']);
  });
});
