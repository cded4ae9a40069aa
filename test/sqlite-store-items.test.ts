import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { emptyMessageProps, type Item, type NewItem } from '../src/domain/item.js';
import { readItemRows, selectItemRows } from '../src/store/sqlite/item-rows.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { StoreError, type AttachmentContent, type Outcome } from '../src/store/store.js';

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
    const mailboxModseq = () => store.db.prepare('SELECT modseq FROM mailboxes WHERE id = ?').pluck().get(mailboxId) as number;
    const handedOut = mailboxModseq();
    const created = values(await store.createItems(mailboxId, inbox.id, [newItem('a', false), newItem('b'), newItem('c', false)]));
    const seqs = created.map((i) => i.modseq);
    assert.deepEqual([...seqs].sort((x, y) => x - y), seqs);
    assert.equal(new Set(seqs).size, 3);
    // A batch takes its numbers at once: still each one after every number handed out before, none after the last one the mailbox records.
    assert.ok(seqs[0]! > handedOut && seqs[2]! <= mailboxModseq(), `modseqs ${seqs.join(', ')} after ${handedOut}`);
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

  it('builds item rows from raw arrays exactly as better-sqlite3 builds row objects (readItemRows)', async () => {
    const drafts = await folder('drafts');
    const withBody = newItem('raw rows', false);
    withBody.props.body = { type: 'Text', content: 'body \u00e9' };
    withBody.props.internetMessageHeaders = [{ name: 'X-Test', value: 'v' }];
    const [a, b] = values(await store.createItems(mailboxId, drafts.id, [{ ...withBody, mime: Buffer.from('Subject: raw rows\r\n\r\nbody\r\n') }, newItem('plain')]));
    // A narrow read-flag write gives the item a read_version.
    values(await store.setReadFlags(mailboxId, [{ itemId: a!.id, decide: () => true }]));
    for (const body of [true, false]) {
      const text = `${selectItemRows(body)} WHERE i.id IN (${a!.id}, ${b!.id}) ORDER BY i.id`;
      const objects = store.db.prepare(text).all();
      assert.equal(objects.length, 2);
      const statement = store.db.prepare(text);
      const rows = readItemRows(statement);
      assert.deepEqual(rows, objects);
      // Flags are mostly equal 0/1 values: the keys must also come in the columns' order.
      assert.deepEqual(Object.keys(rows[0]!), statement.columns().map((c) => c.name));
      assert.notEqual((objects[0] as { read_version: unknown }).read_version, null);
      if (body) assert.notEqual((objects[0] as { headers: unknown }).headers, null);
    }
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

  it('creates a batch whose item fails halfway (a driver error on its attachment): nothing of that item remains, the others are stored', async () => {
    const sent = await folder('sentitems');
    // The failing item's row is written before its attachment is refused: only rolling that item
    // back (its own savepoint, on the second attempt) leaves no trace of it.
    store.db.exec("CREATE TEMP TRIGGER refuse_boom BEFORE INSERT ON attachments WHEN NEW.name = 'boom.bin' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END");
    try {
      const boom = newItem('boom');
      boom.attachments[0]!.name = 'boom.bin';
      const before = await folder('sentitems');
      const outcomes = await store.createItems(mailboxId, sent.id, [newItem('first', false), boom, newItem('last', false)]);
      assert.deepEqual(outcomes.map((o) => o.ok), [true, false, true]);
      assert.match(String(!outcomes[1]!.ok && outcomes[1]!.error), /refused by the test/);
      const [first, , last] = outcomes.map((o) => (o.ok ? o.value : undefined));
      assert.equal(last!.uid, first!.uid + 1, 'no UID spent on the failed item');
      const stored = (await store.items(mailboxId, [first!.id, last!.id])) as Item[];
      assert.deepEqual(stored.map((i) => [i.props.subject, i.attachments.length]), [['first', 1], ['last', 1]]);
      const left = (table: string, where: string) => (store.db.prepare(`SELECT count(*) AS n FROM ${table} WHERE ${where}`).get() as { n: number }).n;
      assert.equal(left('items', "subject = 'boom'"), 0);
      assert.equal(left('attachments', "name = 'boom.bin'"), 0);
      const after = await folder('sentitems');
      assert.deepEqual([after.totalCount - before.totalCount, after.unreadCount - before.unreadCount], [2, 2]);
    } finally {
      store.db.exec('DROP TRIGGER refuse_boom');
    }
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
  it('keeps the body in its own table: listings leave it out, copies, moves and updates keep it', async () => {
    const inbox = await folder('inbox');
    const drafts = await folder('drafts');
    const item = newItem('with a body');
    item.props.body = { type: 'HTML', content: '<p>Grüße, ' + 'x'.repeat(20000) + '</p>' };
    const headers = [
      { name: 'Received', value: 'from relay by mx; ' + 'y'.repeat(3000) },
      { name: 'X-Ünïcode', value: 'kept' },
    ];
    item.props.internetMessageHeaders = headers;
    const [created] = values(await store.createItems(mailboxId, inbox.id, [item]));
    assert.deepEqual(created!.props.body, item.props.body);
    const row = store.db.prepare('SELECT props FROM item_json WHERE item_id = ?').pluck().get(created!.id) as string;
    assert.ok(row.length < 2000, 'the props JSON carries neither the body nor the headers');
    assert.deepEqual(created!.props.internetMessageHeaders, headers);

    const listing = await store.folderItems(mailboxId, inbox.id, { order: [{ column: 'id', descending: false }], offset: 0, limit: 50, withBody: false });
    assert.equal(listing.find((i) => i.id === created!.id)?.props.body, undefined);
    assert.deepEqual(listing.find((i) => i.id === created!.id)?.props.internetMessageHeaders, []);
    const full = await store.folderItems(mailboxId, inbox.id, { order: [{ column: 'id', descending: false }], offset: 0, limit: 50 });
    assert.deepEqual(full.find((i) => i.id === created!.id)?.props.body, item.props.body);

    const [copy] = values(await store.copyItems(mailboxId, [created!.id], drafts.id));
    const [moved] = values(await store.moveItems(mailboxId, [created!.id], drafts.id));
    const [renamed] = values(await store.updateItems(mailboxId, [{ itemId: moved!.id, change: (c) => ({ props: { ...c.props, subject: 'renamed' }, changedFields: ['item:Subject'] }) }]));
    const [rewritten] = values(
      await store.updateItems(mailboxId, [{ itemId: copy!.id, change: (c) => ({ props: { ...c.props, body: { type: 'Text', content: 'new' } }, changedFields: ['item:Body'] }) }]),
    );
    const [again] = await store.items(mailboxId, [moved!.id]);
    assert.deepEqual([copy!.props.body, moved!.props.body, renamed!.props.body, again!.props.body], [item.props.body, item.props.body, item.props.body, item.props.body]);
    assert.deepEqual(rewritten!.props.body, { type: 'Text', content: 'new' });
    assert.deepEqual([copy!, moved!, renamed!, again!, rewritten!].map((i) => i.props.internetMessageHeaders), Array(5).fill(headers));
    const [unheaded] = values(
      await store.updateItems(mailboxId, [{ itemId: moved!.id, change: (c) => ({ props: { ...c.props, internetMessageHeaders: [] }, changedFields: ['item:InternetMessageHeaders'] }) }]),
    );
    assert.deepEqual(unheaded!.props.internetMessageHeaders, []);
    assert.deepEqual((await store.items(mailboxId, [moved!.id]))[0]!.props.internetMessageHeaders, []);
    const [cleared] = values(
      await store.updateItems(mailboxId, [{ itemId: copy!.id, change: (c) => ({ props: { ...c.props, body: undefined }, changedFields: ['item:Body'] }) }]),
    );
    assert.equal(cleared!.props.body, undefined);
    values(await store.deleteItems(mailboxId, [moved!.id, copy!.id], 'hard'));
    assert.equal(store.db.prepare('SELECT count(*) FROM item_bodies WHERE item_id IN (?, ?, ?)').pluck().get(created!.id, moved!.id, copy!.id), 0, 'no orphaned bodies');
    assert.equal(store.db.prepare('SELECT count(*) FROM item_headers WHERE item_id IN (?, ?, ?)').pluck().get(created!.id, moved!.id, copy!.id), 0, 'no orphaned headers');
  });
  it('hard-deletes a batch at once: outcomes in request order, a tombstone each in order, counters, nothing left behind', async () => {
    const inbox = await folder('inbox');
    const drafts = await folder('drafts');
    const other = (await store.createAccount({ email: 'batch-other@example.com', displayName: 'O', passwordHash: 'x' })).id;
    const [a, b] = values(await store.createItems(mailboxId, inbox.id, [{ ...newItem('del a', false), mime: Buffer.from('Subject: a\r\n\r\nx\r\n') }, newItem('del b', true)]));
    const [d] = values(await store.createItems(mailboxId, drafts.id, [newItem('del d', false)]));
    const [foreign] = values(await store.createItems(other, (await store.distinguishedFolder(other, 'inbox'))!.id, [newItem('not yours')]));
    const [inboxBefore, draftsBefore] = [await folder('inbox'), await folder('drafts')];
    const tombstonesBefore = tombstones(inbox.id).length;

    const outcomes = values(await store.deleteItems(mailboxId, [a!.id, 999_999, foreign!.id, b!.id, a!.id, d!.id], 'hard'));
    assert.deepEqual(outcomes, [true, false, false, true, false, true]);
    const inboxStones = tombstones(inbox.id).slice(tombstonesBefore);
    assert.deepEqual(inboxStones.map((t) => t.item_id), [a!.id, b!.id]);
    const [draftStone] = tombstones(drafts.id).filter((t) => t.item_id === d!.id);
    assert.ok(inboxStones[0]!.modseq < inboxStones[1]!.modseq && inboxStones[1]!.modseq < draftStone!.modseq, 'one modseq each, in request order');
    const [inboxAfter, draftsAfter] = [await folder('inbox'), await folder('drafts')];
    assert.deepEqual([inboxAfter.totalCount, inboxAfter.unreadCount], [inboxBefore.totalCount - 2, inboxBefore.unreadCount - 1]);
    assert.deepEqual([draftsAfter.totalCount, draftsAfter.unreadCount], [draftsBefore.totalCount - 1, draftsBefore.unreadCount - 1]);
    assert.ok(inboxAfter.modseq > draftStone!.modseq && draftsAfter.modseq > draftStone!.modseq, 'the folders move on after the tombstones');
    assert.deepEqual(await store.items(mailboxId, [a!.id, b!.id, d!.id]), [undefined, undefined, undefined]);
    assert.equal((await store.items(other, [foreign!.id]))[0]?.props.subject, 'not yours');
    for (const table of ['item_json', 'item_mime', 'item_bodies', 'item_headers', 'item_props', 'attachments']) {
      assert.equal(store.db.prepare(`SELECT count(*) FROM ${table} WHERE item_id IN (?, ?, ?)`).pluck().get(a!.id, b!.id, d!.id), 0, table);
    }
  });

  it('keeps items.has_mime equal to whether item_mime holds the item, through every write', async () => {
    const inbox = await folder('inbox');
    const drafts = await folder('drafts');
    const mime = (subject: string): NewItem => ({ ...newItem(subject), mime: Buffer.from(`Subject: ${subject}\r\n\r\nbody\r\n`) });
    const mismatches = () =>
      store.db.prepare('SELECT id, has_mime FROM items WHERE has_mime != (id IN (SELECT item_id FROM item_mime))').all() as Array<{ id: number; has_mime: number }>;
    const [withMime, without, forAttachment] = values(await store.createItems(mailboxId, inbox.id, [mime('m1'), newItem('p1'), mime('m2')]));
    assert.deepEqual([withMime!.hasMime, without!.hasMime], [true, false]);
    const [copy] = values(await store.copyItems(mailboxId, [withMime!.id], drafts.id));
    const [moved] = values(await store.moveItems(mailboxId, [copy!.id], inbox.id));
    assert.deepEqual([copy!.hasMime, moved!.hasMime], [true, true]);
    // A change the MIME cannot show drops it; so does an attachment change.
    const [dropped] = values(await store.updateItems(mailboxId, [{ itemId: moved!.id, change: (c) => ({ props: { ...c.props, subject: 'x' }, changedFields: ['item:Subject'], dropMime: true }) }]));
    assert.equal(dropped!.hasMime, false);
    values(await store.deleteAttachments(mailboxId, [{ itemId: forAttachment!.id, attachmentId: forAttachment!.attachments[0]!.id }]));
    assert.equal((await store.items(mailboxId, [forAttachment!.id]))[0]!.hasMime, false);
    // UploadItems' replace takes the new item's MIME, or none.
    values(await store.uploadItems(mailboxId, [{ folderId: inbox.id, item: newItem('replaced'), replaceItemId: withMime!.id }]));
    values(await store.uploadItems(mailboxId, [{ folderId: inbox.id, item: mime('again'), replaceItemId: without!.id }]));
    assert.deepEqual(
      (await store.items(mailboxId, [withMime!.id, without!.id])).map((i) => i!.hasMime),
      [false, true],
    );
    assert.deepEqual(mismatches(), []);
  });
  it('pages deep into a big folder exactly as OFFSET does, before and after the folder changes', async () => {
    const big = await store.createFolder(mailboxId, (await folder('inbox')).id, { displayName: 'big', folderClass: 'IPF.Note' });
    const make = (n: number, base: number) =>
      Array.from({ length: n }, (_, i) => {
        const item = newItem(`m${base + i}`);
        item.attachments = [];
        // Many equal received times: the id breaks ties, as in the SQL order.
        item.props.dateTimeReceived = new Date(Date.UTC(2026, 0, 1) + Math.floor((base + i) / 3) * 1000 * ((base + i) % 7 === 0 ? -1 : 1));
        return item;
      });
    for (let b = 0; b < 2600; b += 650) values(await store.createItems(mailboxId, big.id, make(650, b)));
    const expected = async (descending: boolean, column: 'received' | 'uid') => {
      const all = await store.folderItems(mailboxId, big.id, { order: [{ column, descending }], offset: 0, withBody: false });
      return all.map((i) => i.id);
    };
    const check = async () => {
      for (const column of ['received', 'uid'] as const) {
        for (const descending of [true, false]) {
          const all = await expected(descending, column);
          for (const offset of [999, 1000, 1001, 1999, 2000, 2047, 2550, all.length - 3, all.length, all.length + 10]) {
            const page = await store.folderItems(mailboxId, big.id, { order: [{ column, descending }], offset, limit: 50, withBody: false });
            assert.deepEqual(page.map((i) => i.id), all.slice(offset, offset + 50), `${column} ${descending ? 'desc' : 'asc'} offset ${offset}`);
          }
        }
      }
    };
    await check();
    // The folder changes between deep reads: the remembered keys must not be used any more.
    const listed = await expected(true, 'received');
    values(await store.deleteItems(mailboxId, listed.slice(100, 400), 'hard'));
    values(await store.createItems(mailboxId, big.id, make(500, 5000)));
    await check();
  });

  it('reads attachments kept inside the MIME: all of them, only those asked for, or cut from MIME the caller has read', async () => {
    const parts = [Buffer.from('the first attachment'), Buffer.from('a second one, a little longer'), Buffer.from('third')];
    const encoded = parts.map((p) => p.toString('base64'));
    const mime = Buffer.from(`Subject: kept\r\n\r\n${encoded.join('\r\n--\r\n')}\r\n`, 'latin1');
    let at = 0;
    const attachments: NewItem['attachments'] = parts.map((content, i) => {
      const start = mime.indexOf(encoded[i]!, at);
      at = start + encoded[i]!.length;
      return { kind: 'file', name: `${i}.bin`, contentType: 'application/octet-stream', isInline: false, content, mimeSource: { mime, start, end: at } };
    });
    const props = emptyMessageProps();
    props.subject = 'kept';
    const [item] = values(await store.createItems(mailboxId, (await folder('inbox')).id, [{ props, attachments, mime }]));
    const kept = store.db.prepare('SELECT count(*) AS n FROM attachments WHERE item_id = ? AND content IS NULL AND mime_start IS NOT NULL').get(item!.id) as { n: number };
    assert.equal(kept.n, 3, 'the rows refer into the MIME');
    const ids = item!.attachments.map((a) => a.id);
    const bytesOf = (contents: Map<number, AttachmentContent>) => [...contents].map(([id, c]) => [id, c.kind === 'file' ? c.content.toString() : c.kind]);
    assert.deepEqual(bytesOf(await store.attachmentContents(mailboxId, item!.id)), ids.map((id, i) => [id, parts[i]!.toString()]));
    assert.deepEqual(bytesOf(await store.attachmentContents(mailboxId, item!.id, [ids[1]!])), [[ids[1], parts[1]!.toString()]]);
    const stored = await store.itemMime(mailboxId, item!.id);
    assert.deepEqual(bytesOf(await store.attachmentContents(mailboxId, item!.id, [ids[2]!, ids[0]!], stored)), [
      [ids[0], parts[0]!.toString()],
      [ids[2], parts[2]!.toString()],
    ]);
    const other = (await store.createAccount({ email: 'kept-other@example.com', displayName: 'O', passwordHash: 'x' })).id;
    assert.equal((await store.attachmentContents(other, item!.id)).size, 0, "another mailbox's item reads nothing");
  });
});
