import type { Database } from 'better-sqlite3';
import { DELEGATES_SCHEMA } from './delegates.js';
import { OUTBOUND_SCHEMA } from './outbound.js';
import { SYNC_SCHEMA } from './sync.js';

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
    version: 2,
    name: 'message items',
    up: (db) =>
      db.exec(`
        -- Per-folder IMAP UIDs (PR_INTERNET_ARTICLE_NUMBER): handed out by the folder, never reused.
        ALTER TABLE folders ADD COLUMN next_uid INTEGER NOT NULL DEFAULT 1;

        -- AUTOINCREMENT: an id is never reused, so an old ItemId can never name a newer item.
        CREATE TABLE items (
          id              INTEGER PRIMARY KEY AUTOINCREMENT,
          mailbox_id      INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
          folder_id       INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
          uid             INTEGER NOT NULL,
          modseq          INTEGER NOT NULL,           -- mailbox modseq of the last write (ChangeKey, sync paging)
          item_class      TEXT NOT NULL,
          subject         TEXT,
          from_address    TEXT,
          is_read         INTEGER NOT NULL,
          is_draft        INTEGER NOT NULL,
          importance      TEXT,
          has_attachments INTEGER NOT NULL,
          size            INTEGER NOT NULL,
          message_id      TEXT,
          received_at     INTEGER NOT NULL,
          sent_at         INTEGER,
          created_at      INTEGER NOT NULL,
          modified_at     INTEGER NOT NULL,
          props           TEXT NOT NULL,              -- JSON: every other property (see item-rows.ts)
          deleted_from    INTEGER                     -- soft-deleted items: the folder they were deleted from
        );
        CREATE UNIQUE INDEX items_by_uid ON items(folder_id, uid);
        CREATE INDEX items_by_modseq ON items(folder_id, modseq);
        CREATE INDEX items_by_received ON items(folder_id, received_at, id);
        CREATE INDEX items_by_subject ON items(folder_id, subject COLLATE NOCASE);
        CREATE INDEX items_by_mailbox ON items(mailbox_id);
        CREATE INDEX items_by_deleted_from ON items(deleted_from) WHERE deleted_from IS NOT NULL;

        -- The MIME an item was created from, returned byte for byte (kept apart so listings never read it).
        CREATE TABLE item_mime (
          item_id INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
          bytes   BLOB NOT NULL
        );

        -- Extended (MAPI) properties exactly as a client gave them, one row per property identity.
        CREATE TABLE item_props (
          item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
          key     TEXT NOT NULL,                      -- extendedFieldKey(): tag:N, name:SET:NAME, id:SET:N
          name    TEXT NOT NULL,                      -- JSON of the ExtendedFieldURI attributes
          value   TEXT,
          vals    TEXT,                               -- JSON array for ...Array types
          PRIMARY KEY (item_id, key)
        );
        CREATE INDEX item_props_by_key ON item_props(key, value);

        CREATE TABLE attachments (
          id               INTEGER PRIMARY KEY AUTOINCREMENT,
          item_id          INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
          position         INTEGER NOT NULL,
          kind             TEXT NOT NULL,             -- 'file' | 'item'
          name             TEXT NOT NULL,
          content_type     TEXT,
          content_id       TEXT,
          content_location TEXT,
          is_inline        INTEGER NOT NULL,
          size             INTEGER NOT NULL,
          content          BLOB,                      -- file attachments
          attached_item    TEXT,                      -- JSON of the message an item attachment holds
          modified_at      INTEGER NOT NULL
        );
        CREATE INDEX attachments_by_item ON attachments(item_id, position);

        -- What left a folder (deleted or moved out), for SyncFolderItems to report as Delete.
        CREATE TABLE tombstones (
          mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
          folder_id  INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
          item_id    INTEGER NOT NULL,
          modseq     INTEGER NOT NULL,
          deleted_at INTEGER NOT NULL
        );
        CREATE INDEX tombstones_by_folder ON tombstones(folder_id, modseq);
      `),
  },
  {
    // Numbered 10 on the delivery branch; renumbered when merged after the other branches' steps.
    version: 10,
    name: 'outbound mail queue',
    up: (db) => db.exec(OUTBOUND_SCHEMA),
  },
  {
    version: 11,
    name: 'import log (resumable ewsd import)',
    up: (db) =>
      db.exec(`
        -- Which source item (import_key: digest + occurrence, see src/cli/import.ts) became which item.
        CREATE TABLE import_log (
          mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
          folder_id  INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
          import_key TEXT NOT NULL,
          item_id    INTEGER NOT NULL,
          PRIMARY KEY (mailbox_id, folder_id, import_key)
        ) WITHOUT ROWID;
      `),
  },
  {
    // From the sending branch (11 went to the import log).
    version: 12,
    name: 'delegates',
    up: (db) => db.exec(DELEGATES_SCHEMA),
  },
  {
    version: 13,
    name: 'sync bookkeeping',
    up: (db) => db.exec(SYNC_SCHEMA),
  },
  {
    version: 14,
    name: 'item bodies apart from the items row',
    // The body was a member of items.props. Kept there, every listing read it and every flag
    // change rewrote it (SQLite rewrites a whole row on UPDATE).
    up: (db) =>
      db.exec(`
        CREATE TABLE item_bodies (
          item_id INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
          type    TEXT NOT NULL,                      -- 'HTML' | 'Text'
          content TEXT NOT NULL
        );
        INSERT INTO item_bodies (item_id, type, content)
          SELECT id, json_extract(props, '$.p.body.type'), json_extract(props, '$.p.body.content') FROM items
          WHERE json_type(props, '$.p.body') = 'object';
        UPDATE items SET props = json_remove(props, '$.p.body') WHERE json_type(props, '$.p.body') IS NOT NULL;
      `),
  },
  {
    version: 15,
    name: 'read-flag versions',
    // Replaced by items.read_version in step 19.
    up: (db) =>
      db.exec(`
        CREATE TABLE item_read_versions (
          item_id INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
          version INTEGER NOT NULL
        );
      `),
  },
  {
    version: 16,
    name: 'attachment content kept inside the item MIME',
    up: (db) =>
      db.exec(`
        -- A file attachment of an item kept as MIME may have no copy of its bytes (content NULL):
        -- they are the base64 decoding of item_mime.bytes[mime_start, mime_end). Before the MIME
        -- row goes, the content is written into the attachment row (see items.ts).
        ALTER TABLE attachments ADD COLUMN mime_start INTEGER;
        ALTER TABLE attachments ADD COLUMN mime_end INTEGER;
      `),
  },
  {
    version: 17,
    name: 'Internet message headers apart from the items row',
    // A received message's headers (Received chains, DKIM signatures...) are often most of its
    // props JSON; kept there, every listing parsed them and every flag change rewrote them.
    up: (db) =>
      db.exec(`
        CREATE TABLE item_headers (
          item_id INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
          headers TEXT NOT NULL                       -- JSON: [{ name, value }] in message order
        );
        INSERT INTO item_headers (item_id, headers)
          SELECT id, json_extract(props, '$.p.internetMessageHeaders') FROM items
          WHERE json_array_length(props, '$.p.internetMessageHeaders') > 0;
        UPDATE items SET props = json_remove(props, '$.p.internetMessageHeaders') WHERE json_type(props, '$.p.internetMessageHeaders') IS NOT NULL;
      `),
  },
  {
    version: 18,
    name: 'whether an item is kept as MIME, in its row',
    // Asked of every item a listing or a flag change reads. Answered from item_mime, it read one
    // leaf page of that table (mostly the blob's first bytes) per item: with a mailbox larger
    // than the page cache, a disk or OS-cache read per listed item.
    up: (db) =>
      db.exec(`
        ALTER TABLE items ADD COLUMN has_mime INTEGER NOT NULL DEFAULT 0;  -- 1 when item_mime holds a row for the item
        UPDATE items SET has_mime = 1 WHERE id IN (SELECT item_id FROM item_mime);
      `),
  },
  {
    version: 19,
    name: 'the read flag version in the items row',
    // Kept in item_read_versions, a flag change was two statements per item (the items row and
    // that table's row) and every item read looked the version up with a subquery.
    up: (db) =>
      db.exec(`
        ALTER TABLE items ADD COLUMN read_version INTEGER;  -- the read flag's version while the props JSON's is stale (read-flags.ts)
        UPDATE items SET read_version = (SELECT r.version FROM item_read_versions r WHERE r.item_id = items.id)
          WHERE id IN (SELECT item_id FROM item_read_versions);
        DROP TABLE item_read_versions;
      `),
  },
  {
    version: 20,
    name: 'the props JSON apart from the items row',
    // The JSON was most of an items row (~500 of ~650 bytes), so a page held about six rows and a
    // batch of 100 read-flag changes dirtied ~17 pages of them; without it a page holds ~25. Fewer
    // pages per commit, and checkpoints copy a fraction of what they did.
    up: (db) =>
      db.exec(`
        CREATE TABLE item_json (
          item_id INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
          props   TEXT NOT NULL                       -- JSON: every other property (see item-rows.ts)
        );
        INSERT INTO item_json (item_id, props) SELECT id, props FROM items;
        ALTER TABLE items DROP COLUMN props;
      `),
  },
  {
    version: 21,
    name: 'MIME in segment files',
    // Written into the database, each 4 KB page of a MIME blob cost two system calls and a
    // checksum in the log, and the checkpoint copied it again: half of a CreateItem's store time.
    // Appended to a segment file (mime-segments.ts) it is one write per item and one fdatasync
    // per commit. MIME stored before this step stays in item_mime.bytes; rows written since hold
    // an empty blob there (the column stays NOT NULL, so no table rebuild copies every message).
    up: (db) =>
      db.exec(`
        CREATE TABLE mime_segments (
          id          INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: the file is named after it
          writer      TEXT,                               -- pid:token of the process appending to it; NULL once sealed
          sealed_size INTEGER,                            -- the file's size when sealed; no writer appends after
          live_count  INTEGER NOT NULL DEFAULT 0,         -- item_mime rows in it (triggers below)
          live_bytes  INTEGER NOT NULL DEFAULT 0,         -- the bytes they refer to
          dropped_at  INTEGER                             -- emptied by reclaimSpace; the file is removed a grace period later
        );
        ALTER TABLE item_mime ADD COLUMN segment_id  INTEGER REFERENCES mime_segments(id);
        ALTER TABLE item_mime ADD COLUMN byte_offset INTEGER;
        ALTER TABLE item_mime ADD COLUMN byte_length INTEGER;
        CREATE INDEX item_mime_by_segment ON item_mime(segment_id, byte_offset) WHERE segment_id IS NOT NULL;

        CREATE TRIGGER item_mime_segment_added AFTER INSERT ON item_mime WHEN NEW.segment_id IS NOT NULL BEGIN
          UPDATE mime_segments SET live_count = live_count + 1, live_bytes = live_bytes + NEW.byte_length WHERE id = NEW.segment_id;
        END;
        CREATE TRIGGER item_mime_segment_removed AFTER DELETE ON item_mime WHEN OLD.segment_id IS NOT NULL BEGIN
          UPDATE mime_segments SET live_count = live_count - 1, live_bytes = live_bytes - OLD.byte_length WHERE id = OLD.segment_id;
        END;
        CREATE TRIGGER item_mime_segment_moved AFTER UPDATE OF segment_id ON item_mime WHEN OLD.segment_id IS NOT NEW.segment_id BEGIN
          UPDATE mime_segments SET live_count = live_count - 1, live_bytes = live_bytes - OLD.byte_length WHERE id = OLD.segment_id;
          UPDATE mime_segments SET live_count = live_count + 1, live_bytes = live_bytes + NEW.byte_length WHERE id = NEW.segment_id;
        END;
      `),
  },
  {
    version: 22,
    name: 'bodies kept inside the item MIME',
    // A body decoded from one range of its item's MIME was also written as text: most of a
    // CreateItem's log pages (3.4 of 4.7 MB per 1 000 corpus messages), written again by the
    // checkpoint. Such a body is now the decoding of item_mime's bytes [mime_start, mime_end)
    // (bodyFromMime in parse-mime.ts), with content ''; before the MIME row goes, the text is
    // written into the row (see items.ts), as for attachments (step 16).
    up: (db) =>
      db.exec(`
        ALTER TABLE item_bodies ADD COLUMN mime_start INTEGER;
        ALTER TABLE item_bodies ADD COLUMN mime_end INTEGER;
        ALTER TABLE item_bodies ADD COLUMN quoted_printable INTEGER;  -- 1: the range is quoted-printable, else 7bit / 8bit
        ALTER TABLE item_bodies ADD COLUMN charset TEXT;              -- the range's charset (NULL: UTF-8)
      `),
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
