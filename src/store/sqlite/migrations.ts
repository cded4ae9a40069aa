import type { Database } from 'better-sqlite3';
import { OUTBOUND_SCHEMA } from './outbound.js';

/** A schema step. Versions only ever grow; a released step is never edited, only followed. */
interface Migration {
  version: number;
  name: string;
  up: (db: Database) => void;
}

const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'accounts and folders',
    up: (db) =>
      db.exec(`
        CREATE TABLE mailboxes (
          id            INTEGER PRIMARY KEY,
          guid          TEXT NOT NULL UNIQUE,
          email         TEXT NOT NULL UNIQUE COLLATE NOCASE,
          display_name  TEXT NOT NULL,
          password_hash TEXT NOT NULL,
          modseq        INTEGER NOT NULL DEFAULT 0,   -- last modification sequence handed out
          created_at    INTEGER NOT NULL
        );
        CREATE TABLE folders (
          id            INTEGER PRIMARY KEY,
          mailbox_id    INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
          parent_id     INTEGER REFERENCES folders(id) ON DELETE CASCADE,
          distinguished TEXT,
          display_name  TEXT NOT NULL,
          folder_class  TEXT,
          is_search     INTEGER NOT NULL DEFAULT 0,
          hidden        INTEGER NOT NULL DEFAULT 0,
          modseq        INTEGER NOT NULL,
          total_count   INTEGER NOT NULL DEFAULT 0,   -- kept by item writes, so counts never scan
          unread_count  INTEGER NOT NULL DEFAULT 0,
          created_at    INTEGER NOT NULL,
          modified_at   INTEGER NOT NULL
        );
        CREATE UNIQUE INDEX folders_by_distinguished ON folders(mailbox_id, distinguished) WHERE distinguished IS NOT NULL;
        CREATE UNIQUE INDEX folders_by_name ON folders(parent_id, display_name COLLATE NOCASE);
      `),
  },
  {
    // Numbered 10 on the delivery branch; renumbered when merged after the other branches' steps.
    version: 10,
    name: 'outbound mail queue',
    up: (db) => db.exec(OUTBOUND_SCHEMA),
  },
];

export const SCHEMA_VERSION = MIGRATIONS.at(-1)!.version;

/** Brings the database to the newest schema, one transaction per step. */
export function migrate(db: Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  const applied = db.prepare('SELECT version FROM schema_migrations WHERE version = ?');
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const m of MIGRATIONS) {
    // IMMEDIATE: a second process starting at the same moment waits instead of racing.
    const step = db.transaction(() => {
      if (applied.get(m.version)) return;
      m.up(db);
      record.run(m.version, m.name, Date.now());
    });
    step.immediate();
  }
  const newest = db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number };
  if (newest.v > SCHEMA_VERSION) {
    throw new Error(`the data directory was written by a newer ewsd (schema ${newest.v}, this one knows ${SCHEMA_VERSION})`);
  }
}
