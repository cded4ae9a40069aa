/**
 * Store conformance: change sync bookkeeping (itemChanges, folderChanges, secrets, tombstone
 * purge), including a seeded property test. Called from store-conformance.ts for every backend.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Folder } from '../src/domain/folder.js';
import { emptyMessageProps, type Item, type NewItem } from '../src/domain/item.js';
import type { Account } from '../src/domain/mailbox.js';
import { FIRST_SYNC, type ItemChangePage, type ItemSyncCursor } from '../src/domain/sync.js';
import { StoreError, type Store } from '../src/store/store.js';

export interface SyncHarness {
  fresh(): Promise<Store>;
  account(store: Store, email: string): Promise<Account>;
  folderOf(store: Store, a: Account, name: string): Promise<Folder>;
}

/** Deterministic PRNG (mulberry32): a failing seed can be replayed. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const newItem = (subject: string, isRead = false): NewItem => ({ props: { ...emptyMessageProps(), subject, isRead, isDraft: false }, attachments: [] });

/** What a sync client keeps: id -> (subject, read flag, version). Every change is checked against it. */
export class Replica {
  items = new Map<number, { subject: string | undefined; isRead: boolean; modseq: number }>();
  seen = new Set<string>();

  apply(page: ItemChangePage): void {
    for (const c of page.changes) {
      const id = 'item' in c ? c.item.id : c.itemId;
      const version = `${c.kind}:${id}:${'item' in c ? c.item.modseq : c.kind === 'read-flag' ? c.modseq : 0}`;
      assert.ok(!this.seen.has(version), `change reported twice: ${version}`);
      this.seen.add(version);
      if (c.kind === 'create') {
        assert.ok(!this.items.has(id), `Create for an id the client has: ${id}`);
        this.items.set(id, { subject: c.item.props.subject, isRead: c.item.props.isRead, modseq: c.item.modseq });
      } else {
        const mine = this.items.get(id);
        assert.ok(mine, `${c.kind} for an id the client does not have: ${id}`);
        if (c.kind === 'update') this.items.set(id, { subject: c.item.props.subject, isRead: c.item.props.isRead, modseq: c.item.modseq });
        else if (c.kind === 'read-flag') this.items.set(id, { ...mine, isRead: c.isRead, modseq: c.modseq });
        else this.items.delete(id);
      }
    }
  }

  clone(): Replica {
    const r = new Replica();
    r.items = new Map([...this.items].map(([k, v]) => [k, { ...v }]));
    return r;
  }
}

/** Pages until complete; returns the final cursor. */
export async function syncAll(store: Store, mailboxId: number, folderId: number, from: ItemSyncCursor, replica: Replica, max = 512): Promise<ItemSyncCursor> {
  let cursor = from;
  for (let guard = 0; guard < 100_000; guard++) {
    const page = await store.itemChanges(mailboxId, folderId, cursor, max);
    replica.apply(page);
    assert.ok(page.complete || page.next.through > cursor.through || page.next.known > cursor.known, 'an incomplete page must make progress');
    cursor = page.next;
    if (page.complete) return cursor;
  }
  throw new Error('sync never completed');
}

export function assertMatches(replica: Replica, items: Item[]): void {
  const expected = new Map(items.map((i) => [i.id, { subject: i.props.subject, isRead: i.props.isRead, modseq: i.modseq }]));
  assert.deepEqual(new Map([...replica.items].sort((a, b) => a[0] - b[0])), new Map([...expected].sort((a, b) => a[0] - b[0])));
}

export function syncConformance(h: SyncHarness): void {
  describe('change sync', () => {
    const setup = async () => {
      const store = await h.fresh();
      const a = await h.account(store, 'alice@example.com');
      return { store, a, inbox: await h.folderOf(store, a, 'inbox'), archive: await h.folderOf(store, a, 'archive') };
    };
    const contents = (store: Store, a: Account, f: Folder) => store.folderItems(a.id, f.id, { order: [{ column: 'id', descending: false }], offset: 0 });
    const ok = <T>(o: { ok: true; value: T } | { ok: false; error: unknown }): T => {
      if (!o.ok) throw o.error;
      return o.value;
    };

    it('first sync pages every item once, in order of arrival, then reports nothing', async () => {
      const { store, a, inbox } = await setup();
      const created = (await store.createItems(a.id, inbox.id, Array.from({ length: 7 }, (_, i) => newItem(`m${i}`)))).map(ok);
      const replica = new Replica();
      const page1 = await store.itemChanges(a.id, inbox.id, FIRST_SYNC, 3);
      assert.deepEqual(page1.changes.map((c) => c.kind), ['create', 'create', 'create']);
      assert.equal(page1.complete, false);
      replica.apply(page1);
      const end = await syncAll(store, a.id, inbox.id, page1.next, replica, 3);
      assertMatches(replica, created);
      const again = await store.itemChanges(a.id, inbox.id, end, 10);
      assert.deepEqual(again.changes, []);
      assert.equal(again.complete, true);
    });

    it('reports a read flag alone as a read-flag change, anything else as an update, moves as delete/create', async () => {
      const { store, a, inbox, archive } = await setup();
      const [x, y, z] = (await store.createItems(a.id, inbox.id, [newItem('x'), newItem('y'), newItem('z')])).map(ok);
      const replica = new Replica();
      const state = await syncAll(store, a.id, inbox.id, FIRST_SYNC, replica);
      await store.updateItems(a.id, [{ itemId: x!.id, change: (cur) => ({ props: { ...cur.props, isRead: true }, changedFields: ['message:IsRead'] }) }]);
      await store.updateItems(a.id, [{ itemId: y!.id, change: (cur) => ({ props: { ...cur.props, subject: 'y2' }, changedFields: ['item:Subject'] }) }]);
      const moved = ok((await store.moveItems(a.id, [z!.id], archive.id))[0]!);
      const back = ok((await store.moveItems(a.id, [moved.id], inbox.id))[0]!);
      const page = await store.itemChanges(a.id, inbox.id, state, 100);
      assert.deepEqual(
        page.changes.map((c) => [c.kind, 'item' in c ? c.item.id : c.itemId]),
        [['read-flag', x!.id], ['update', y!.id], ['delete', z!.id], ['create', back.id]],
      );
      replica.apply(page);
      assertMatches(replica, await contents(store, a, inbox));
    });

    it('never reports an item created and deleted between two syncs', async () => {
      const { store, a, inbox } = await setup();
      const state = await syncAll(store, a.id, inbox.id, FIRST_SYNC, new Replica());
      const [gone] = (await store.createItems(a.id, inbox.id, [newItem('brief')])).map(ok);
      await store.deleteItems(a.id, [gone!.id], 'hard');
      const page = await store.itemChanges(a.id, inbox.id, state, 100);
      assert.deepEqual(page.changes, []);
    });

    it('refuses a folder of another mailbox, a cursor from the future, and a cursor older than the purged tombstones', async () => {
      const { store, a, inbox } = await setup();
      const b = await h.account(store, 'bob@example.com');
      await assert.rejects(store.itemChanges(b.id, inbox.id, FIRST_SYNC, 10), (e: unknown) => e instanceof StoreError && e.kind === 'not-found');
      await assert.rejects(store.itemChanges(a.id, inbox.id, { known: 1e9, through: 1e9, base: 1e9 }, 10), (e: unknown) => e instanceof StoreError && e.kind === 'invalid');
      const [x] = (await store.createItems(a.id, inbox.id, [newItem('x')])).map(ok);
      const old = await syncAll(store, a.id, inbox.id, FIRST_SYNC, new Replica());
      await store.deleteItems(a.id, [x!.id], 'hard');
      assert.equal(await store.purgeTombstones(new Date(Date.now() + 1000)), 1);
      await assert.rejects(store.itemChanges(a.id, inbox.id, old, 10), (e: unknown) => e instanceof StoreError && e.kind === 'expired');
      // A fresh sync still works.
      await syncAll(store, a.id, inbox.id, FIRST_SYNC, new Replica());
    });

    it('keeps one secret per name, created once', async () => {
      const store = await h.fresh();
      const s1 = await store.serverSecret('sync');
      assert.equal(s1.length, 32);
      assert.deepEqual(await store.serverSecret('sync'), s1);
      assert.notDeepEqual(await store.serverSecret('other'), s1);
    });

    it('folder changes: creates parents first, updates renames and moves, deletes what left the subtree', async () => {
      const { store, a, inbox } = await setup();
      const root = await h.folderOf(store, a, 'msgfolderroot');
      const first = await store.folderChanges(a.id, root.id, 0);
      assert.ok(first.creates.some((f) => f.distinguishedId === 'inbox'));
      assert.equal(first.updates.length + first.deletes.length, 0);
      const since = first.now;
      const p = await store.createFolder(a.id, inbox.id, { displayName: 'P', folderClass: 'IPF.Note' });
      const c = await store.createFolder(a.id, p.id, { displayName: 'C', folderClass: 'IPF.Note' });
      const old = await store.createFolder(a.id, inbox.id, { displayName: 'Old', folderClass: 'IPF.Note' });
      const s2 = (await store.folderChanges(a.id, root.id, since)).now;
      await store.updateFolder(a.id, p.id, { displayName: 'P2' });
      await store.createItems(a.id, inbox.id, [newItem('count change only')]);
      await store.deleteFolder(a.id, old.id);
      const changes = await store.folderChanges(a.id, root.id, s2);
      assert.deepEqual(changes.creates, []);
      assert.deepEqual(changes.updates.map((f) => f.displayName), ['P2']);
      assert.deepEqual(changes.deletes, [old.id]);
      const fromStart = await store.folderChanges(a.id, root.id, since);
      assert.deepEqual(fromStart.creates.map((f) => f.displayName), ['P2', 'C']);
      // Moving P out of the synced subtree (inbox) deletes P and C; moving it back creates both.
      const s3 = changes.now;
      const outside = await h.folderOf(store, a, 'root');
      await store.moveFolder(a.id, p.id, outside.id);
      const out = await store.folderChanges(a.id, inbox.id, s3);
      assert.deepEqual(out.deletes.sort(), [p.id, c.id].sort());
      await store.moveFolder(a.id, p.id, inbox.id);
      const back = await store.folderChanges(a.id, inbox.id, out.now);
      assert.deepEqual(back.creates.map((f) => f.id), [p.id, c.id]);
      const both = await store.folderChanges(a.id, inbox.id, s3);
      assert.deepEqual(both.updates.map((f) => f.id), [p.id], 'out and back in again is one update');
      assert.deepEqual([...both.creates, ...both.deletes.map(String)], []);
    });

    it('never hands a deleted folder\'s id to a new folder while its tombstone lives', async () => {
      const { store, a, inbox } = await setup();
      const x = await store.createFolder(a.id, inbox.id, { displayName: 'X', folderClass: null });
      await store.deleteFolder(a.id, x.id);
      const y = await store.createFolder(a.id, inbox.id, { displayName: 'Y', folderClass: null });
      assert.notEqual(y.id, x.id);
    });

    it('property: random writes interleaved with random-size pages and reused states converge exactly', async () => {
      const seeds = [1, 2, 3, 4, 5, 6];
      for (const seed of seeds) {
        const { store, a, inbox, archive } = await setup();
        const rnd = prng(seed);
        const pick = <T>(xs: readonly T[]): T | undefined => (xs.length ? xs[Math.floor(rnd() * xs.length)] : undefined);
        let replica = new Replica();
        let cursor: ItemSyncCursor = FIRST_SYNC;
        const saved: Array<{ cursor: ItemSyncCursor; replica: Replica }> = [];
        let n = 0;
        for (let step = 0; step < 400; step++) {
          const r = rnd();
          const here = (await contents(store, a, inbox)).map((i) => i.id);
          const there = (await contents(store, a, archive)).map((i) => i.id);
          if (r < 0.2) {
            await store.createItems(a.id, inbox.id, Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => newItem(`s${seed}-${n++}`, rnd() < 0.5)));
          } else if (r < 0.3) {
            const id = pick(here);
            if (id) await store.updateItems(a.id, [{ itemId: id, change: (cur) => ({ props: { ...cur.props, subject: `${cur.props.subject}'` }, changedFields: ['item:Subject'] }) }]);
          } else if (r < 0.4) {
            const id = pick(here);
            if (id) await store.updateItems(a.id, [{ itemId: id, change: (cur) => ({ props: { ...cur.props, isRead: !cur.props.isRead }, changedFields: ['message:IsRead'] }) }]);
          } else if (r < 0.45) {
            await store.markAllItemsRead(a.id, [inbox.id], rnd() < 0.5);
          } else if (r < 0.52) {
            const id = pick(here);
            if (id) await store.moveItems(a.id, [id], archive.id);
          } else if (r < 0.58) {
            const id = pick(there);
            if (id) await store.moveItems(a.id, [id], inbox.id);
          } else if (r < 0.62) {
            const id = pick(there);
            if (id) await store.copyItems(a.id, [id], inbox.id);
          } else if (r < 0.7) {
            const id = pick(here);
            if (id) await store.deleteItems(a.id, [id], rnd() < 0.5 ? 'hard' : 'deleted-items');
          } else if (r < 0.72 && saved.length) {
            // Go back to an older state: the client restores what it had then.
            const old = saved[Math.floor(rnd() * saved.length)]!;
            cursor = old.cursor;
            replica = old.replica.clone();
          } else {
            const page = await store.itemChanges(a.id, inbox.id, cursor, 1 + Math.floor(rnd() * 8));
            replica.apply(page);
            cursor = page.next;
            if (rnd() < 0.2) saved.push({ cursor, replica: replica.clone() });
            if (page.complete) replica.seen.clear(); // a new sequence starts
          }
        }
        await syncAll(store, a.id, inbox.id, cursor, replica, 1 + Math.floor(rnd() * 8));
        assertMatches(replica, await contents(store, a, inbox));
      }
    });
  });
}
