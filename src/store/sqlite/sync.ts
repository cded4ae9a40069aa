import { randomBytes } from 'node:crypto';
import type { Folder } from '../../domain/folder.js';
import type { Item } from '../../domain/item.js';
import type { FolderChangeSet, ItemChange, ItemChangePage, ItemSyncCursor } from '../../domain/sync.js';
import { StoreError } from '../store.js';
import type { SqlAccess } from './items.js';
import { FOLDER_COLUMNS, toFolder, type FolderRow } from './rows.js';

/**
 * Schema step 12: what exact, paged change sync needs (docs/sync.md).
 * - items.entered_modseq: when the item entered its current folder (create, copy in, move in);
 *   items.content_modseq: its last change other than the read flag (Update vs ReadFlagChange).
 * - tombstones.entered_modseq: lets a page skip items the client never received.
 * - folders.created_modseq / hier_modseq: creation and last change of the folder's own properties
 *   (name, class, hidden, parent); item writes bump `modseq` (the ctag) but not these, since
 *   SyncFolderHierarchy does not report count changes.
 * - folder_tombstones: every folder move (with its old parent) and deletion, so the hierarchy as it
 *   stood at a state's modseq can be rebuilt.
 * - mailboxes.tombstone_horizon: the newest modseq purged; older states are refused.
 * - server_secrets: the per-data-directory key that signs sync states (shared by every process).
 */
export const SYNC_SCHEMA = `
  ALTER TABLE items ADD COLUMN entered_modseq INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE items ADD COLUMN content_modseq INTEGER NOT NULL DEFAULT 0;
  UPDATE items SET entered_modseq = modseq, content_modseq = modseq;
  CREATE INDEX items_by_entered ON items(folder_id, entered_modseq);

  -- Existing tombstones: entered = modseq makes them invisible to every state (none existed before).
  ALTER TABLE tombstones ADD COLUMN entered_modseq INTEGER NOT NULL DEFAULT 0;
  UPDATE tombstones SET entered_modseq = modseq;
  CREATE INDEX tombstones_by_age ON tombstones(deleted_at);

  ALTER TABLE folders ADD COLUMN created_modseq INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE folders ADD COLUMN hier_modseq INTEGER NOT NULL DEFAULT 0;
  UPDATE folders SET created_modseq = modseq, hier_modseq = modseq;

  CREATE TABLE folder_tombstones (
    mailbox_id     INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
    folder_id      INTEGER NOT NULL,
    parent_id      INTEGER,                  -- the parent before this change
    created_modseq INTEGER NOT NULL,
    modseq         INTEGER NOT NULL,
    kind           TEXT NOT NULL,            -- 'move' | 'delete'
    at             INTEGER NOT NULL
  );
  CREATE INDEX folder_tombstones_by_mailbox ON folder_tombstones(mailbox_id, modseq);
  CREATE INDEX folder_tombstones_by_age ON folder_tombstones(at);
  CREATE INDEX folder_tombstones_by_folder ON folder_tombstones(folder_id);

  ALTER TABLE mailboxes ADD COLUMN tombstone_horizon INTEGER NOT NULL DEFAULT 0;

  CREATE TABLE server_secrets (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
  );
`;

interface ChangeRow {
  id: number;
  entered: number;
  modseq: number;
  content: number;
  is_read: number;
  /** 1 for a tombstone. */
  gone: number;
}

interface FolderHistoryRow {
  folder_id: number;
  parent_id: number | null;
  created_modseq: number;
  modseq: number;
  kind: 'move' | 'delete';
}

/** How many rows one page may read for `max` changes (the rest are items the client does not know yet). */
const scanLimit = (max: number): number => 4 * max + 16;

/** Change queries. Every page is one read transaction: one consistent snapshot. */
export class SyncTables {
  constructor(
    private readonly s: SqlAccess,
    /** The listing form of items (no bodies: SyncFolderItems returns none), by id. */
    private readonly items: (mailboxId: number, itemIds: readonly number[]) => Map<number, Item>,
  ) {}

  itemChanges(mailboxId: number, folderId: number, from: ItemSyncCursor, max: number): ItemChangePage {
    const read = this.s.db.transaction((): ItemChangePage => {
      const mailbox = this.s.sql('SELECT modseq, tombstone_horizon FROM mailboxes WHERE id = ?').get(mailboxId) as { modseq: number; tombstone_horizon: number } | undefined;
      if (!mailbox || !this.s.sql('SELECT 1 FROM folders WHERE id = ? AND mailbox_id = ?').get(folderId, mailboxId)) {
        throw new StoreError('not-found', 'folder not found');
      }
      const now = mailbox.modseq;
      if (from.base > from.through || from.known > from.through || from.through > now) throw new StoreError('invalid', 'sync state from the future');
      // Deletions older than the horizon were purged: this state could miss some.
      if (from.known > 0 && from.through < mailbox.tombstone_horizon) throw new StoreError('expired', 'sync state older than the tombstone retention');
      const changes: ItemChange[] = [];
      let through = from.through;
      let caughtUp = true;
      // Phase 1: what happened to known items after T, in modseq order. Nothing is known before the first create page.
      if (from.known > 0 && from.through < now) {
        const limit = scanLimit(max);
        const items = this.s
          .sql(
            `SELECT id, entered_modseq AS entered, modseq, content_modseq AS content, is_read, 0 AS gone FROM items
             WHERE folder_id = ? AND modseq > ? ORDER BY modseq LIMIT ?`,
          )
          .all(folderId, from.through, limit) as ChangeRow[];
        const gone = this.s
          .sql(
            `SELECT item_id AS id, entered_modseq AS entered, modseq, modseq AS content, 0 AS is_read, 1 AS gone FROM tombstones
             WHERE folder_id = ? AND modseq > ? ORDER BY modseq LIMIT ?`,
          )
          .all(folderId, from.through, limit) as ChangeRow[];
        // Both lists are complete up to the smaller last key of a truncated list.
        let bound = now;
        if (items.length === limit) bound = Math.min(bound, items.at(-1)!.modseq);
        if (gone.length === limit) bound = Math.min(bound, gone.at(-1)!.modseq);
        const rows = [...items, ...gone].filter((r) => r.modseq <= bound).sort((a, b) => a.modseq - b.modseq);
        through = bound;
        const picked: ChangeRow[] = [];
        for (const r of rows) {
          if (r.entered > from.known) continue; // not sent yet: a create page will carry it (or it is gone)
          if (picked.length === max) {
            through = r.modseq - 1;
            break;
          }
          picked.push(r);
        }
        // The client holds a version at least as new as at B: content from B or before is known.
        const updated = (r: ChangeRow) => !r.gone && r.content > from.base;
        const current = this.items(mailboxId, picked.filter(updated).map((r) => r.id));
        for (const r of picked) changes.push(this.#change(r, updated(r) ? current.get(r.id) : undefined));
        caughtUp = through === now;
      }
      if (!caughtUp) return { changes, next: { known: from.known, through, base: from.base }, complete: false };
      // Phase 2: items that entered after K, in entry order, as they are now.
      const room = max - changes.length;
      const created = this.s
        .sql('SELECT id, entered_modseq AS entered FROM items WHERE folder_id = ? AND entered_modseq > ? ORDER BY entered_modseq LIMIT ?')
        .all(folderId, from.known, room + 1) as Array<{ id: number; entered: number }>;
      const sent = created.slice(0, room);
      const items = this.items(mailboxId, sent.map((r) => r.id));
      for (const r of sent) changes.push({ kind: 'create', item: items.get(r.id)! });
      const more = created.length > room;
      return { changes, next: { known: more ? (sent.at(-1)?.entered ?? from.known) : now, through: now, base: now }, complete: !more };
    });
    return read.deferred();
  }

  /** `updated`: the item as it is now when its content changed since the client's base. */
  #change(r: ChangeRow, updated: Item | undefined): ItemChange {
    if (r.gone) return { kind: 'delete', itemId: r.id };
    if (updated) return { kind: 'update', item: updated };
    return { kind: 'read-flag', itemId: r.id, modseq: r.modseq, isRead: r.is_read === 1 };
  }

  /**
   * Rebuilds which folders were below `rootId` at `since` (from the move/delete history) and
   * compares with the present. Cost: the mailbox's folders plus the history since `since`.
   */
  folderChanges(mailboxId: number, rootId: number, since: number): FolderChangeSet {
    const read = this.s.db.transaction((): FolderChangeSet => {
      const mailbox = this.s.sql('SELECT modseq, tombstone_horizon FROM mailboxes WHERE id = ?').get(mailboxId) as { modseq: number; tombstone_horizon: number };
      if (since > mailbox.modseq) throw new StoreError('invalid', 'sync state from the future');
      if (since > 0 && since < mailbox.tombstone_horizon) throw new StoreError('expired', 'sync state older than the tombstone retention');
      const folders = (this.s.sql(`SELECT ${FOLDER_COLUMNS} FROM folders f WHERE f.mailbox_id = ?`).all(mailboxId) as FolderRow[]).map(toFolder);
      const history = this.s
        .sql('SELECT folder_id, parent_id, created_modseq, modseq, kind FROM folder_tombstones WHERE mailbox_id = ? AND modseq > ? ORDER BY modseq')
        .all(mailboxId, since) as FolderHistoryRow[];
      const byId = new Map(folders.map((f) => [f.id, f]));
      const meta = new Map(
        (this.s.sql('SELECT id, created_modseq, hier_modseq FROM folders WHERE mailbox_id = ?').all(mailboxId) as Array<{ id: number; created_modseq: number; hier_modseq: number }>).map(
          (r) => [r.id, r],
        ),
      );
      // Parent at `since`: the old parent of the first change after it, else the present one.
      const firstAfter = new Map<number, FolderHistoryRow>();
      for (const h of history) if (!firstAfter.has(h.folder_id)) firstAfter.set(h.folder_id, h);
      const existedThen = (id: number): boolean => {
        const created = meta.get(id)?.created_modseq ?? firstAfter.get(id)?.created_modseq;
        return created !== undefined && created <= since && (byId.has(id) || firstAfter.has(id));
      };
      const parentThen = (id: number): number | null => {
        const h = firstAfter.get(id);
        return h ? h.parent_id : (byId.get(id)?.parentId ?? null);
      };
      const under = (id: number, parentOf: (id: number) => number | null): boolean => {
        for (let p = parentOf(id), guard = 0; p !== null && guard < 10_000; p = parentOf(p), guard++) if (p === rootId) return true;
        return false;
      };
      const knownThen = new Set<number>();
      if (since > 0) {
        for (const id of new Set([...byId.keys(), ...firstAfter.keys()])) if (existedThen(id) && under(id, parentThen)) knownThen.add(id);
      }
      const depth = new Map<number, number>();
      const depthOf = (id: number): number => {
        let d = depth.get(id);
        if (d === undefined) {
          const p = byId.get(id)?.parentId ?? null;
          d = p === null ? 0 : depthOf(p) + 1;
          depth.set(id, d);
        }
        return d;
      };
      const present = folders.filter((f) => under(f.id, (id) => byId.get(id)?.parentId ?? null));
      const presentIds = new Set(present.map((f) => f.id));
      const creates = present.filter((f) => !knownThen.has(f.id)).sort((a, b) => depthOf(a.id) - depthOf(b.id) || a.id - b.id);
      const updates = present
        .filter((f) => knownThen.has(f.id) && meta.get(f.id)!.hier_modseq > since)
        .sort((a, b) => meta.get(a.id)!.hier_modseq - meta.get(b.id)!.hier_modseq);
      const deletes = [...knownThen].filter((id) => !presentIds.has(id)).sort((a, b) => a - b);
      return { now: mailbox.modseq, creates, updates, deletes };
    });
    return read.deferred();
  }

  /** Records a folder leaving its place (moved or deleted), inside the caller's transaction. */
  recordFolderChange(mailboxId: number, folder: Pick<Folder, 'id' | 'parentId'>, kind: 'move' | 'delete', modseq: number): void {
    this.s
      .sql(
        `INSERT INTO folder_tombstones (mailbox_id, folder_id, parent_id, created_modseq, modseq, kind, at)
         SELECT ?, id, ?, created_modseq, ?, ?, ? FROM folders WHERE id = ?`,
      )
      .run(mailboxId, folder.parentId, modseq, kind, Date.now(), folder.id);
  }

  /** The named secret, created (random, 32 bytes) the first time any process asks. */
  serverSecret(name: string): Buffer {
    this.s.sql('INSERT OR IGNORE INTO server_secrets (name, value) VALUES (?, ?)').run(name, randomBytes(32));
    return (this.s.sql('SELECT value FROM server_secrets WHERE name = ?').get(name) as { value: Buffer }).value;
  }

  /** Drops item and folder tombstones older than `before`; each mailbox's horizon moves to the newest modseq dropped. */
  purgeTombstones(before: number): number {
    const run = this.s.db.transaction(() => {
      const horizons = this.s
        .sql(
          `SELECT mailbox_id, max(modseq) AS m FROM (
             SELECT mailbox_id, modseq FROM tombstones WHERE deleted_at < ?
             UNION ALL SELECT mailbox_id, modseq FROM folder_tombstones WHERE at < ?)
           GROUP BY mailbox_id`,
        )
        .all(before, before) as Array<{ mailbox_id: number; m: number }>;
      for (const h of horizons) this.s.sql('UPDATE mailboxes SET tombstone_horizon = max(tombstone_horizon, ?) WHERE id = ?').run(h.m, h.mailbox_id);
      const n = this.s.sql('DELETE FROM tombstones WHERE deleted_at < ?').run(before).changes;
      return n + this.s.sql('DELETE FROM folder_tombstones WHERE at < ?').run(before).changes;
    });
    return run.immediate();
  }
}
