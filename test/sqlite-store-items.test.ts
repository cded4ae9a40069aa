import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { emptyMessageProps, type Item, type NewItem } from '../src/domain/item.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { StoreError, type Outcome } from '../src/store/store.js';

function newItem(subject: string, isRead = true): NewItem {
  const props = emptyMessageProps();
  props.subject = subject;
  props.isRead = isRead;
  return { props, attachments: [{ kind: 'file', name: 'a.bin', contentType: 'application/octet-stream', isInline: false, content: Buffer.from([1, 2, 3]) }] };
}

const values = <T>(outcomes: Array<Outcome<T>>): T[] =>
  outcomes.map((o) => {
    assert.ok(o.ok, String(!o.ok && o.error));
    return o.value;
  });

describe('SqliteStore items: modseq, UIDs, counters, tombstones, atomic entries', () => {
  let dir: string;
  let store: SqliteStore;
  let mailboxId: number;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ewsd-store-items-'));
    store = SqliteStore.open(dir);
    mailboxId = (await store.createAccount({ email: 'a@example.com', displayName: 'A', passwordHash: 'x' })).id;
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const folder = async (name: string) => (await store.distinguishedFolder(mailboxId, name))!;
  const tombstones = (folderId: number) =>
    store.db.prepare('SELECT item_id, modseq FROM tombstones WHERE folder_id = ? ORDER BY modseq').all(folderId) as Array<{ item_id: number; modseq: number }>;

  it('gives every write a new modseq and every item of a folder a new UID, never reused', async () => {
    const inbox = await folder('inbox');
    const initial = inbox.modseq;
    const created = values(await store.createItems(mailboxId, inbox.id, [newItem('a', false), newItem('b'), newItem('c', false)]));
    const seqs = created.map((i) => i.modseq);
    assert.deepEqual([...seqs].sort((x, y) => x - y), seqs);
    assert.equal(new Set(seqs).size, 3);
    assert.deepEqual(created.map((i) => i.uid), [1, 2, 3]);
    const after = await folder('inbox');
    assert.ok(after.modseq > Math.max(...seqs) && after.modseq > initial, 'the folder moves on after its items');
    assert.deepEqual([after.totalCount, after.unreadCount], [3, 2]);

    values(await store.deleteItems(mailboxId, [created[2]!.id], 'hard'));
    const [d] = values(await store.createItems(mailboxId, inbox.id, [newItem('d')]));
    assert.equal(d!.uid, 4, 'a deleted UID is not handed out again');
    assert.ok(d!.id > created[2]!.id, 'nor is a deleted id');
    assert.deepEqual(tombstones(inbox.id).map((t) => t.item_id), [created[2]!.id]);
    const counts = await folder('inbox');
    assert.deepEqual([counts.totalCount, counts.unreadCount], [3, 1]);
  });

  it('reads version, class and stored MIME of a batch in request order (itemsWithMime), only in the given mailbox', async () => {
    const junk = await folder('junkemail');
    const raw = Buffer.from('Subject: m\r\n\r\nbody \u00e9\r\n', 'utf8');
    const [withMime, without] = values(await store.createItems(mailboxId, junk.id, [{ ...newItem('mime'), mime: raw }, newItem('plain')]));
    const other = (await store.createAccount({ email: 'other@example.com', displayName: 'O', passwordHash: 'x' })).id;
    const [foreign] = values(await store.createItems(other, (await store.distinguishedFolder(other, 'inbox'))!.id, [{ ...newItem('f'), mime: raw }]));
    const got = await store.itemsWithMime(mailboxId, [without!.id, foreign!.id, withMime!.id, 999_999]);
    assert.deepEqual(
      got.map((g) => g && { id: g.id, modseq: g.modseq, itemClass: g.itemClass, mime: g.mime?.toString('utf8') }),
      [
        { id: without!.id, modseq: without!.modseq, itemClass: 'IPM.Note', mime: undefined },
        undefined,
        { id: withMime!.id, modseq: withMime!.modseq, itemClass: 'IPM.Note', mime: raw.toString('utf8') },
        undefined,
      ],
    );
    assert.deepEqual(got[2]!.mime, await store.itemMime(mailboxId, withMime!.id));
    assert.deepEqual(await store.itemsWithMime(mailboxId, []), []);
  });

  it('leaves nothing of a failed batch entry while the others commit', async () => {
    const drafts = await folder('drafts');
    const [x, y] = values(await store.createItems(mailboxId, drafts.id, [newItem('x'), newItem('y')]));
    const results = await store.updateItems(mailboxId, [
      { itemId: x!.id, change: (cur) => ({ props: { ...cur.props, subject: 'x2', isRead: false }, changedFields: ['item:Subject', 'message:IsRead'] }) },
      {
        itemId: y!.id,
        change: () => {
          throw new Error('refused');
        },
      },
      { itemId: 999_999, change: (cur) => ({ props: cur.props, changedFields: [] }) },
    ]);
    assert.equal(results[0]!.ok, true);
    assert.equal(results[1]!.ok, false);
    assert.ok(!results[2]!.ok && results[2]!.error instanceof StoreError && results[2]!.error.kind === 'not-found');
    const [x2, y2] = (await store.items(mailboxId, [x!.id, y!.id])) as Item[];
    assert.equal(x2!.props.subject, 'x2');
    assert.equal(x2!.fieldVersions['item:Subject'], x2!.modseq);
    assert.equal(y2!.modseq, y!.modseq, 'the refused entry did not move');
    assert.equal((await folder('drafts')).unreadCount, 1);
  });

  it('moves under a new id with a tombstone in the old folder, and copies content and attachments', async () => {
    const inbox = await folder('inbox');
    const archive = await folder('archive');
    const [m] = values(await store.createItems(mailboxId, inbox.id, [newItem('moving', false)]));
    const [moved] = values(await store.moveItems(mailboxId, [m!.id], archive.id));
    assert.notEqual(moved!.id, m!.id);
    assert.equal(moved!.uid, 1);
    assert.equal(moved!.createdAt.getTime(), m!.createdAt.getTime());
    assert.deepEqual(moved!.attachments.map((a) => a.name), ['a.bin']);
    assert.ok(tombstones(inbox.id).some((t) => t.item_id === m!.id));
    assert.deepEqual(await store.items(mailboxId, [m!.id]), [undefined]);
    const [copy] = values(await store.copyItems(mailboxId, [moved!.id], inbox.id));
    const contents = await store.attachmentContents(mailboxId, copy!.id);
    const [content] = [...contents.values()];
    assert.ok(content!.kind === 'file' && content!.content.equals(Buffer.from([1, 2, 3])));
    const [arch, inb] = [await folder('archive'), await folder('inbox')];
    assert.deepEqual([arch.totalCount, arch.unreadCount], [1, 1]);
    assert.equal(inb.unreadCount, 2);
  });
});
