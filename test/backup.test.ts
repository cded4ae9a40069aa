import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { backupDataDirectory } from '../src/store/sqlite/backup.js';
import { SqliteStore, type SqliteOptions } from '../src/store/sqlite/sqlite-store.js';
import { cli, serve, type ServeProcess } from './support/cli.js';
import { createItems, getItems, type ItemIdPair } from './support/items.js';
import { messages, post, validate } from './support/soap.js';
import { attachedMessage, mailboxWithInbox, values } from './support/segment-items.js';

interface Source {
  dir: string;
  store: SqliteStore;
  mailboxId: number;
  inboxId: number;
}

async function withSource(options: SqliteOptions, run: (src: Source, scratch: string) => Promise<void>): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'ewsd-backup-'));
  const dir = join(scratch, 'data');
  const store = SqliteStore.open(dir, options);
  try {
    const { mailboxId, inboxId } = await mailboxWithInbox(store, 'b@example.com');
    await run({ dir, store, mailboxId, inboxId }, scratch);
  } finally {
    await store.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * What a user checks of a restored backup: it opens as a data directory; every item in it has
 * the MIME and attachment the source has for it; each folder's counters agree with its items
 * (the snapshot is one moment, not a blend); every segment is sealed at the size of its file.
 * Returns the subjects it holds.
 */
async function assertRestores(backup: string, source: Source): Promise<string[]> {
  const copy = SqliteStore.open(backup);
  try {
    const rows = copy.db.prepare('SELECT id, subject FROM items WHERE mailbox_id = ? ORDER BY id').all(source.mailboxId) as Array<{ id: number; subject: string }>;
    for (const r of rows) {
      const mime = await copy.itemMime(source.mailboxId, r.id);
      assert.ok(mime?.equals((await source.store.itemMime(source.mailboxId, r.id))!), `the MIME of ${r.subject}`);
      const [copied] = (await copy.attachmentContents(source.mailboxId, r.id)).values();
      const [original] = (await source.store.attachmentContents(source.mailboxId, r.id)).values();
      assert.ok(copied?.kind === 'file' && original?.kind === 'file' && copied.content.equals(original.content), `the attachment of ${r.subject}`);
    }
    const folders = copy.db.prepare('SELECT f.id, f.total_count AS counted, (SELECT count(*) FROM items i WHERE i.folder_id = f.id) AS n FROM folders f').all() as Array<{ id: number; counted: number; n: number }>;
    for (const f of folders) assert.equal(f.counted, f.n, `folder ${f.id}'s count matches its items`);
    const segments = copy.db.prepare('SELECT id, writer, sealed_size, live_count FROM mime_segments').all() as Array<{ id: number; writer: string | null; sealed_size: number; live_count: number }>;
    for (const s of segments) {
      assert.equal(s.writer, null, `segment ${s.id} has no writer`);
      assert.ok(s.live_count > 0, `segment ${s.id} is one the items use`);
      assert.equal(s.sealed_size, statSync(join(backup, 'ewsd.sqlite-mime', `${s.id}.seg`)).size, `segment ${s.id} is sealed at its file's size`);
    }
    assert.deepEqual(readdirSync(join(backup, 'ewsd.sqlite-mime')).sort(), segments.map((s) => `${s.id}.seg`).sort(), 'no segment file the items do not use');
    return rows.map((r) => r.subject);
  } finally {
    await copy.close();
  }
}

describe('ewsd backup', () => {
  it('copies a data directory while items are being written to it: one consistent moment, every MIME byte for byte, and the copy serves on', () =>
    // Small segments, so there are many, some sealed, some reclaimed, and one being appended to.
    withSource({ mimeSegments: { segmentBytes: 20_000, unlinkGraceMs: 0 } }, async (src, scratch) => {
      const batch = (n: number, from: number) => Array.from({ length: n }, (_, i) => attachedMessage(`m${from + i}`, 1 + ((from + i) % 7)));
      const stored = values(await src.store.createItems(src.mailboxId, src.inboxId, batch(40, 0)));
      values(await src.store.deleteItems(src.mailboxId, stored.slice(0, 30).map((s) => s.id), 'hard'));
      while (await src.store.reclaimSpace());

      let writing = true;
      let written = 40;
      const writer = (async () => {
        while (writing) {
          values(await src.store.createItems(src.mailboxId, src.inboxId, batch(5, written)));
          written += 5;
        }
      })();
      const backup = join(scratch, 'backup');
      const result = await cli(['backup', backup, '--data', src.dir]);
      writing = false;
      await writer;
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, /^backed up .* to .*backup: database [\d.]+ [KM]B, \d+ MIME segments? [\d.]+ [KM]?B, in [\d.]+ s\n$/);
      assert.deepEqual(readdirSync(scratch).sort(), ['backup', 'data'], 'nothing half-made is left beside it');

      const subjects = await assertRestores(backup, src);
      assert.ok(subjects.length >= 10, `the items stored before the backup are in it (${subjects.length} items)`);
      assert.ok(subjects.length <= 10 + written - 40, 'and nothing that was never stored');

      // Served on: new items go into a new segment after the copied ones, and read back after a reopen.
      let copy = SqliteStore.open(backup);
      const maxCopied = Math.max(...readdirSync(join(backup, 'ewsd.sqlite-mime')).map((f) => parseInt(f)));
      const more = batch(3, 10_000);
      const added = values(await copy.createItems(src.mailboxId, src.inboxId, more));
      await copy.close();
      copy = SqliteStore.open(backup);
      try {
        for (const [i, item] of added.entries()) assert.ok((await copy.itemMime(src.mailboxId, item.id))!.equals(more[i]!.mime!), `new item ${i} reads back`);
        const segmentOf = copy.db.prepare('SELECT segment_id FROM item_mime WHERE item_id = ?').get(added[0]!.id) as { segment_id: number };
        assert.ok(segmentOf.segment_id > maxCopied, 'a new segment, not one of the copied ones');
      } finally {
        await copy.close();
      }
    }));

  it('backs up a running ewsd serve; the copy, served in its place, answers GetItem with the same MIME', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'ewsd-backup-'));
    const data = join(scratch, 'data');
    const backup = join(scratch, 'backup');
    const user = { email: 'carol@example.com', password: 'pw' };
    const running: ServeProcess[] = [];
    try {
      assert.equal((await cli(['user', 'add', user.email, '--password', user.password, '--data', data])).code, 0);
      const server = await serve(['--port', '0', '--data', data]);
      running.push(server);
      const mime = (n: number) => Buffer.from(`Subject: kept ${n}\r\nFrom: a@example.com\r\n\r\n${'a line of the message\r\n'.repeat(40 * n)}`);
      const items = [1, 2, 3].map((n) => `<t:Message><t:MimeContent CharacterSet="UTF-8">${mime(n).toString('base64')}</t:MimeContent></t:Message>`);
      const ids: ItemIdPair[] = await createItems(server.url, user, items, '<t:DistinguishedFolderId Id="inbox"/>');

      const result = await cli(['backup', backup, '--data', data]);
      assert.equal(result.code, 0, result.stderr);
      server.kill();
      await server.exited;

      const restored = await serve(['--port', '0', '--data', backup]);
      running.push(restored);
      const { reply, items: got } = await getItems(restored.url, user, ids, '<t:BaseShape>IdOnly</t:BaseShape><t:IncludeMimeContent>true</t:IncludeMimeContent>');
      validate(reply.text);
      assert.deepEqual(
        got.map((item) => Buffer.from(item!.childText('MimeContent')!, 'base64').toString('latin1')),
        [1, 2, 3].map((n) => mime(n).toString('latin1')),
      );
      const more = await createItems(restored.url, user, [items[0]!], '<t:DistinguishedFolderId Id="inbox"/>');
      const count = await post(restored.url, user, '<m:GetFolder><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="inbox"/></m:FolderIds></m:GetFolder>');
      assert.equal(messages(count.body)[0]!.child('Folders')!.children[0]!.childText('TotalCount'), '4', 'and takes new items');
      assert.equal(more.length, 1);
    } finally {
      for (const p of running) {
        p.kill();
        await p.exited;
      }
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('still copies a segment that reclaiming removes after the snapshot (the file was opened before it)', () =>
    // Segments of 1 byte: every write begins a new one and seals the one before.
    withSource({ mimeSegments: { segmentBytes: 1, unlinkGraceMs: 0 } }, async (src, scratch) => {
      const stored = values(await src.store.createItems(src.mailboxId, src.inboxId, Array.from({ length: 6 }, (_, i) => attachedMessage(`old ${i}`, 3))));
      values(await src.store.createItems(src.mailboxId, src.inboxId, [attachedMessage('newer', 2)]));
      const oldSegment = (src.store.db.prepare('SELECT segment_id FROM item_mime WHERE item_id = ?').get(stored[0]!.id) as { segment_id: number }).segment_id;
      values(await src.store.deleteItems(src.mailboxId, stored.slice(0, 4).map((s) => s.id), 'hard'));
      const oldFile = join(src.dir, 'ewsd.sqlite-mime', `${oldSegment}.seg`);

      const backup = join(scratch, 'backup');
      const told: Array<[number, number, number]> = [];
      const summary = await backupDataDirectory(src.dir, backup, {
        afterSnapshot: async () => {
          while (await src.store.reclaimSpace());
          assert.equal(existsSync(oldFile), false, 'the segment the snapshot uses was reclaimed and removed');
        },
        onProgress: (copied, total, segments) => told.push([copied, total, segments]),
      });
      assert.deepEqual(await assertRestores(backup, src), ['old 4', 'old 5', 'newer']);
      assert.deepEqual(told.at(-1), [summary.segmentBytes, summary.segmentBytes, summary.segments], 'progress ends at the whole, every segment copied');
      assert.equal(summary.segments, 2);
    }));

  it('refuses a destination that holds anything, and a directory with no store, and leaves both as they were', () =>
    withSource({}, async (src, scratch) => {
      values(await src.store.createItems(src.mailboxId, src.inboxId, [attachedMessage('one', 1)]));
      const taken = join(scratch, 'taken');
      mkdirSync(taken);
      writeFileSync(join(taken, 'keep.txt'), 'mine');
      const refused = await cli(['backup', taken, '--data', src.dir]);
      assert.equal(refused.code, 1);
      assert.equal(refused.stderr, `ewsd: backup failed: ${taken} exists and is not an empty directory\n`);
      assert.deepEqual(readdirSync(taken), ['keep.txt']);

      const empty = join(scratch, 'empty');
      mkdirSync(empty);
      const noStore = await cli(['backup', join(scratch, 'out'), '--data', empty]);
      assert.equal(noStore.code, 1);
      assert.equal(noStore.stderr, `ewsd: backup failed: no ewsd store in ${empty}\n`);
      assert.deepEqual(readdirSync(scratch).sort(), ['data', 'empty', 'taken'], 'no backup and nothing half-made');

      // An empty directory is a fine destination.
      const ok = await cli(['backup', empty, '--data', src.dir]);
      assert.equal(ok.code, 0, ok.stderr);
      assert.deepEqual(await assertRestores(empty, src), ['one']);
    }));
});
