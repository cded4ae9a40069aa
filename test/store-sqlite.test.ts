import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { emptyMessageProps } from '../src/domain/item.js';
import { SCHEMA_VERSION } from '../src/store/sqlite/migrations.js';
import { SqliteStore, type SqliteOptions } from '../src/store/sqlite/sqlite-store.js';
import { BACKSTOP_PAGES } from '../src/store/sqlite/checkpointer.js';
import type { Folder } from '../src/domain/folder.js';
import type { Account } from '../src/domain/mailbox.js';
import type { Store } from '../src/store/store.js';
import { storeConformance } from './store-conformance.js';

const dirs = new WeakMap<Store, string>();

function conformance(name: string, options: SqliteOptions): void {
  const openIn = (dir: string): SqliteStore => {
    const store = SqliteStore.open(dir, options);
    dirs.set(store, dir);
    return store;
  };
  storeConformance(name, {
    async create() {
      return openIn(mkdtempSync(join(tmpdir(), 'ewsd-store-')));
    },
    async reopen(store) {
      await store.close();
      return openIn(dirs.get(store)!);
    },
    async destroy(store) {
      await store.close();
      rmSync(dirs.get(store)!, { recursive: true, force: true });
    },
    async assertDurable(store) {
      const db = (store as SqliteStore).db;
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(db.pragma('synchronous', { simple: true }), 2, 'synchronous=FULL');
      assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
    },
  });
}

conformance('SQLite', {});
// The server's configuration: WAL checkpoints on their own thread.
conformance('SQLite, checkpoint thread', { checkpointThread: true });

describe('SQLite store specifics', () => {
  const withDir = async (fn: (dir: string) => Promise<void>) => {
    const dir = mkdtempSync(join(tmpdir(), 'ewsd-store-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  /** One message with a body of `kb` kilobytes (kept in the database; MIME would go to a segment file), stored in a fresh account's inbox. */
  const storeMessage = async (store: SqliteStore, kb: number) => {
    const account = await store.createAccount({ email: 'ckpt@example.com', displayName: 'C', passwordHash: 'h' });
    const inbox = (await store.distinguishedFolder(account.id, 'inbox'))!;
    const body = { type: 'Text' as const, content: 'x'.repeat(kb * 1024) };
    const [created] = await store.createItems(account.id, inbox.id, [{ props: { ...emptyMessageProps(), subject: 'big', body }, attachments: [] }]);
    assert.ok(created?.ok);
  };
  const databaseBytes = (dir: string) => statSync(join(dir, 'ewsd.sqlite')).size;

  it('copies committed pages into the database file on its own thread, without a commit that crosses a checkpoint mark', () =>
    withDir(async (dir) => {
      const store = SqliteStore.open(dir, { checkpointThread: true });
      try {
        assert.equal(store.db.pragma('wal_autocheckpoint', { simple: true }), BACKSTOP_PAGES);
        // 1 MB is ~250 pages: far below any automatic checkpoint, so only the thread moves it out of the log.
        await storeMessage(store, 1024);
        const deadline = Date.now() + 5000;
        while (databaseBytes(dir) < 1024 * 1024 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        assert.ok(databaseBytes(dir) >= 1024 * 1024, `database file ${databaseBytes(dir)} bytes: the log was not checkpointed`);
      } finally {
        await store.close();
      }
      // The thread's connection closed first, so the store's was the last: it checkpointed and removed the log.
      assert.equal(existsSync(join(dir, 'ewsd.sqlite-wal')), false);
    }));

  it("without the thread, leaves checkpoints to SQLite's automatic ones", () =>
    withDir(async (dir) => {
      const store = SqliteStore.open(dir);
      try {
        assert.equal(store.db.pragma('wal_autocheckpoint', { simple: true }), 1000);
        await storeMessage(store, 1024);
        await new Promise((r) => setTimeout(r, 300));
        assert.ok(databaseBytes(dir) < 1024 * 1024, 'the megabyte is still only in the log');
      } finally {
        await store.close();
      }
    }));

  it('creates its data directory and runs every migration once', () =>
    withDir(async (dir) => {
      const nested = join(dir, 'a', 'b');
      const store = SqliteStore.open(nested);
      const versions = store.db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all();
      assert.equal(versions.at(-1), SCHEMA_VERSION);
      await store.close();
      const again = SqliteStore.open(nested);
      assert.deepEqual(again.db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all(), versions);
      await again.close();
      assert.equal(dirname(nested), join(dir, 'a'));
    }));

  /** Back to schema 19's layout, the props JSON inside the items row, where the older steps read it. */
  const propsBackInItems = (store: SqliteStore) =>
    store.db.exec(`ALTER TABLE items ADD COLUMN props TEXT;
      UPDATE items SET props = (SELECT j.props FROM item_json j WHERE j.item_id = items.id);
      DROP TABLE item_json; DELETE FROM schema_migrations WHERE version = 20;`);

  /**
   * A schema step's test: `before` writes into a fresh store (one account and its inbox) and turns
   * the file back to the older layout; the store is then reopened, which runs the step, for `after`.
   */
  const upgraded = <T>(
    before: (store: SqliteStore, mailbox: { account: Account; inbox: Folder }) => Promise<T>,
    after: (store: SqliteStore, mailbox: { account: Account; inbox: Folder }, made: T) => Promise<void>,
  ) =>
    withDir(async (dir) => {
      const store = SqliteStore.open(dir);
      const account = await store.createAccount({ email: 'old@example.com', displayName: 'Old', passwordHash: 'h' });
      const mailbox = { account, inbox: (await store.distinguishedFolder(account.id, 'inbox'))! };
      const made = await before(store, mailbox);
      await store.close();
      const reopened = SqliteStore.open(dir);
      try {
        await after(reopened, mailbox, made);
      } finally {
        await reopened.close();
      }
    });

  it('moves bodies written inside items.props before schema 14 into item_bodies', () =>
    upgraded(
      async (store, { account, inbox }) => {
        const props = { ...emptyMessageProps(), subject: 'old', body: { type: 'Text' as const, content: 'kept from before' } };
        const [created] = await store.createItems(account.id, inbox.id, [{ props, attachments: [] }]);
        assert.ok(created?.ok);
        // Back to how schema 13 kept it: the body inside props, no item_bodies table (step 22 adds to the one step 14 makes).
        propsBackInItems(store);
        store.db.exec(`UPDATE items SET props = json_set(props, '$.p.body', json('{"type":"Text","content":"kept from before"}'));
          DROP TABLE item_bodies; DELETE FROM schema_migrations WHERE version IN (14, 22);`);
        return created.value.id;
      },
      async (reopened, { account }, id) => {
        const [item] = await reopened.items(account.id, [id]);
        assert.deepEqual(item?.props.body, { type: 'Text', content: 'kept from before' });
        assert.equal(reopened.db.prepare("SELECT json_type(props, '$.p.body') FROM item_json WHERE item_id = ?").pluck().get(id), null);
      },
    ));

  it('moves Internet message headers written inside items.props before schema 17 into item_headers; listings leave them out', () => {
    const headers = [
      { name: 'Received', value: 'from a by b' },
      { name: 'Subject', value: 'é old' },
    ];
    return upgraded(
      async (store, { account, inbox }) => {
        const [created, bare] = await store.createItems(account.id, inbox.id, [
          { props: { ...emptyMessageProps(), subject: 'old', internetMessageHeaders: headers }, attachments: [] },
          { props: { ...emptyMessageProps(), subject: 'no headers' }, attachments: [] },
        ]);
        assert.ok(created?.ok && bare?.ok);
        // Back to how schema 16 kept them: inside props, no item_headers table.
        propsBackInItems(store);
        store.db.exec(`UPDATE items SET props = json_set(props, '$.p.internetMessageHeaders', json((SELECT headers FROM item_headers h WHERE h.item_id = items.id)))
            WHERE id IN (SELECT item_id FROM item_headers);
          UPDATE items SET props = json_set(props, '$.p.internetMessageHeaders', json('[]')) WHERE id NOT IN (SELECT item_id FROM item_headers);
          DROP TABLE item_headers; DELETE FROM schema_migrations WHERE version = 17;`);
        return [created.value.id, bare.value.id];
      },
      async (reopened, { account, inbox }, ids) => {
        const [item, other] = await reopened.items(account.id, ids);
        assert.deepEqual(item?.props.internetMessageHeaders, headers);
        assert.deepEqual(other?.props.internetMessageHeaders, []);
        assert.equal(reopened.db.prepare("SELECT count(*) FROM item_json WHERE json_type(props, '$.p.internetMessageHeaders') IS NOT NULL").pluck().get(), 0);
        assert.equal(reopened.db.prepare('SELECT count(*) FROM item_headers').pluck().get(), 1);
        const listed = await reopened.folderItems(account.id, inbox.id, { order: [{ column: 'id', descending: false }], offset: 0, withBody: false });
        assert.deepEqual(
          listed.map((i) => [i.props.subject, i.props.internetMessageHeaders.length]),
          [
            ['old', 0],
            ['no headers', 0],
          ],
        );
      },
    );
  });

  it('fills items.has_mime from item_mime when schema 18 arrives', () =>
    upgraded(
      async (store, { account, inbox }) => {
        const [kept, bare] = await store.createItems(account.id, inbox.id, [
          { props: { ...emptyMessageProps(), subject: 'as MIME' }, attachments: [], mime: Buffer.from('Subject: as MIME\r\n\r\nx\r\n') },
          { props: { ...emptyMessageProps(), subject: 'as properties' }, attachments: [] },
        ]);
        assert.ok(kept?.ok && bare?.ok);
        store.db.exec('ALTER TABLE items DROP COLUMN has_mime; DELETE FROM schema_migrations WHERE version = 18;');
        return [kept.value.id, bare.value.id];
      },
      async (reopened, { account }, ids) => {
        const items = await reopened.items(account.id, ids);
        assert.deepEqual(
          items.map((i) => i?.hasMime),
          [true, false],
        );
      },
    ));

  it('moves read-flag versions from item_read_versions into items.read_version when schema 19 arrives', () =>
    upgraded(
      async (store, { account, inbox }) => {
        const mime = (subject: string) => ({ props: { ...emptyMessageProps(), subject }, attachments: [], mime: Buffer.from(`Subject: ${subject}\r\n\r\nx\r\n`) });
        const [flagged, untouched] = await store.createItems(account.id, inbox.id, [mime('flagged'), mime('untouched')]);
        assert.ok(flagged?.ok && untouched?.ok);
        const [set] = await store.setReadFlags(account.id, [{ itemId: flagged.value.id, decide: () => true }]);
        assert.ok(set?.ok);
        // Back to schema 18: the version in its own table.
        store.db.exec(`
          CREATE TABLE item_read_versions (item_id INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE, version INTEGER NOT NULL);
          INSERT INTO item_read_versions SELECT id, read_version FROM items WHERE read_version IS NOT NULL;
          ALTER TABLE items DROP COLUMN read_version; DELETE FROM schema_migrations WHERE version = 19;`);
        return { flagged: flagged.value, untouched: untouched.value, version: set.value.modseq };
      },
      async (reopened, { account }, { flagged, untouched, version }) => {
        const [a, b] = await reopened.items(account.id, [flagged.id, untouched.id]);
        assert.equal(a?.props.isRead, true);
        assert.equal(a?.fieldVersions['message:IsRead'], version);
        assert.equal(b?.fieldVersions['message:IsRead'], untouched.fieldVersions['message:IsRead']);
        assert.equal(reopened.db.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'item_read_versions'").pluck().get(), 0);
      },
    ));

  it('moves the props JSON out of the items row into item_json when schema 20 arrives', () =>
    upgraded(
      async (store, { account, inbox }) => {
        const created = await store.createItems(account.id, inbox.id, [
          { props: { ...emptyMessageProps(), subject: 'Grüße', categories: ['a'] }, attachments: [], mime: Buffer.from('Subject: x\r\n\r\nx\r\n') },
          { props: { ...emptyMessageProps(), subject: 'plain', isRead: false }, attachments: [] },
        ]);
        const ids = created.map((c) => (assert.ok(c.ok), c.value.id));
        const before = await store.items(account.id, ids);
        propsBackInItems(store);
        return { ids, before };
      },
      async (reopened, { account }, { ids, before }) => {
        assert.deepEqual(await reopened.items(account.id, ids), before);
        assert.equal(reopened.db.prepare('SELECT count(*) FROM item_json').pluck().get(), 2);
        const columns = reopened.db.prepare("SELECT name FROM pragma_table_info('items')").pluck().all();
        assert.ok(!columns.includes('props'), 'the items row no longer holds the JSON');
      },
    ));

  it('refuses a database written by a newer ewsd', () =>
    withDir(async (dir) => {
      const store = SqliteStore.open(dir);
      store.db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(SCHEMA_VERSION + 1, 'future', Date.now());
      await store.close();
      assert.throws(() => SqliteStore.open(dir), /newer ewsd/);
    }));

  it('shares one database between processes: a second connection sees each commit at once', () =>
    withDir(async (dir) => {
      const server = SqliteStore.open(dir);
      const cli = SqliteStore.open(dir);
      try {
        await cli.createAccount({ email: 'alice@example.com', displayName: 'Alice', passwordHash: 'h' });
        assert.ok(await server.accountByEmail('alice@example.com'));
        await cli.setPasswordHash('alice@example.com', 'h2');
        assert.equal((await server.accountByEmail('alice@example.com'))?.passwordHash, 'h2');
      } finally {
        await cli.close();
        await server.close();
      }
    }));

  it('closes idempotently', () =>
    withDir(async (dir) => {
      const store = SqliteStore.open(dir);
      await store.close();
      await store.close();
    }));
});
