/**
 * The contract every {@link Store} implementation must keep, as tests. A backend's test file
 * calls {@link storeConformance} with a harness that opens fresh stores of that backend; the
 * same tests then run against SQLite today and PostgreSQL later. Extend this suite (not a
 * backend's own test file) when the Store interface grows.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { DISTINGUISHED_FOLDERS, type Folder } from '../src/domain/folder.js';
import { emptyMessageProps, type NewItem } from '../src/domain/item.js';
import type { Account } from '../src/domain/mailbox.js';
import { StoreError, type Store, type StoreErrorKind } from '../src/store/store.js';
import { FIRST_SYNC } from '../src/domain/sync.js';
import { syncConformance } from './store-conformance-sync.js';

export interface StoreHarness {
  /** Opens a new, empty store. */
  create(): Promise<Store>;
  /** Closes `store` and opens the same data again, as a restart would. */
  reopen(store: Store): Promise<Store>;
  /** Closes `store` if still open and removes its data. */
  destroy(store: Store): Promise<void>;
  /**
   * Asserts that a write the store has acknowledged is on stable storage (for SQLite: WAL
   * journal and synchronous=FULL). Every backend must say how it guarantees this.
   */
  assertDurable(store: Store): Promise<void>;
}

const HASH = 'scrypt$16384$8$1$c2FsdA==$a2V5';

async function rejectsWith(promise: Promise<unknown>, kind: StoreErrorKind): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof StoreError, `expected StoreError('${kind}'), got ${String(err)}`);
    assert.equal(err.kind, kind);
    return true;
  });
}

export function storeConformance(backend: string, harness: StoreHarness): void {
  describe(`Store conformance: ${backend}`, () => {
    const open: Store[] = [];
    afterEach(async () => {
      for (const s of open.splice(0)) await harness.destroy(s);
    });
    const fresh = async () => {
      const s = await harness.create();
      open.push(s);
      return s;
    };
    const account = (store: Store, email: string, displayName = email.split('@')[0]!) => store.createAccount({ email, displayName, passwordHash: HASH });
    const folderOf = async (store: Store, a: Account, name: string): Promise<Folder> => {
      const f = await store.distinguishedFolder(a.id, name);
      assert.ok(f, `no ${name} folder`);
      return f;
    };
    /** The folder as the store has it now. */
    const reread = async (store: Store, f: Folder): Promise<Folder> => {
      const now = await store.folder(f.mailboxId, f.id);
      assert.ok(now, `folder ${f.id} is gone`);
      return now;
    };

    describe('durability', () => {
      it('commits durably', async () => {
        await harness.assertDurable(await fresh());
      });

      it('keeps everything it acknowledged across a restart', async () => {
        const store = await fresh();
        const alice = await account(store, 'alice@example.com', 'Alice');
        const inbox = await folderOf(store, alice, 'inbox');
        const sub = await store.createFolder(alice.id, inbox.id, { displayName: 'Projects', folderClass: 'IPF.Note' });
        const again = await harness.reopen(store);
        open.splice(open.indexOf(store), 1, again);
        assert.deepEqual(await again.accountByEmail('alice@example.com'), alice);
        assert.deepEqual(await again.folder(alice.id, sub.id), sub);
        assert.equal((await again.childFolders(alice.id, inbox.id)).length, 1);
      });

      it('keeps the MIME of every remaining item through reclaiming the space of deleted ones, and a restart after', async () => {
        let store = await fresh();
        const alice = await account(store, 'alice@example.com');
        const inbox = await folderOf(store, alice, 'inbox');
        const mimeOf = (i: number) => Buffer.from(`Subject: m${i}\r\n\r\n${'body '.repeat(200 * (i + 1))}\r\n`);
        const created = await store.createItems(
          alice.id,
          inbox.id,
          Array.from({ length: 6 }, (_, i) => ({ props: { ...emptyMessageProps(), subject: `m${i}` }, attachments: [], mime: mimeOf(i) })),
        );
        const ids = created.map((c) => (assert.ok(c.ok), c.value.id));
        await store.deleteItems(alice.id, ids.slice(1, 5), 'hard');
        for (let steps = 0; await store.reclaimSpace(); steps++) assert.ok(steps < 100, 'reclaiming ends');
        const again = await harness.reopen(store);
        open.splice(open.indexOf(store), 1, again);
        store = again;
        assert.deepEqual(await store.itemMime(alice.id, ids[0]!), mimeOf(0));
        assert.deepEqual(await store.itemMime(alice.id, ids[5]!), mimeOf(5));
        assert.equal(await store.itemMime(alice.id, ids[2]!), undefined);
      });
    });

    describe('accounts', () => {
      it('creates an account with a mailbox GUID and the given fields', async () => {
        const store = await fresh();
        const before = Date.now();
        const a = await account(store, 'alice@example.com', 'Alice Liddell');
        assert.equal(a.email, 'alice@example.com');
        assert.equal(a.displayName, 'Alice Liddell');
        assert.equal(a.passwordHash, HASH);
        assert.match(a.guid, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
        assert.ok(a.createdAt instanceof Date && a.createdAt.getTime() >= before - 1000);
        assert.deepEqual(await store.accountByEmail('alice@example.com'), a);
        assert.deepEqual(await store.mailboxByGuid(a.guid), a);
      });

      it('stores addresses in lower case', async () => {
        const store = await fresh();
        const a = await account(store, 'Alice@Example.COM');
        assert.equal(a.email, 'alice@example.com');
        assert.ok(await store.accountByEmail('alice@example.com'));
      });

      it('refuses a second account with the same address, in any case, and leaves nothing behind', async () => {
        const store = await fresh();
        await account(store, 'alice@example.com');
        await rejectsWith(account(store, 'alice@example.com'), 'exists');
        await rejectsWith(account(store, 'ALICE@example.com'), 'exists');
        assert.equal((await store.listAccounts()).length, 1);
      });

      it('gives every mailbox its own GUID and its own folders', async () => {
        const store = await fresh();
        const a = await account(store, 'alice@example.com');
        const b = await account(store, 'bob@example.com');
        assert.notEqual(a.guid, b.guid);
        const aliceInbox = await folderOf(store, a, 'inbox');
        assert.equal(await store.folder(b.id, aliceInbox.id), undefined, 'a folder is found only in its own mailbox');
        assert.notEqual((await folderOf(store, b, 'inbox')).id, aliceInbox.id);
      });

      it('lists accounts by address', async () => {
        const store = await fresh();
        for (const e of ['carol@example.com', 'alice@example.com', 'bob@example.com']) await account(store, e);
        assert.deepEqual(
          (await store.listAccounts()).map((a) => a.email),
          ['alice@example.com', 'bob@example.com', 'carol@example.com'],
        );
      });

      it('answers unknown addresses and GUIDs with undefined', async () => {
        const store = await fresh();
        assert.equal(await store.accountByEmail('nobody@example.com'), undefined);
        assert.equal(await store.mailboxByGuid('00000000-0000-0000-0000-000000000000'), undefined);
        assert.deepEqual(await store.listAccounts(), []);
      });

      it('changes a password hash', async () => {
        const store = await fresh();
        await account(store, 'alice@example.com');
        assert.equal(await store.setPasswordHash('alice@example.com', 'scrypt$new'), true);
        assert.equal((await store.accountByEmail('alice@example.com'))?.passwordHash, 'scrypt$new');
        assert.equal(await store.setPasswordHash('nobody@example.com', 'x'), false);
      });

      it('removes an account with its whole mailbox, and nothing of anyone else', async () => {
        const store = await fresh();
        const a = await account(store, 'alice@example.com');
        const b = await account(store, 'bob@example.com');
        const inbox = await folderOf(store, a, 'inbox');
        const sub = await store.createFolder(a.id, inbox.id, { displayName: 'Sub', folderClass: 'IPF.Note' });
        assert.equal(await store.removeAccount('alice@example.com'), true);
        assert.equal(await store.removeAccount('alice@example.com'), false);
        assert.equal(await store.accountByEmail('alice@example.com'), undefined);
        assert.equal(await store.mailboxByGuid(a.guid), undefined);
        assert.equal(await store.folder(a.id, inbox.id), undefined);
        assert.equal(await store.folder(a.id, sub.id), undefined);
        assert.equal(await store.distinguishedFolder(a.id, 'inbox'), undefined);
        assert.ok(await store.distinguishedFolder(b.id, 'inbox'));
        assert.deepEqual((await store.listAccounts()).map((x) => x.email), ['bob@example.com']);
        // The address is free again, for a new mailbox with a new GUID.
        const again = await account(store, 'alice@example.com');
        assert.notEqual(again.guid, a.guid);
      });
    });

    describe('distinguished folders', () => {
      it('creates every distinguished folder with its parent, name and class', async () => {
        const store = await fresh();
        const a = await account(store, 'alice@example.com');
        const byName = new Map<string, Folder>();
        for (const spec of DISTINGUISHED_FOLDERS) byName.set(spec.id, await folderOf(store, a, spec.id));
        for (const spec of DISTINGUISHED_FOLDERS) {
          const f = byName.get(spec.id)!;
          assert.equal(f.distinguishedId, spec.id);
          assert.equal(f.displayName, spec.displayName);
          assert.equal(f.folderClass, spec.folderClass);
          assert.equal(f.isSearchFolder, spec.isSearchFolder ?? false, spec.id);
          assert.equal(f.hidden, spec.hidden ?? false, spec.id);
          assert.equal(f.mailboxId, a.id);
          assert.equal(f.parentId, spec.parent === null ? null : byName.get(spec.parent)!.id, spec.id);
          assert.equal(f.totalCount, 0);
          assert.equal(f.unreadCount, 0);
        }
        const root = byName.get('root')!;
        assert.equal(root.parentId, null);
        assert.equal((await store.descendantFolders(a.id, root.id)).length, DISTINGUISHED_FOLDERS.length - 1);
      });

      it('includes the folders clients ask for at start-up', async () => {
        const names = new Set(DISTINGUISHED_FOLDERS.map((f) => f.id));
        for (const n of ['root', 'msgfolderroot', 'inbox', 'drafts', 'sentitems', 'deleteditems', 'outbox', 'junkemail', 'calendar', 'contacts', 'tasks', 'notes', 'journal', 'archive', 'conversationhistory', 'recipientcache', 'quickcontacts', 'searchfolders', 'syncissues', 'recoverableitemsroot', 'recoverableitemsdeletions']) {
          assert.ok(names.has(n), n);
        }
      });

      it('answers an unknown name with undefined', async () => {
        const store = await fresh();
        const a = await account(store, 'alice@example.com');
        assert.equal(await store.distinguishedFolder(a.id, 'publicfoldersroot'), undefined);
        assert.equal(await store.distinguishedFolder(a.id, 'Inbox'), undefined, 'names are exact');
      });
    });

    describe('folder tree', () => {
      it('lists children by display name, ignoring case, with child counts', async () => {
        const store = await fresh();
        const a = await account(store, 'alice@example.com');
        const inbox = await folderOf(store, a, 'inbox');
        for (const name of ['beta', 'Alpha', 'gamma']) await store.createFolder(a.id, inbox.id, { displayName: name, folderClass: 'IPF.Note' });
        const children = await store.childFolders(a.id, inbox.id);
        assert.deepEqual(children.map((c) => c.displayName), ['Alpha', 'beta', 'gamma']);
        assert.equal((await reread(store, inbox)).childFolderCount, 3);
        assert.deepEqual(await store.childFolders(a.id, children[0]!.id), []);
      });

      it('lists descendants depth-first, parents before children, without the starting folder', async () => {
        const store = await fresh();
        const a = await account(store, 'alice@example.com');
        const inbox = await folderOf(store, a, 'inbox');
        const b = await store.createFolder(a.id, inbox.id, { displayName: 'B', folderClass: 'IPF.Note' });
        const aa = await store.createFolder(a.id, inbox.id, { displayName: 'A', folderClass: 'IPF.Note' });
        const a1 = await store.createFolder(a.id, aa.id, { displayName: 'A1', folderClass: 'IPF.Note' });
        const a1x = await store.createFolder(a.id, a1.id, { displayName: 'x', folderClass: 'IPF.Note' });
        const b1 = await store.createFolder(a.id, b.id, { displayName: 'B1', folderClass: 'IPF.Note' });
        assert.deepEqual(
          (await store.descendantFolders(a.id, inbox.id)).map((f) => f.id),
          [aa.id, a1.id, a1x.id, b.id, b1.id],
        );
      });

      it('never lists another mailbox\'s folders', async () => {
        const store = await fresh();
        const a = await account(store, 'alice@example.com');
        const b = await account(store, 'bob@example.com');
        const aliceInbox = await folderOf(store, a, 'inbox');
        await store.createFolder(a.id, aliceInbox.id, { displayName: 'Private', folderClass: 'IPF.Note' });
        assert.deepEqual(await store.childFolders(b.id, aliceInbox.id), []);
        assert.deepEqual(await store.descendantFolders(b.id, aliceInbox.id), []);
      });
    });

    describe('folder writes', () => {
      it('creates a folder under a parent', async () => {
        const store = await fresh();
        const a = await account(store, 'alice@example.com');
        const inbox = await folderOf(store, a, 'inbox');
        const f = await store.createFolder(a.id, inbox.id, { displayName: 'Receipts', folderClass: 'IPF.Note' });
        assert.equal(f.displayName, 'Receipts');
        assert.equal(f.folderClass, 'IPF.Note');
        assert.equal(f.parentId, inbox.id);
        assert.equal(f.mailboxId, a.id);
        assert.equal(f.distinguishedId, null);
        assert.equal(f.isSearchFolder, false);
        assert.equal(f.hidden, false);
        assert.equal(f.childFolderCount, 0);
        assert.deepEqual(await store.folder(a.id, f.id), f);
        const hidden = await store.createFolder(a.id, inbox.id, { displayName: 'Hidden', folderClass: null, hidden: true });
        assert.equal(hidden.hidden, true);
        assert.equal(hidden.folderClass, null);
      });

      it('refuses a name its parent already has, in any case, but allows it elsewhere', async () => {
        const store = await fresh();
        const a = await account(store, 'alice@example.com');
        const inbox = await folderOf(store, a, 'inbox');
        const drafts = await folderOf(store, a, 'drafts');
        await store.createFolder(a.id, inbox.id, { displayName: 'Receipts', folderClass: 'IPF.Note' });
        await rejectsWith(store.createFolder(a.id, inbox.id, { displayName: 'receipts', folderClass: 'IPF.Note' }), 'exists');
        await store.createFolder(a.id, drafts.id, { displayName: 'Receipts', folderClass: 'IPF.Note' });
        const b = await account(store, 'bob@example.com');
        await store.createFolder(b.id, (await folderOf(store, b, 'inbox')).id, { displayName: 'Receipts', folderClass: 'IPF.Note' });
        assert.equal((await store.childFolders(a.id, inbox.id)).length, 1);
      });

      it('refuses a parent that does not exist or belongs to another mailbox', async () => {
        const store = await fresh();
        const a = await account(store, 'alice@example.com');
        const b = await account(store, 'bob@example.com');
        await rejectsWith(store.createFolder(a.id, 999_999, { displayName: 'X', folderClass: null }), 'not-found');
        await rejectsWith(store.createFolder(a.id, (await folderOf(store, b, 'inbox')).id, { displayName: 'X', folderClass: null }), 'not-found');
        assert.deepEqual(await store.childFolders(b.id, (await folderOf(store, b, 'inbox')).id), []);
      });

      it('renames a folder and changes its class', async () => {
        const store = await fresh();
        const a = await account(store, 'alice@example.com');
        const inbox = await folderOf(store, a, 'inbox');
        const f = await store.createFolder(a.id, inbox.id, { displayName: 'Old', folderClass: 'IPF.Note' });
        const renamed = await store.updateFolder(a.id, f.id, { displayName: 'New' });
        assert.equal(renamed.displayName, 'New');
        assert.equal(renamed.folderClass, 'IPF.Note', 'unchanged fields stay');
        const reclassed = await store.updateFolder(a.id, f.id, { folderClass: null, hidden: true });
        assert.equal(reclassed.folderClass, null);
        assert.equal(reclassed.hidden, true);
        assert.equal(reclassed.displayName, 'New');
        assert.deepEqual(await store.folder(a.id, f.id), reclassed);
      });

      it('refuses a rename onto a sibling\'s name, and unknown or foreign folders', async () => {
        const store = await fresh();
        const a = await account(store, 'alice@example.com');
        const b = await account(store, 'bob@example.com');
        const inbox = await folderOf(store, a, 'inbox');
        await store.createFolder(a.id, inbox.id, { displayName: 'One', folderClass: null });
        const two = await store.createFolder(a.id, inbox.id, { displayName: 'Two', folderClass: null });
        await rejectsWith(store.updateFolder(a.id, two.id, { displayName: 'ONE' }), 'exists');
        assert.equal((await reread(store, two)).displayName, 'Two');
        await rejectsWith(store.updateFolder(a.id, 999_999, { displayName: 'X' }), 'not-found');
        await rejectsWith(store.updateFolder(b.id, two.id, { displayName: 'X' }), 'not-found');
        // A change of case only is a rename, not a clash with itself.
        assert.equal((await store.updateFolder(a.id, two.id, { displayName: 'TWO' })).displayName, 'TWO');
      });

      it('deletes a folder with its whole subtree', async () => {
        const store = await fresh();
        const a = await account(store, 'alice@example.com');
        const b = await account(store, 'bob@example.com');
        const inbox = await folderOf(store, a, 'inbox');
        const top = await store.createFolder(a.id, inbox.id, { displayName: 'Top', folderClass: null });
        const mid = await store.createFolder(a.id, top.id, { displayName: 'Mid', folderClass: null });
        const leaf = await store.createFolder(a.id, mid.id, { displayName: 'Leaf', folderClass: null });
        const keep = await store.createFolder(a.id, inbox.id, { displayName: 'Keep', folderClass: null });
        await rejectsWith(store.deleteFolder(b.id, top.id), 'not-found');
        await store.deleteFolder(a.id, top.id);
        for (const f of [top, mid, leaf]) assert.equal(await store.folder(a.id, f.id), undefined);
        assert.ok(await store.folder(a.id, keep.id));
        assert.equal((await reread(store, inbox)).childFolderCount, 1);
        await rejectsWith(store.deleteFolder(a.id, top.id), 'not-found');
      });

      it('moves a folder with its subtree', async () => {
        const store = await fresh();
        const a = await account(store, 'alice@example.com');
        const inbox = await folderOf(store, a, 'inbox');
        const drafts = await folderOf(store, a, 'drafts');
        const f = await store.createFolder(a.id, inbox.id, { displayName: 'Moving', folderClass: null });
        const child = await store.createFolder(a.id, f.id, { displayName: 'Child', folderClass: null });
        const moved = await store.moveFolder(a.id, f.id, drafts.id);
        assert.equal(moved.parentId, drafts.id);
        assert.equal(moved.id, f.id, 'a move keeps the folder\'s identity');
        assert.deepEqual((await store.descendantFolders(a.id, drafts.id)).map((x) => x.id), [f.id, child.id]);
        assert.deepEqual(await store.childFolders(a.id, inbox.id), []);
      });

      it('refuses a move into the folder itself or its own subtree', async () => {
        const store = await fresh();
        const a = await account(store, 'alice@example.com');
        const inbox = await folderOf(store, a, 'inbox');
        const f = await store.createFolder(a.id, inbox.id, { displayName: 'F', folderClass: null });
        const child = await store.createFolder(a.id, f.id, { displayName: 'Child', folderClass: null });
        const grandchild = await store.createFolder(a.id, child.id, { displayName: 'Grandchild', folderClass: null });
        await rejectsWith(store.moveFolder(a.id, f.id, f.id), 'invalid');
        await rejectsWith(store.moveFolder(a.id, f.id, child.id), 'invalid');
        await rejectsWith(store.moveFolder(a.id, f.id, grandchild.id), 'invalid');
        assert.equal((await reread(store, f)).parentId, inbox.id);
      });

      it('refuses a move onto a name the destination has, and unknown or foreign folders', async () => {
        const store = await fresh();
        const a = await account(store, 'alice@example.com');
        const b = await account(store, 'bob@example.com');
        const inbox = await folderOf(store, a, 'inbox');
        const drafts = await folderOf(store, a, 'drafts');
        const f = await store.createFolder(a.id, inbox.id, { displayName: 'Same', folderClass: null });
        await store.createFolder(a.id, drafts.id, { displayName: 'same', folderClass: null });
        await rejectsWith(store.moveFolder(a.id, f.id, drafts.id), 'exists');
        assert.equal((await reread(store, f)).parentId, inbox.id);
        await rejectsWith(store.moveFolder(a.id, f.id, 999_999), 'not-found');
        await rejectsWith(store.moveFolder(a.id, 999_999, drafts.id), 'not-found');
        await rejectsWith(store.moveFolder(a.id, f.id, (await folderOf(store, b, 'inbox')).id), 'not-found');
        await rejectsWith(store.moveFolder(b.id, f.id, (await folderOf(store, b, 'inbox')).id), 'not-found');
      });
    });

    describe('modification sequence (ChangeKeys)', () => {
      it('moves a folder\'s modseq on every write to it, and its parents\' when their children change', async () => {
        const store = await fresh();
        const a = await account(store, 'alice@example.com');
        const inbox = await folderOf(store, a, 'inbox');
        const drafts = await folderOf(store, a, 'drafts');
        const seen: number[] = [inbox.modseq];
        const step = async (what: string, folders: Folder[], write: () => Promise<unknown>) => {
          const before = await Promise.all(folders.map((f) => reread(store, f)));
          await write();
          for (const [i, f] of folders.entries()) {
            const after = await reread(store, f);
            assert.ok(after.modseq > before[i]!.modseq, `${what}: the modseq of ${f.displayName} did not move`);
            assert.ok(!seen.includes(after.modseq), `${what}: modseq ${after.modseq} handed out twice`);
            seen.push(after.modseq);
          }
        };
        let f!: Folder;
        await step('create', [inbox], async () => (f = await store.createFolder(a.id, inbox.id, { displayName: 'F', folderClass: null })));
        assert.ok(f.modseq > inbox.modseq);
        await step('rename', [f], () => store.updateFolder(a.id, f.id, { displayName: 'G' }));
        await step('change class', [f], () => store.updateFolder(a.id, f.id, { folderClass: 'IPF.Note' }));
        await step('move', [f, inbox, drafts], () => store.moveFolder(a.id, f.id, drafts.id));
        const child = await store.createFolder(a.id, f.id, { displayName: 'C', folderClass: null });
        await step('delete', [f], () => store.deleteFolder(a.id, child.id));
        await step('delete under drafts', [drafts], () => store.deleteFolder(a.id, f.id));
      });

      it('leaves the modseq alone on a refused write', async () => {
        const store = await fresh();
        const a = await account(store, 'alice@example.com');
        const inbox = await folderOf(store, a, 'inbox');
        const one = await store.createFolder(a.id, inbox.id, { displayName: 'One', folderClass: null });
        const two = await store.createFolder(a.id, inbox.id, { displayName: 'Two', folderClass: null });
        const before = await reread(store, inbox);
        await rejectsWith(store.createFolder(a.id, inbox.id, { displayName: 'one', folderClass: null }), 'exists');
        await rejectsWith(store.updateFolder(a.id, two.id, { displayName: 'one' }), 'exists');
        assert.equal((await reread(store, inbox)).modseq, before.modseq);
        assert.equal((await reread(store, two)).modseq, two.modseq);
        assert.equal((await reread(store, one)).modseq, one.modseq);
      });

      it('keeps each mailbox\'s sequence to itself', async () => {
        const store = await fresh();
        const a = await account(store, 'alice@example.com');
        const b = await account(store, 'bob@example.com');
        const bobInbox = await folderOf(store, b, 'inbox');
        await store.createFolder(a.id, (await folderOf(store, a, 'inbox')).id, { displayName: 'X', folderClass: null });
        assert.equal((await reread(store, bobInbox)).modseq, bobInbox.modseq);
      });
    });

    describe('sending (submitMessages)', () => {
      const note = (subject: string): NewItem => ({ props: { ...emptyMessageProps(), subject }, attachments: [] });
      const outbound = { sender: 'alice@example.com', recipients: ['zoe@remote.test'], raw: Buffer.from('Subject: x\r\n\r\nx\r\n') };

      it('removes the draft, creates the copy, delivers locally and queues remote mail together', async () => {
        const store = await fresh();
        const a = await account(store, 'alice@example.com');
        const b = await account(store, 'bob@example.com');
        const [drafts, sent, bobInbox] = [await folderOf(store, a, 'drafts'), await folderOf(store, a, 'sentitems'), await folderOf(store, b, 'inbox')];
        const [created] = await store.createItems(a.id, drafts.id, [note('hello')]);
        assert.ok(created?.ok);
        const draft = created.value;
        const [done] = await store.submitMessages([
          {
            source: { mailboxId: a.id, itemId: draft.id, modseq: draft.modseq, remove: true },
            copy: { mailboxId: a.id, folderId: sent.id, item: note('hello') },
            deliveries: [{ mailboxId: b.id, folderId: bobInbox.id, item: note('hello') }],
            outbound,
          },
        ]);
        assert.ok(done?.ok);
        assert.equal(done.value.copy?.folderId, sent.id);
        assert.equal(done.value.delivered[0]?.folderId, bobInbox.id);
        assert.ok(done.value.outboundId !== undefined);
        assert.deepEqual(await store.items(a.id, [draft.id]), [undefined]);
        assert.equal((await reread(store, drafts)).totalCount, 0);
        assert.equal((await reread(store, sent)).totalCount, 1);
        assert.equal((await reread(store, bobInbox)).totalCount, 1);
        assert.deepEqual((await store.listOutbound()).map((m) => m.recipients.map((r) => r.address)), [['zoe@remote.test']]);
      });

      it('a stale or missing draft fails its entry only, leaving nothing of it behind', async () => {
        const store = await fresh();
        const a = await account(store, 'alice@example.com');
        const [drafts, sent] = [await folderOf(store, a, 'drafts'), await folderOf(store, a, 'sentitems')];
        const [created] = await store.createItems(a.id, drafts.id, [note('stale')]);
        assert.ok(created?.ok);
        const draft = created.value;
        const entry = (modseq: number, itemId = draft.id) => ({
          source: { mailboxId: a.id, itemId, modseq, remove: true },
          copy: { mailboxId: a.id, folderId: sent.id, item: note('copy') },
          deliveries: [],
          outbound,
        });
        const [stale, missing, fine] = await store.submitMessages([entry(draft.modseq - 1), entry(1, draft.id + 1000), { deliveries: [], copy: { mailboxId: a.id, folderId: sent.id, item: note('new') } }]);
        assert.ok(stale && !stale.ok && stale.error instanceof StoreError && stale.error.kind === 'conflict');
        assert.ok(missing && !missing.ok && missing.error instanceof StoreError && missing.error.kind === 'not-found');
        assert.ok(fine?.ok);
        assert.equal((await reread(store, drafts)).totalCount, 1);
        assert.equal((await reread(store, sent)).totalCount, 1, 'only the entry that succeeded left a copy');
        assert.deepEqual(await store.listOutbound(), []);
      });
    });

    describe('delegates', () => {
      it('sets, replaces, reads, lists and removes grants; they go with the account', async () => {
        const store = await fresh();
        const a = await account(store, 'alice@example.com');
        const b = await account(store, 'bob@example.com');
        const c = await account(store, 'carol@example.com');
        assert.equal(await store.delegateGrant(a.id, b.id), undefined);
        await store.setDelegate(a.id, b.id, { folders: ['inbox'], sendOnBehalf: false });
        await store.setDelegate(a.id, b.id, { folders: ['inbox', 'drafts'], sendOnBehalf: true });
        await store.setDelegate(c.id, b.id, { folders: ['calendar'], sendOnBehalf: false });
        assert.deepEqual(await store.delegateGrant(a.id, b.id), { folders: ['inbox', 'drafts'], sendOnBehalf: true });
        assert.equal(await store.delegateGrant(b.id, a.id), undefined, 'a grant is one way');
        assert.deepEqual(
          (await store.listDelegates()).map((d) => [d.principal, d.delegate]),
          [
            ['alice@example.com', 'bob@example.com'],
            ['carol@example.com', 'bob@example.com'],
          ],
        );
        assert.equal((await store.listDelegates(a.id)).length, 1);
        assert.equal(await store.removeDelegate(a.id, b.id), true);
        assert.equal(await store.removeDelegate(a.id, b.id), false);
        await store.removeAccount('bob@example.com');
        assert.deepEqual(await store.listDelegates(), []);
      });
    });

    describe('uploads (UploadItems, ewsd import)', () => {
      const item = (subject: string, extra: Partial<NewItem> = {}): NewItem => {
        const props = emptyMessageProps();
        props.subject = subject;
        props.isRead = false;
        return { props, attachments: [], ...extra };
      };

      it('creates items keeping their dates and size, and replaces one in place', async () => {
        const store = await fresh();
        const a = await account(store, 'alice@example.com');
        const inbox = await folderOf(store, a, 'inbox');
        const created = new Date('2020-01-02T03:04:05.678Z');
        const modified = new Date('2021-01-02T03:04:05.000Z');
        const [r] = await store.uploadItems(a.id, [{ folderId: inbox.id, item: item('one', { createdAt: created, modifiedAt: modified, size: 4242 }) }]);
        assert.ok(r?.ok);
        assert.equal(r.value.skipped, false);
        assert.equal(r.value.item.createdAt.getTime(), created.getTime());
        assert.equal(r.value.item.modifiedAt.getTime(), modified.getTime());
        assert.equal(r.value.item.size, 4242);
        assert.equal((await reread(store, inbox)).unreadCount, 1);
        const replacement = item('two', { attachments: [{ kind: 'file', name: 'a.txt', contentType: 'text/plain', isInline: false, content: Buffer.from('hi') }] });
        replacement.props.isRead = true;
        const [u] = await store.uploadItems(a.id, [{ folderId: inbox.id, item: replacement, replaceItemId: r.value.item.id }]);
        assert.ok(u?.ok);
        assert.equal(u.value.item.id, r.value.item.id, 'same id');
        assert.ok(u.value.item.modseq > r.value.item.modseq, 'new version');
        assert.equal(u.value.item.props.subject, 'two');
        assert.equal(u.value.item.attachments.length, 1);
        const after = await reread(store, inbox);
        assert.equal(after.totalCount, 1);
        assert.equal(after.unreadCount, 0);
      });

      it('refuses to replace an item of another folder or mailbox, alone in its batch', async () => {
        const store = await fresh();
        const a = await account(store, 'alice@example.com');
        const b = await account(store, 'bob@example.com');
        const inbox = await folderOf(store, a, 'inbox');
        const drafts = await folderOf(store, a, 'drafts');
        const [r] = await store.uploadItems(a.id, [{ folderId: drafts.id, item: item('in drafts') }]);
        assert.ok(r?.ok);
        const results = await store.uploadItems(a.id, [
          { folderId: inbox.id, item: item('x'), replaceItemId: r.value.item.id },
          { folderId: inbox.id, item: item('ok') },
        ]);
        assert.equal(results[0]!.ok, false);
        assert.ok(!results[0]!.ok && results[0]!.error instanceof StoreError && results[0]!.error.kind === 'not-found');
        assert.equal(results[1]!.ok, true);
        const bobInbox = await folderOf(store, b, 'inbox');
        const [foreign] = await store.uploadItems(b.id, [{ folderId: bobInbox.id, item: item('x'), replaceItemId: r.value.item.id }]);
        assert.equal(foreign!.ok, false);
        assert.equal((await reread(store, inbox)).totalCount, 1);
      });

      it('skips an entry whose import key is already recorded for its folder, while its item exists', async () => {
        const store = await fresh();
        const a = await account(store, 'alice@example.com');
        const inbox = await folderOf(store, a, 'inbox');
        const drafts = await folderOf(store, a, 'drafts');
        const [first] = await store.uploadItems(a.id, [{ folderId: inbox.id, item: item('one'), importKey: 'k:0' }]);
        assert.ok(first?.ok);
        const again = await store.uploadItems(a.id, [
          { folderId: inbox.id, item: item('one'), importKey: 'k:0' },
          { folderId: inbox.id, item: item('one'), importKey: 'k:1' },
          { folderId: drafts.id, item: item('one'), importKey: 'k:0' },
        ]);
        assert.deepEqual(again.map((r) => r.ok && r.value.skipped), [true, false, false]);
        assert.ok(again[0]!.ok && again[0]!.value.item.id === first.value.item.id);
        assert.equal((await reread(store, inbox)).totalCount, 2);
        await store.deleteItems(a.id, [first.value.item.id], 'hard');
        const [back] = await store.uploadItems(a.id, [{ folderId: inbox.id, item: item('one'), importKey: 'k:0' }]);
        assert.ok(back?.ok && !back.value.skipped, 'a deleted item is imported again');
        const reopened = await harness.reopen(store);
        open.splice(open.indexOf(store), 1, reopened);
        const [persisted] = await reopened.uploadItems(a.id, [{ folderId: inbox.id, item: item('one'), importKey: 'k:1' }]);
        assert.ok(persisted?.ok && persisted.value.skipped, 'the key survives a restart');
      });
    });

    describe('read flags (setReadFlags)', () => {
      const message = (subject: string, mime: boolean): NewItem => {
        const props = emptyMessageProps();
        props.subject = subject;
        props.isRead = false;
        return { props, attachments: [], ...(mime ? { mime: Buffer.from(`Subject: ${subject}\r\n\r\nbody\r\n`) } : {}) };
      };
      const created = async (store: Store, a: Account, folder: Folder, items: NewItem[]) =>
        (await store.createItems(a.id, folder.id, items)).map((r) => {
          assert.ok(r.ok);
          return r.value;
        });
      const set = (itemId: number, isRead: boolean) => ({ itemId, decide: () => isRead });

      it('sets the flag of items with and without MIME: new versions, counters, the field version, durably', async () => {
        const store = await fresh();
        const a = await account(store, 'alice@example.com');
        const inbox = await folderOf(store, a, 'inbox');
        const [m, p] = await created(store, a, inbox, [message('mime', true), message('props', false)]);
        const before = await reread(store, inbox);
        assert.equal(before.unreadCount, 2);
        const results = await store.setReadFlags(a.id, [set(m!.id, true), set(p!.id, true)]);
        assert.deepEqual(
          results.map((r) => r.ok && [r.value.id, r.value.itemClass]),
          [
            [m!.id, 'IPM.Note'],
            [p!.id, 'IPM.Note'],
          ],
        );
        const after = await reread(store, inbox);
        assert.equal(after.unreadCount, 0);
        assert.equal(after.totalCount, 2);
        assert.ok(after.modseq > before.modseq, 'the folder shows the change (ctag)');
        const reopened = await harness.reopen(store);
        open.splice(open.indexOf(store), 1, reopened);
        const items = await reopened.items(a.id, [m!.id, p!.id]);
        items.forEach((item, k) => {
          const r = results[k]!;
          assert.ok(item && r.ok);
          assert.equal(item.props.isRead, true);
          assert.equal(item.modseq, r.value.modseq);
          assert.ok(item.modseq > (k === 0 ? m! : p!).modseq);
          assert.equal(item.fieldVersions['message:IsRead'], item.modseq);
          assert.equal(item.props.subject, k === 0 ? 'mime' : 'props');
        });
        assert.equal(items[0]!.hasMime, true, 'the MIME stays');
        // Setting the flag it already has is still a new version, and counters stay right.
        const [again] = await reopened.setReadFlags(a.id, [set(m!.id, true)]);
        assert.ok(again?.ok && results[1]!.ok && again.value.modseq > results[1]!.value.modseq);
        const [back] = await reopened.setReadFlags(a.id, [set(m!.id, false)]);
        assert.ok(back?.ok);
        assert.equal((await reread(reopened, inbox)).unreadCount, 1);
      });

      it('fails a missing, foreign or refused entry alone, leaving it unchanged', async () => {
        const store = await fresh();
        const a = await account(store, 'alice@example.com');
        const b = await account(store, 'bob@example.com');
        const inbox = await folderOf(store, a, 'inbox');
        const [x, y, z] = await created(store, a, inbox, [message('x', true), message('y', true), message('z', false)]);
        const [foreign] = await created(store, b, await folderOf(store, b, 'inbox'), [message('b', true)]);
        const refusal = new Error('conflict');
        const results = await store.setReadFlags(a.id, [
          set(x!.id, true),
          set(999_999, true),
          set(foreign!.id, true),
          {
            itemId: y!.id,
            decide: () => {
              throw refusal;
            },
          },
          {
            itemId: z!.id,
            decide: () => {
              throw refusal;
            },
          },
          set(y!.id, true),
        ]);
        assert.deepEqual(
          results.map((r) => r.ok),
          [true, false, false, false, false, true],
        );
        for (const r of [results[1]!, results[2]!]) assert.ok(!r.ok && r.error instanceof StoreError && r.error.kind === 'not-found');
        for (const r of [results[3]!, results[4]!]) assert.ok(!r.ok && r.error === refusal);
        const [, , zNow] = await store.items(a.id, [x!.id, y!.id, z!.id]);
        assert.equal(zNow!.modseq, z!.modseq, 'a refused entry writes nothing');
        assert.equal(zNow!.props.isRead, false);
        const [foreignNow] = await store.items(b.id, [foreign!.id]);
        assert.equal(foreignNow!.props.isRead, false);
        assert.equal(foreignNow!.modseq, foreign!.modseq);
        assert.equal((await reread(store, inbox)).unreadCount, 1);
      });

      it('shows decide the item version and the flag version, and keeps them through other writes', async () => {
        const store = await fresh();
        const a = await account(store, 'alice@example.com');
        const inbox = await folderOf(store, a, 'inbox');
        const drafts = await folderOf(store, a, 'drafts');
        const [m] = await created(store, a, inbox, [message('m', true)]);
        const seen: Array<[number, number]> = [];
        const look = (itemId: number, isRead: boolean) => ({
          itemId,
          decide: (s: { modseq: number; fieldVersion(f: string): number }) => (seen.push([s.modseq, s.fieldVersion('message:IsRead')]), isRead),
        });
        const [first] = await store.setReadFlags(a.id, [look(m!.id, true), look(m!.id, false)]);
        assert.ok(first?.ok);
        assert.deepEqual(seen, [
          [m!.modseq, 0],
          [first.value.modseq, first.value.modseq],
        ]);
        // A full update (another field) keeps the flag and its version (folded into its props: decide still sees it).
        const [u] = await store.updateItems(a.id, [{ itemId: m!.id, change: (c) => ({ props: { ...c.props, subject: 'renamed' }, changedFields: ['item:Subject'] }) }]);
        assert.ok(u?.ok);
        assert.equal(u.value.props.isRead, false);
        assert.equal(u.value.fieldVersions['message:IsRead'], first.value.modseq + 1);
        assert.equal(u.value.fieldVersions['item:Subject'], u.value.modseq);
        seen.length = 0;
        const [third] = await store.setReadFlags(a.id, [look(m!.id, false)]);
        assert.ok(third?.ok);
        assert.deepEqual(seen, [[u.value.modseq, first.value.modseq + 1]]);
        // Moved and copied items keep the flag and its version; MarkAllItemsRead sets both.
        const [moved] = await store.moveItems(a.id, [m!.id], drafts.id);
        assert.ok(moved?.ok);
        assert.equal(moved.value.props.isRead, false);
        assert.equal(moved.value.fieldVersions['message:IsRead'], third.value.modseq);
        const [copy] = await store.copyItems(a.id, [moved.value.id], inbox.id);
        assert.ok(copy?.ok);
        assert.equal(copy.value.fieldVersions['message:IsRead'], third.value.modseq);
        await store.markAllItemsRead(a.id, [drafts.id], true);
        const [marked] = await store.items(a.id, [moved.value.id]);
        assert.equal(marked!.props.isRead, true);
        assert.equal(marked!.fieldVersions['message:IsRead'], marked!.modseq);
        assert.equal((await reread(store, drafts)).unreadCount, 0);
        assert.equal((await reread(store, inbox)).unreadCount, 1);
      });

      it('is reported by sync as a read-flag change, not an update', async () => {
        const store = await fresh();
        const a = await account(store, 'alice@example.com');
        const inbox = await folderOf(store, a, 'inbox');
        const [m, p] = await created(store, a, inbox, [message('m', true), message('p', false)]);
        let cursor = FIRST_SYNC;
        for (;;) {
          const page = await store.itemChanges(a.id, inbox.id, cursor, 10);
          cursor = page.next;
          if (page.complete) break;
        }
        await store.setReadFlags(a.id, [set(m!.id, true), set(p!.id, true)]);
        const page = await store.itemChanges(a.id, inbox.id, cursor, 10);
        assert.deepEqual(
          page.changes.map((c) => (c.kind === 'read-flag' ? [c.kind, c.itemId, c.isRead] : [c.kind])),
          [
            ['read-flag', m!.id, true],
            ['read-flag', p!.id, true],
          ],
        );
      });
    });

    syncConformance({ fresh, account: (store, email) => account(store, email), folderOf });
  });
}
