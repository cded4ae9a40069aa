import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { Writable } from 'node:stream';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import type { NewItem } from '../src/domain/item.js';
import { createLogger } from '../src/log.js';
import { SqliteStore, type SqliteOptions } from '../src/store/sqlite/sqlite-store.js';
import { startSpaceReclaimer } from '../src/store/space-reclaimer.js';
import type { AttachmentContent } from '../src/store/store.js';
import { attachedMessage, mailboxWithInbox, values } from './support/segment-items.js';

interface SegmentRow {
  id: number;
  writer: string | null;
  sealed_size: number | null;
  live_count: number;
  live_bytes: number;
  dropped_at: number | null;
}

async function withStore(options: SqliteOptions, run: (store: SqliteStore, dir: string, mailboxId: number, inboxId: number) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ewsd-segments-'));
  const store = SqliteStore.open(dir, options);
  try {
    const { mailboxId, inboxId } = await mailboxWithInbox(store);
    await run(store, dir, mailboxId, inboxId);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const segments = (store: SqliteStore) => store.db.prepare('SELECT * FROM mime_segments ORDER BY id').all() as SegmentRow[];
const segmentFiles = (dir: string) => readdirSync(join(dir, 'ewsd.sqlite-mime')).sort((a, b) => parseInt(a) - parseInt(b));

/** What the triggers keep must equal what the rows say, segment by segment. */
function assertCountsTrue(store: SqliteStore): void {
  const counted = store.db
    .prepare('SELECT s.id, s.live_count, s.live_bytes, count(m.item_id) AS n, coalesce(sum(m.byte_length), 0) AS bytes FROM mime_segments s LEFT JOIN item_mime m ON m.segment_id = s.id GROUP BY s.id')
    .all() as Array<{ id: number; live_count: number; live_bytes: number; n: number; bytes: number }>;
  for (const c of counted) assert.deepEqual([c.live_count, c.live_bytes], [c.n, c.bytes], `segment ${c.id}`);
}

async function assertReadsBack(store: SqliteStore, mailboxId: number, stored: ReadonlyArray<{ id: number; attachments: ReadonlyArray<{ id: number }> }>, sent: readonly NewItem[]): Promise<void> {
  const withMime = await store.itemsWithMime(mailboxId, stored.map((s) => s.id));
  for (const [i, s] of stored.entries()) {
    const want = sent[i]!;
    assert.ok((await store.itemMime(mailboxId, s.id))!.equals(want.mime!), `itemMime of ${want.props.subject}`);
    assert.ok(withMime[i]!.mime!.equals(want.mime!), `itemsWithMime of ${want.props.subject}`);
    const contents = await store.attachmentContents(mailboxId, s.id);
    const file = contents.get(s.attachments[0]!.id) as AttachmentContent & { kind: 'file' };
    assert.ok(file.content.equals((want.attachments[0] as { content: Buffer }).content), `attachment of ${want.props.subject}`);
  }
}

const STORE_MODULE = fileURLToPath(new URL('../src/store/sqlite/sqlite-store.js', import.meta.url));

/** The MIME of the crash test's item `n`: its subject says which, its size varies. */
function crashMime(n: number): Buffer {
  return Buffer.from(`Subject: crash ${n}\r\n\r\n${`line ${n} `.repeat(50 + ((n * 37) % 400))}\r\n`);
}

/** Another process creating items in batches of 10, saying after each commit how many it has; killed by the test. */
const WRITER = `
  const { SqliteStore } = await import(process.argv[1]);
  const { emptyMessageProps } = await import(process.argv[1].replace('store/sqlite/sqlite-store.js', 'domain/item.js'));
  const store = SqliteStore.open(process.argv[2]);
  const mailboxId = Number(process.argv[3]), folderId = Number(process.argv[4]);
  ${crashMime.toString()}
  for (let n = 0; ; n += 10) {
    const items = Array.from({ length: 10 }, (_, i) => ({ props: { ...emptyMessageProps(), subject: 'crash ' + (n + i) }, attachments: [], mime: crashMime(n + i) }));
    await store.createItems(mailboxId, folderId, items);
    process.stdout.write('committed ' + (n + 10) + '\\n');
  }
`;

describe('SQLite store: item MIME in segment files', () => {
  it('appends MIME to a segment file, not the database, and reads it back byte for byte after a reopen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ewsd-segments-'));
    try {
      const sent = [attachedMessage('one', 3), attachedMessage('two', 40), attachedMessage('three', 1)];
      let store = SqliteStore.open(dir);
      const { mailboxId, inboxId } = await mailboxWithInbox(store);
      const stored = values(await store.createItems(mailboxId, inboxId, sent));
      const rows = store.db.prepare('SELECT length(bytes) AS inline, segment_id, byte_offset, byte_length FROM item_mime ORDER BY item_id').all() as Array<{
        inline: number;
        segment_id: number;
        byte_offset: number;
        byte_length: number;
      }>;
      assert.deepEqual(rows.map((r) => r.inline), [0, 0, 0], 'no MIME bytes in the database');
      const [segment] = segments(store);
      assert.equal(segment!.writer?.split(':')[0], String(process.pid), 'the segment is being written by this process');
      const file = readFileSync(join(dir, 'ewsd.sqlite-mime', `${segment!.id}.seg`));
      rows.forEach((r, i) => assert.ok(file.subarray(r.byte_offset, r.byte_offset + r.byte_length).equals(sent[i]!.mime!)));
      assertCountsTrue(store);
      await store.close();
      const [sealed] = segments((store = SqliteStore.open(dir)));
      assert.deepEqual([sealed!.writer, sealed!.sealed_size], [null, file.length], 'closing seals the segment at its size');
      await assertReadsBack(store, mailboxId, stored, sent);
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps MIME in segments however an item arrives: created, delivered, uploaded, replaced by an upload or sent', () =>
    withStore({}, async (store, _dir, mailboxId, inboxId) => {
      const sent = [attachedMessage('created', 2), attachedMessage('delivered', 2), attachedMessage('uploaded', 2), attachedMessage('replacing', 2), attachedMessage('sent copy', 2)];
      const [created] = values(await store.createItems(mailboxId, inboxId, [sent[0]!]));
      const [delivered] = await store.deliverItems([{ mailboxId, folderId: inboxId, item: sent[1]! }]);
      const [uploaded] = values(await store.uploadItems(mailboxId, [{ folderId: inboxId, item: sent[2]! }]));
      const [replaced] = values(await store.uploadItems(mailboxId, [{ folderId: inboxId, item: sent[3]!, replaceItemId: created!.id }]));
      assert.equal(replaced!.item.id, created!.id);
      const sentItems = (await store.distinguishedFolder(mailboxId, 'sentitems'))!.id;
      const [submitted] = values(await store.submitMessages([{ copy: { mailboxId, folderId: sentItems, item: sent[4]! }, deliveries: [] }]));
      const inDatabase = store.db.prepare('SELECT count(*) AS n FROM item_mime WHERE segment_id IS NULL OR length(bytes) > 0').get() as { n: number };
      assert.equal(inDatabase.n, 0);
      assertCountsTrue(store);
      assert.equal(segments(store)[0]!.live_count, 4, 'the replaced MIME no longer counts');
      await assertReadsBack(store, mailboxId, [replaced!.item, delivered!, uploaded!.item, submitted!.copy!], [sent[3]!, sent[1]!, sent[2]!, sent[4]!]);
    }));

  it('still reads MIME kept in the database before segments (schema 21)', () =>
    withStore({}, async (store, _dir, mailboxId, inboxId) => {
      const sent = [attachedMessage('old', 5)];
      const stored = values(await store.createItems(mailboxId, inboxId, sent));
      store.db.prepare('UPDATE item_mime SET bytes = ?, segment_id = NULL, byte_offset = NULL, byte_length = NULL WHERE item_id = ?').run(sent[0]!.mime, stored[0]!.id);
      assert.equal(segments(store)[0]!.live_count, 0, 'the row left its segment');
      await assertReadsBack(store, mailboxId, stored, sent);
    }));

  it('counts the live items of each segment through copies, moves, deletes and a failed batch entry', () =>
    withStore({}, async (store, _dir, mailboxId, inboxId) => {
      const drafts = (await store.distinguishedFolder(mailboxId, 'drafts'))!.id;
      const stored = values(await store.createItems(mailboxId, inboxId, [attachedMessage('a', 2), attachedMessage('b', 2), attachedMessage('c', 2)]));
      assertCountsTrue(store);
      const [copy] = values(await store.copyItems(mailboxId, [stored[0]!.id], drafts));
      values(await store.moveItems(mailboxId, [stored[1]!.id], drafts));
      assert.equal(segments(store)[0]!.live_count, 4, 'a copy is one more reference to the same bytes');
      values(await store.deleteItems(mailboxId, [stored[0]!.id, stored[2]!.id], 'hard'));
      assert.equal(segments(store)[0]!.live_count, 2);
      assert.ok((await store.itemMime(mailboxId, copy!.id))!.equals(attachedMessage('a', 2).mime!), 'the copy still reads its MIME');
      // An entry refused after its MIME was appended: the bytes stay in the file, no row counts them.
      store.db.exec("CREATE TEMP TRIGGER refuse_boom BEFORE INSERT ON attachments WHEN NEW.name = 'boom.txt' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END");
      const boom = attachedMessage('boom', 2);
      boom.attachments[0]!.name = 'boom.txt';
      const outcomes = await store.createItems(mailboxId, inboxId, [attachedMessage('d', 2), boom]);
      store.db.exec('DROP TRIGGER refuse_boom');
      assert.deepEqual(outcomes.map((o) => o.ok), [true, false]);
      assert.equal(segments(store)[0]!.live_count, 3);
      assertCountsTrue(store);
    }));

  it('reclaims a mostly deleted segment: its live MIME moves, its file goes after the grace period, every item reads back the same', () =>
    // Segments of 1 byte: every write after the first starts a new one, sealing the one before.
    withStore({ mimeSegments: { segmentBytes: 1, unlinkGraceMs: 0 } }, async (store, dir, mailboxId, inboxId) => {
      const first = Array.from({ length: 8 }, (_, i) => attachedMessage(`first ${i}`, 3 + i));
      const stored = values(await store.createItems(mailboxId, inboxId, first));
      const drafts = (await store.distinguishedFolder(mailboxId, 'drafts'))!.id;
      const [copy] = values(await store.copyItems(mailboxId, [stored[1]!.id], drafts));
      const second = [attachedMessage('second', 4)];
      const later = values(await store.createItems(mailboxId, inboxId, second));
      const [old] = segments(store);
      assert.ok(old!.sealed_size! > 0, 'the first segment was sealed when the second began');
      values(await store.deleteItems(mailboxId, stored.slice(2).map((s) => s.id), 'hard'));
      assert.equal(segments(store)[0]!.live_count, 3, 'two items and a copy remain in it');

      let steps = 0;
      while (await store.reclaimSpace()) assert.ok(++steps < 20, 'reclaiming ends');
      assert.deepEqual(
        segments(store).map((s) => s.id).includes(old!.id),
        false,
        'the emptied segment is gone from the table',
      );
      assert.equal(existsSync(join(dir, 'ewsd.sqlite-mime', `${old!.id}.seg`)), false, 'and from the disk');
      assertCountsTrue(store);
      const moved = store.db.prepare('SELECT DISTINCT segment_id FROM item_mime WHERE item_id IN (?, ?, ?)').all(stored[0]!.id, stored[1]!.id, copy!.id) as Array<{ segment_id: number }>;
      assert.equal(new Set([stored[1]!.id, copy!.id].map((id) => (store.db.prepare('SELECT byte_offset FROM item_mime WHERE item_id = ?').get(id) as { byte_offset: number }).byte_offset)).size, 1, 'an item and its copy still share their bytes');
      assert.equal(moved.length, 1);
      await assertReadsBack(store, mailboxId, [stored[0]!, stored[1]!, { ...stored[1]!, id: copy!.id, attachments: copy!.attachments }, later[0]!], [first[0]!, first[1]!, first[1]!, second[0]!]);
      assert.equal(await store.reclaimSpace(), false, 'nothing left to do');
    }));

  it('moves MIME off the event loop: an item deleted while its bytes are being synced is simply not moved', () =>
    withStore({ mimeSegments: { segmentBytes: 1, unlinkGraceMs: 0 } }, async (store, dir, mailboxId, inboxId) => {
      const sent = Array.from({ length: 6 }, (_, i) => attachedMessage(`m${i}`, 4));
      const stored = values(await store.createItems(mailboxId, inboxId, sent));
      values(await store.createItems(mailboxId, inboxId, [attachedMessage('next', 1)]));
      const old = segments(store)[0]!.id;
      values(await store.deleteItems(mailboxId, stored.slice(0, 4).map((s) => s.id), 'hard'));
      const step = store.reclaimSpace();
      // The step has read the two live items and waits for their copies' sync: one goes now.
      values(await store.deleteItems(mailboxId, [stored[4]!.id], 'hard'));
      assert.equal(await step, true);
      while (await store.reclaimSpace());
      assert.equal(existsSync(join(dir, 'ewsd.sqlite-mime', `${old}.seg`)), false);
      assertCountsTrue(store);
      await assertReadsBack(store, mailboxId, [stored[5]!], [sent[5]!]);
      assert.equal(await store.itemMime(mailboxId, stored[4]!.id), undefined);
    }));

  it('leaves alone a segment whose writer is still appending, and seals one whose process is gone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ewsd-segments-'));
    const a = SqliteStore.open(dir, { mimeSegments: { unlinkGraceMs: 0 } });
    const b = SqliteStore.open(dir);
    try {
      const { mailboxId, inboxId } = await mailboxWithInbox(a);
      const [fromB] = values(await b.createItems(mailboxId, inboxId, [attachedMessage('from b', 2)]));
      values(await b.deleteItems(mailboxId, [fromB!.id], 'hard'));
      await a.reclaimSpace();
      const [open] = segments(a);
      assert.deepEqual([open!.sealed_size, open!.dropped_at], [null, null], "another writer's open segment is not touched, even empty");
      values(await b.createItems(mailboxId, inboxId, [attachedMessage('b again', 2)]));
      // A writer in another container or on another host: its pid means nothing here, so it is never taken for dead.
      a.db.prepare("UPDATE mime_segments SET writer = '2147483646:elsewhere:0123456789ab' WHERE id = ?").run(open!.id);
      await a.reclaimSpace();
      assert.equal(segments(a)[0]!.sealed_size, null, 'a writer of another pid scope is left alone');
      // A writer that died without sealing: its pid no longer runs here. Tagged as now (pid:token:scope), and as before scopes.
      const [, , ourScope] = open!.writer!.split(':');
      a.db.prepare('UPDATE mime_segments SET writer = ? WHERE id = ?').run(`2147483646:gone:${ourScope}`, open!.id);
      const { id: oldStyle } = a.db.prepare("INSERT INTO mime_segments (writer) VALUES ('2147483646:gone') RETURNING id").get() as { id: number };
      await a.reclaimSpace();
      assert.equal(segments(a).find((s) => s.id === oldStyle)?.sealed_size, 0, 'a dead writer tagged without a scope is sealed too');
      const [sealed] = segments(a);
      assert.equal(sealed!.sealed_size, readFileSync(join(dir, 'ewsd.sqlite-mime', `${open!.id}.seg`)).length, 'sealed at the size of its file');
      assert.deepEqual(segmentFiles(dir), [`${open!.id}.seg`]);
    } finally {
      await b.close();
      await a.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reclaims in the background of a running store (the server starts this)', () =>
    withStore({ mimeSegments: { segmentBytes: 1, unlinkGraceMs: 0 } }, async (store, dir, mailboxId, inboxId) => {
      const stored = values(await store.createItems(mailboxId, inboxId, [attachedMessage('x', 4), attachedMessage('y', 4), attachedMessage('z', 4)]));
      values(await store.createItems(mailboxId, inboxId, [attachedMessage('next', 1)]));
      const first = segments(store)[0]!.id;
      values(await store.deleteItems(mailboxId, stored.map((s) => s.id), 'hard'));
      const reclaimer = startSpaceReclaimer(store, createLogger('silent'));
      try {
        const deadline = Date.now() + 5000;
        while (existsSync(join(dir, 'ewsd.sqlite-mime', `${first}.seg`)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        assert.equal(existsSync(join(dir, 'ewsd.sqlite-mime', `${first}.seg`)), false);
      } finally {
        await reclaimer.stop();
      }
    }));

  it('loses nothing it acknowledged when its writer is killed mid-batch, and seals what the dead writer left', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ewsd-segments-'));
    let store = SqliteStore.open(dir, { mimeSegments: { unlinkGraceMs: 0 } });
    try {
      const { mailboxId, inboxId } = await mailboxWithInbox(store);
      const child = spawn(process.execPath, ['--input-type=module', '-e', WRITER, STORE_MODULE, dir, String(mailboxId), String(inboxId)], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout!.setEncoding('utf8').on('data', (t: string) => (out += t));
      child.stderr!.setEncoding('utf8').on('data', (t: string) => (err += t));
      const acknowledged = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the writer did not get going: ${err}`)), 20_000);
        child.stdout!.on('data', () => {
          const counts = [...out.matchAll(/committed (\d+)/g)].map((m) => Number(m[1]));
          if (counts.length >= 5) {
            clearTimeout(timer);
            child.kill('SIGKILL');
            resolve(counts.at(-1)!);
          }
        });
        child.on('exit', (code) => code !== null && reject(new Error(`the writer exited (${code}): ${err}`)));
      });
      await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(undefined) : child.once('exit', resolve)));
      await store.close();
      store = SqliteStore.open(dir, { mimeSegments: { unlinkGraceMs: 0 } });
      const rows = store.db.prepare('SELECT id, subject FROM items WHERE folder_id = ? ORDER BY id').all(inboxId) as Array<{ id: number; subject: string }>;
      assert.ok(rows.length >= acknowledged, `${rows.length} items after the kill, ${acknowledged} acknowledged`);
      for (const r of rows) {
        const n = Number(r.subject.slice('crash '.length));
        assert.ok((await store.itemMime(mailboxId, r.id))!.equals(crashMime(n)), `the MIME of ${r.subject}`);
      }
      assertCountsTrue(store);
      await store.reclaimSpace();
      const [left] = segments(store);
      assert.equal(left!.writer, null, "the dead writer's segment is sealed");
      assert.equal(left!.sealed_size, readFileSync(join(dir, 'ewsd.sqlite-mime', `${left!.id}.seg`)).length);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('moves on to a new segment when another process sealed its own, taking it for gone', () =>
    withStore({}, async (store, dir, mailboxId, inboxId) => {
      const first = [attachedMessage('first', 2)];
      const [one] = values(await store.createItems(mailboxId, inboxId, first));
      const [own] = segments(store);
      assert.ok(own!.writer, 'the store appends to a segment of its own');
      // What another process's reclaiming does to a writer it takes for gone.
      store.db.prepare('UPDATE mime_segments SET writer = NULL, sealed_size = ? WHERE id = ?').run(statSync(join(dir, 'ewsd.sqlite-mime', `${own!.id}.seg`)).size, own!.id);
      const second = [attachedMessage('second', 3)];
      const [two] = values(await store.createItems(mailboxId, inboxId, second));
      const [sealed, next] = segments(store);
      assert.deepEqual([sealed!.id, sealed!.writer, sealed!.live_count], [own!.id, null, 1], 'the sealed segment gets nothing more');
      assert.equal(next!.writer, own!.writer, 'the new item went to a new segment of the same writer');
      assert.equal(next!.live_count, 1);
      await assertReadsBack(store, mailboxId, [one!, two!], [first[0]!, second[0]!]);
      assertCountsTrue(store);
    }));

  it('seals the segment of a writer it cannot check (another host or container) once its file has not changed for a day', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ewsd-segments-'));
    const a = SqliteStore.open(dir, { mimeSegments: { staleWriterMs: 24 * 3600_000 } });
    const b = SqliteStore.open(dir);
    try {
      const { mailboxId, inboxId } = await mailboxWithInbox(a);
      const sent = [attachedMessage('from b', 2)];
      const [fromB] = values(await b.createItems(mailboxId, inboxId, sent));
      const [open] = segments(a);
      a.db.prepare("UPDATE mime_segments SET writer = '2147483646:elsewhere:0123456789ab' WHERE id = ?").run(open!.id);
      const file = join(dir, 'ewsd.sqlite-mime', `${open!.id}.seg`);
      await a.reclaimSpace();
      assert.equal(segments(a)[0]!.sealed_size, null, 'written to just now: left alone');
      const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3600_000);
      utimesSync(file, twoDaysAgo, twoDaysAgo);
      await a.reclaimSpace();
      const [sealed] = segments(a);
      assert.deepEqual([sealed!.writer, sealed!.sealed_size], [null, statSync(file).size], 'untouched for two days: sealed at its size');
      await assertReadsBack(a, mailboxId, [fromB!], sent);
    } finally {
      await b.close();
      await a.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('takes the next segment id when a file of that name exists (a database restored from an older backup than its segments), and leaves that file alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ewsd-segments-'));
    let store = SqliteStore.open(dir);
    try {
      const { mailboxId, inboxId } = await mailboxWithInbox(store);
      const first = [attachedMessage('before', 2)];
      const [before] = values(await store.createItems(mailboxId, inboxId, first));
      await store.close();
      // Segment 1 was sealed at close; the files a newer directory would hold next are in the way.
      const stray = Buffer.from('bytes of items this database never heard of');
      for (const id of [2, 3]) writeFileSync(join(dir, 'ewsd.sqlite-mime', `${id}.seg`), stray);
      store = SqliteStore.open(dir);
      const second = [attachedMessage('after', 3)];
      const [after] = values(await store.createItems(mailboxId, inboxId, second));
      assert.deepEqual(segments(store).map((s) => s.id), [1, 4], 'ids 2 and 3 were skipped, and no row names them');
      for (const id of [2, 3]) assert.ok(readFileSync(join(dir, 'ewsd.sqlite-mime', `${id}.seg`)).equals(stray), `${id}.seg is untouched`);
      await assertReadsBack(store, mailboxId, [before!, after!], [first[0]!, second[0]!]);
      assertCountsTrue(store);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops its background reclaiming only once a step under way is done, so the store closes cleanly after it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ewsd-segments-'));
    const store = SqliteStore.open(dir, { mimeSegments: { segmentBytes: 1, unlinkGraceMs: 0 } });
    const logged: string[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _enc, done) => (logged.push(chunk.toString()), done()) });
    try {
      const { mailboxId, inboxId } = await mailboxWithInbox(store);
      const stored = values(await store.createItems(mailboxId, inboxId, Array.from({ length: 40 }, (_, i) => attachedMessage(`s${i}`, 20))));
      values(await store.createItems(mailboxId, inboxId, [attachedMessage('next', 1)]));
      values(await store.deleteItems(mailboxId, stored.slice(0, 30).map((s) => s.id), 'hard'));
      const reclaimer = startSpaceReclaimer(store, createLogger('error', sink));
      await new Promise((resolve) => setTimeout(resolve, 1));
      await reclaimer.stop();
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(logged, [], 'nothing failed');
  });
});
