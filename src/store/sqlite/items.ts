import type { Database, Statement } from 'better-sqlite3';
import { hasVisibleAttachments, type Attachment, type Item, type ItemBody, type MessageProps, type NewAttachment, type NewItem } from '../../domain/item.js';
import type { MimeBodySource } from '../../mime/mime-message.js';
import { bodyFromMime } from '../../mime/body-text.js';
import {
  StoreError,
  type AttachmentContent,
  type ItemDisposal,
  type ItemListQuery,
  type ItemSortColumn,
  type ItemUpdate,
  type ItemUpload,
  type Outcome,
  type Submission,
  type Submitted,
  type UploadResult,
} from '../store.js';
import { insertOutbound } from './outbound.js';
import { ListingCheckpoints } from './listing-checkpoints.js';
import { mimeLocation, type MimeLocation, type MimeRow, type MimeSegments } from './mime-segments.js';
import { writeReadFlag } from './read-flags.js';
import {
  attachedItemFromJson,
  attachedItemToJson,
  attachmentSize,
  BODY_IN_MIME,
  rowPropsJson,
  headersJson,
  readItemRows,
  selectItemRows,
  propsToJson,
  READ_FLAG_FIELD,
  toAttachment,
  toExtended,
  toItem,
  type AttachmentRow,
  type BodyInMime,
  type ItemRow,
  type PropRow,
} from './item-rows.js';

const SORT_SQL: Record<ItemSortColumn, string> = {
  received: 'i.received_at',
  subject: 'i.subject COLLATE NOCASE',
  size: 'i.size',
  read: 'i.is_read',
  class: 'i.item_class',
  created: 'i.created_at',
  modified: 'i.modified_at',
  sent: 'i.sent_at',
  importance: "CASE i.importance WHEN 'Low' THEN 0 WHEN 'High' THEN 2 ELSE 1 END",
  from: 'i.from_address COLLATE NOCASE',
  uid: 'i.uid',
  id: 'i.id',
};

type MovableRow = { id: number; folder_id: number; is_read: number; entered_modseq: number };

/** SyncFolderItems reports a change of IsRead alone as a ReadFlagChange: everything else is content. */
function onlyReadFlagChanged(before: MessageProps, after: MessageProps): boolean {
  return propsToJson({ ...before, isRead: false }, {}) === propsToJson({ ...after, isRead: false }, {}) && JSON.stringify(before.extended) === JSON.stringify(after.extended);
}

/** Where MimeSegments.place() put each item's MIME, by the item, before the transaction that stores the items. */
export type PlacedMime = ReadonlyMap<NewItem, MimeLocation>;
const NONE_PLACED: PlacedMime = new Map();

/** item_mime.bytes of a row whose MIME is in a segment file (the column predates them and stays NOT NULL). */
const NO_BYTES = Buffer.alloc(0);

/** The tables that hold an item's content beside its row, by `item_id`: a move takes them along, a replace empties them. */
const ITEM_CONTENT_TABLES = ['item_json', 'item_mime', 'item_bodies', 'item_headers', 'item_props', 'attachments'] as const;

/** What the item tables need from the store that owns the connection. */
export interface SqlAccess {
  readonly db: Database;
  readonly mime: MimeSegments;
  sql(text: string): Statement;
  nextModseq(mailboxId: number): number;
  /** The mailbox's next `count` modseqs, taken in one write; returns the first. */
  reserveModseqs(mailboxId: number, count: number): number;
}

/** An item's modseq and folder UID, handed out before its rows are written. */
interface ItemNumbers {
  modseq: number;
  uid: number;
}

/**
 * Item storage. Every write takes the mailbox's next modseq (ChangeKey and sync paging), keeps the
 * folder's counters in the same transaction, and bumps the folder's modseq/modified_at once per
 * batch (DavMail polls it as a ctag).
 */
export class ItemTables {
  readonly #checkpoints: ListingCheckpoints;

  constructor(private readonly s: SqlAccess) {
    this.#checkpoints = new ListingCheckpoints(s);
  }

  /**
   * A batch is first written without a savepoint per item: a savepoint makes SQLite copy every
   * page the item touches that the batch already changed (~60 KB an item), ~10% of a CreateItem
   * of 100. Nothing an item holds can be refused here, so an item fails only on a driver error
   * (too big, disk full, ...): then that attempt is rolled back whole, and the batch is written
   * again with a savepoint per item, so that the failing item leaves nothing and the others are
   * stored, as a savepoint per item always gave.
   *
   * Written whole, the batch takes its modseqs and UIDs in one write each and writes the folder's
   * counters once, where each item took three writes (~10% of the store's time for 100 items).
   * With a savepoint per item, each item takes its own numbers inside it, so one that fails
   * spends none.
   */
  createItems(mailboxId: number, folderId: number, items: readonly NewItem[], placed: PlacedMime = NONE_PLACED): Array<Outcome<Item>> {
    try {
      return this.#createItems(mailboxId, folderId, items, placed, false);
    } catch {
      return this.#createItems(mailboxId, folderId, items, placed, true);
    }
  }

  #createItems(mailboxId: number, folderId: number, items: readonly NewItem[], placed: PlacedMime, savepoints: boolean): Array<Outcome<Item>> {
    const run = this.s.db.transaction(() => {
      if (!this.#folderExists(mailboxId, folderId)) {
        return items.map((): Outcome<Item> => ({ ok: false, error: new StoreError('not-found', 'folder not found') }));
      }
      const now = Date.now();
      const batch = savepoints ? undefined : this.#reserveNumbers(mailboxId, folderId, items.length);
      // Each item comes back as built from what was written: reading 100 items back cost more than writing them.
      const created = items.map((item, i): Outcome<Item> => {
        const write = () => this.#insertDescribed(mailboxId, folderId, item, now, placed.get(item), batch ? batch(i) : this.#nextNumbers(mailboxId, folderId));
        return savepoints ? this.#attempt(write) : { ok: true, value: write() };
      });
      const stored = created.filter((c): c is { ok: true; value: Item } => c.ok);
      if (stored.length > 0) {
        this.#adjustCounts(folderId, stored.length, stored.filter((c) => !c.value.props.isRead).length);
        this.#touchFolders(mailboxId, [folderId]);
      }
      return created;
    });
    return run.immediate();
  }

  deliverItems(deliveries: ReadonlyArray<{ mailboxId: number; folderId: number; item: NewItem }>, placed: PlacedMime = NONE_PLACED): Item[] {
    const run = this.s.db.transaction(() => {
      const now = Date.now();
      const ids = deliveries.map((d) => {
        if (!this.#folderExists(d.mailboxId, d.folderId)) throw new StoreError('not-found', 'folder not found');
        return this.#insert(d.mailboxId, d.folderId, d.item, now, placed.get(d.item));
      });
      for (const d of deliveries) this.#touchFolders(d.mailboxId, [d.folderId]);
      return ids.map((id, i) => this.#item(deliveries[i]!.mailboxId, id)!);
    });
    return run.immediate();
  }

  /**
   * Sends: per entry (a savepoint), the draft leaves its folder, the copy is created, local
   * recipients get their Inbox items and remote ones their queue rows; the batch is one
   * transaction, so an acknowledged send is never half done.
   */
  submit(submissions: readonly Submission[], placed: PlacedMime = NONE_PLACED): Array<Outcome<Submitted>> {
    const run = this.s.db.transaction(() => {
      const now = Date.now();
      const touched = new Map<number, Set<number>>();
      const touch = (mailboxId: number, folderId: number) => touched.set(mailboxId, (touched.get(mailboxId) ?? new Set()).add(folderId));
      const results = submissions.map((sub) =>
        this.#attempt(() => {
          if (sub.source) {
            const row = this.#movable(sub.source.mailboxId, sub.source.itemId);
            if (!row) throw new StoreError('not-found', 'item not found');
            const modseq = (this.s.sql('SELECT modseq FROM items WHERE id = ?').get(row.id) as { modseq: number }).modseq;
            if (modseq !== sub.source.modseq) throw new StoreError('conflict', 'the item changed since it was read');
            if (sub.source.remove) {
              this.#leaveFolder(sub.source.mailboxId, row);
              this.s.sql('DELETE FROM items WHERE id = ?').run(row.id);
              touch(sub.source.mailboxId, row.folder_id);
            }
          }
          const place = (d: { mailboxId: number; folderId: number; item: NewItem }) => {
            if (!this.#folderExists(d.mailboxId, d.folderId)) throw new StoreError('not-found', 'folder not found');
            touch(d.mailboxId, d.folderId);
            return { mailboxId: d.mailboxId, id: this.#insert(d.mailboxId, d.folderId, d.item, now, placed.get(d.item)) };
          };
          const copy = sub.copy ? place(sub.copy) : undefined;
          const delivered = sub.deliveries.map(place);
          const outboundId = sub.outbound ? insertOutbound(this.s.db, sub.outbound, now) : undefined;
          return { copy, delivered, outboundId };
        }),
      );
      for (const [mailboxId, folders] of touched) this.#touchFolders(mailboxId, folders);
      return results.map((r): Outcome<Submitted> => {
        if (!r.ok) return r;
        const out: Submitted = { delivered: r.value.delivered.map((d) => this.#item(d.mailboxId, d.id)!) };
        if (r.value.copy) out.copy = this.#item(r.value.copy.mailboxId, r.value.copy.id)!;
        if (r.value.outboundId !== undefined) out.outboundId = r.value.outboundId;
        return { ok: true, value: out };
      });
    });
    return run.immediate();
  }

  /**
   * UploadItems and `ewsd import`: creates or replaces items, one transaction for the batch, each
   * entry in its own savepoint. An entry with an `importKey` already recorded for its folder (and
   * whose item still exists) is skipped: that is how an interrupted import resumes without duplicates.
   */
  uploadItems(mailboxId: number, uploads: readonly ItemUpload[], placed: PlacedMime = NONE_PLACED): Array<Outcome<UploadResult>> {
    const run = this.s.db.transaction(() => {
      const now = Date.now();
      const touched = new Set<number>();
      const done = uploads.map((u) =>
        this.#attempt((): { id: number; skipped: boolean } => {
          if (!this.#folderExists(mailboxId, u.folderId)) throw new StoreError('not-found', 'folder not found');
          if (u.importKey !== undefined) {
            const seen = this.s
              .sql('SELECT l.item_id AS id FROM import_log l JOIN items i ON i.id = l.item_id WHERE l.mailbox_id = ? AND l.folder_id = ? AND l.import_key = ?')
              .get(mailboxId, u.folderId, u.importKey) as { id: number } | undefined;
            if (seen) return { id: seen.id, skipped: true };
          }
          const id =
            u.replaceItemId !== undefined
              ? this.#replace(mailboxId, u.folderId, u.replaceItemId, u.item, now, placed.get(u.item))
              : this.#insert(mailboxId, u.folderId, u.item, now, placed.get(u.item));
          if (u.importKey !== undefined) {
            this.s.sql('INSERT OR REPLACE INTO import_log (mailbox_id, folder_id, import_key, item_id) VALUES (?, ?, ?, ?)').run(mailboxId, u.folderId, u.importKey, id);
          }
          touched.add(u.folderId);
          return { id, skipped: false };
        }),
      );
      this.#touchFolders(mailboxId, touched);
      return done.map((d): Outcome<UploadResult> => (d.ok ? { ok: true, value: { item: this.#item(mailboxId, d.value.id)!, skipped: d.value.skipped } } : d));
    });
    return run.immediate();
  }

  items(mailboxId: number, itemIds: readonly number[]): Array<Item | undefined> {
    const read = this.s.db.transaction(() => {
      const found = this.#loadItems(mailboxId, itemIds);
      return itemIds.map((id) => found.get(id));
    });
    return read.deferred();
  }

  folderItems(mailboxId: number, folderId: number, query: ItemListQuery): Item[] {
    const order = [...query.order.map((o) => `${SORT_SQL[o.column]} ${o.descending ? 'DESC' : 'ASC'}`), `i.id ${query.order[0]?.descending ? 'DESC' : 'ASC'}`];
    const read = this.s.db.transaction(() => {
      // The folder's owner is checked once; the page itself is then read from the folder's sort
      // index alone (a mailbox_id test per row would visit every skipped row, so deep pages slowed down).
      if (!this.#folderExists(mailboxId, folderId)) return [];
      const ids =
        this.#checkpoints.page(folderId, query) ??
        (
          this.s.sql(`SELECT i.id FROM items i WHERE i.${query.softDeleted ? 'deleted_from' : 'folder_id'} = ? ORDER BY ${order.join(', ')} LIMIT ? OFFSET ?`).all(folderId, query.limit ?? -1, query.offset) as Array<{
            id: number;
          }>
        ).map((r) => r.id);
      const found = this.#loadItems(mailboxId, ids, query.withBody !== false);
      return ids.map((id) => found.get(id)!);
    });
    return read.deferred();
  }

  itemMime(mailboxId: number, itemId: number): Buffer | undefined {
    const row = this.s
      .sql('SELECT m.bytes, m.segment_id, m.byte_offset, m.byte_length FROM item_mime m JOIN items i ON i.id = m.item_id WHERE m.item_id = ? AND i.mailbox_id = ?')
      .get(itemId, mailboxId) as MimeRow | undefined;
    return row && this.s.mime.bytesOf(row);
  }

  /**
   * The bytes of the item's attachments (of `only` those, when given), by attachment id. Those kept
   * inside the item's MIME are cut from one read of it (`mime`: the item's stored MIME, when the
   * caller has read it already), not from a read of the whole MIME per attachment, and only the
   * attachments asked for are decoded.
   */
  attachmentContents(mailboxId: number, itemId: number, only?: readonly number[], mime?: Buffer): Map<number, AttachmentContent> {
    const rows = this.s
      .sql(
        `SELECT a.id, a.kind, a.content, a.attached_item, a.mime_start, a.mime_end FROM attachments a JOIN items i ON i.id = a.item_id
         WHERE a.item_id = ? AND i.mailbox_id = ? ORDER BY a.position`,
      )
      .all(itemId, mailboxId) as AttachmentContentRow[];
    const wanted = only && new Set(only);
    const source = new KeptMime(this.s, itemId, mime);
    const out = new Map<number, AttachmentContent>();
    for (const r of rows) {
      if (wanted && !wanted.has(r.id)) continue;
      out.set(r.id, r.kind === 'file' ? { kind: 'file', content: r.content ?? source.decode(r) } : { kind: 'item', item: attachedItemFromJson(r.attached_item!) });
    }
    return out;
  }

  /**
   * Writes what refers into the item's MIME (attachment contents, the body) into their rows:
   * called before that MIME row is deleted (the references would dangle).
   */
  #materialiseKept(itemId: number): void {
    const rows = this.s.sql('SELECT a.id, a.mime_start, a.mime_end FROM attachments a WHERE a.item_id = ? AND a.mime_start IS NOT NULL').all(itemId) as Array<
      Pick<AttachmentContentRow, 'id' | 'mime_start' | 'mime_end'>
    >;
    const source = new KeptMime(this.s, itemId);
    const write = this.s.sql('UPDATE attachments SET content = ?, mime_start = NULL, mime_end = NULL WHERE id = ?');
    for (const r of rows) write.run(source.decode(r), r.id);
    const body = this.s.sql(`SELECT ${BODY_IN_MIME} AS body_mime FROM item_bodies b WHERE b.item_id = ? AND b.mime_start IS NOT NULL`).get(itemId) as { body_mime: string } | undefined;
    if (body) this.s.sql('UPDATE item_bodies SET content = ?, mime_start = NULL, mime_end = NULL, quoted_printable = NULL, charset = NULL WHERE item_id = ?').run(source.body(body.body_mime) ?? '', itemId);
  }

  updateItems(mailboxId: number, updates: readonly ItemUpdate[]): Array<Outcome<Item>> {
    const run = this.s.db.transaction(() => {
      const touched = new Set<number>();
      // Read the batch at once; an item changed twice in one batch is read again for its second change.
      const preloaded = this.#loadItems(mailboxId, updates.map((u) => u.itemId));
      const seen = new Set<number>();
      // Items whose only change was the read flag: their new state is known without reading them back.
      const written = new Map<number, Item>();
      const results = updates.map((u) =>
        this.#attempt(() => {
          const current = seen.has(u.itemId) ? this.#item(mailboxId, u.itemId) : preloaded.get(u.itemId);
          seen.add(u.itemId);
          if (!current) throw new StoreError('not-found', 'item not found');
          const patch = u.change(current);
          const modseq = this.s.nextModseq(mailboxId);
          const versions = { ...current.fieldVersions };
          for (const f of patch.changedFields) versions[f] = modseq;
          if (patch.dropMime && current.hasMime) {
            this.#materialiseKept(current.id);
            this.#dropMime(current.id);
            current.hasMime = false;
            current.size = Buffer.byteLength(propsToJson(current.props, current.fieldVersions)) + current.attachments.reduce((n, a) => n + a.size, 0);
          }
          if (patch.changedFields.length > 0 && patch.changedFields.every((f) => f === READ_FLAG_FIELD) && current.hasMime && sameExtended(patch.props, current.props)) {
            const modifiedAt = this.#writeReadFlag(current, patch.props.isRead, modseq);
            written.set(current.id, {
              ...current,
              modseq,
              modifiedAt,
              props: { ...current.props, isRead: patch.props.isRead },
              fieldVersions: { ...current.fieldVersions, [READ_FLAG_FIELD]: modseq },
            });
          } else {
            this.#writeProps(current, patch.props, versions, modseq);
            written.delete(current.id);
          }
          touched.add(current.folderId);
          return current.id;
        }),
      );
      this.#touchFolders(mailboxId, touched);
      const found = this.#loadItems(mailboxId, results.flatMap((o) => (o.ok && !written.has(o.value) ? [o.value] : [])));
      return results.map((o): Outcome<Item> => (o.ok ? { ok: true, value: written.get(o.value) ?? found.get(o.value)! } : o));
    });
    return run.immediate();
  }

  deleteItems(mailboxId: number, itemIds: readonly number[], disposal: ItemDisposal): Array<Outcome<boolean>> {
    if (disposal === 'hard') return this.#hardDelete(mailboxId, itemIds);
    const run = this.s.db.transaction(() => {
      const touched = new Set<number>();
      const deletions = this.#folderId(mailboxId, 'recoverableitemsdeletions');
      const deletedItems = this.#folderId(mailboxId, 'deleteditems');
      const results = itemIds.map((id) =>
        this.#attempt(() => {
          const row = this.#movable(mailboxId, id);
          if (!row) return false;
          touched.add(row.folder_id);
          let target: number | undefined;
          if (disposal === 'soft') target = deletions;
          else if (disposal === 'deleted-items') target = row.folder_id === deletedItems ? deletions : deletedItems;
          if (target === row.folder_id) return true; // soft-deleting what already sits in Deletions
          if (target === undefined) {
            this.#leaveFolder(mailboxId, row);
            this.s.sql('DELETE FROM items WHERE id = ?').run(row.id);
          } else {
            this.#moveRow(mailboxId, row, target, target === deletions ? row.folder_id : null);
            touched.add(target);
          }
          return true;
        }),
      );
      this.#touchFolders(mailboxId, touched);
      return results;
    });
    return run.immediate();
  }

  /**
   * Hard deletes, one transaction for the whole batch: the rows are read at once, each deleted
   * item gets its tombstone (its own modseq from one block, in request order), the folders'
   * counters move once per folder, and one DELETE takes the rows (their MIME, body, attachments
   * and other rows go with them: ON DELETE CASCADE). One item at a time, each took a savepoint,
   * a read, a counter update, a modseq update and a tombstone: 100 took ~9.5 ms, now ~5 ms. An id that names nothing in
   * this mailbox, or an item named a second time, answers false, as it would one at a time.
   */
  #hardDelete(mailboxId: number, itemIds: readonly number[]): Array<Outcome<boolean>> {
    const run = this.s.db.transaction(() => {
      const rows = new Map(
        (
          this.s
            .sql('SELECT id, folder_id, is_read, entered_modseq FROM items WHERE id IN (SELECT value FROM json_each(?)) AND +mailbox_id = ?')
            .all(JSON.stringify([...new Set(itemIds)]), mailboxId) as MovableRow[]
        ).map((r) => [r.id, r]),
      );
      const gone: MovableRow[] = [];
      const results = itemIds.map((id): Outcome<boolean> => {
        const row = rows.get(id);
        if (!row) return { ok: true, value: false };
        rows.delete(id);
        gone.push(row);
        return { ok: true, value: true };
      });
      if (gone.length === 0) return results;
      const last = (this.s.sql('UPDATE mailboxes SET modseq = modseq + ? WHERE id = ? RETURNING modseq').get(gone.length, mailboxId) as { modseq: number }).modseq;
      const now = Date.now();
      const tombstone = this.s.sql('INSERT INTO tombstones (mailbox_id, folder_id, item_id, entered_modseq, modseq, deleted_at) VALUES (?, ?, ?, ?, ?, ?)');
      gone.forEach((r, i) => tombstone.run(mailboxId, r.folder_id, r.id, r.entered_modseq, last - gone.length + 1 + i, now));
      const counts = new Map<number, { total: number; unread: number }>();
      for (const r of gone) {
        const c = counts.get(r.folder_id) ?? { total: 0, unread: 0 };
        c.total -= 1;
        if (!r.is_read) c.unread -= 1;
        counts.set(r.folder_id, c);
      }
      for (const [folderId, c] of counts) this.#adjustCounts(folderId, c.total, c.unread);
      this.s.sql('DELETE FROM items WHERE id IN (SELECT value FROM json_each(?))').run(JSON.stringify(gone.map((r) => r.id)));
      this.#touchFolders(mailboxId, counts.keys());
      return results;
    });
    return run.immediate();
  }

  moveItems(mailboxId: number, itemIds: readonly number[], targetFolderId: number): Array<Outcome<Item>> {
    return this.#relocate(mailboxId, itemIds, targetFolderId, (row) => this.#moveRow(mailboxId, row, targetFolderId));
  }

  copyItems(mailboxId: number, itemIds: readonly number[], targetFolderId: number): Array<Outcome<Item>> {
    return this.#relocate(mailboxId, itemIds, targetFolderId, (row) => this.#copyRow(mailboxId, row, targetFolderId));
  }

  #relocate(mailboxId: number, itemIds: readonly number[], targetFolderId: number, act: (row: MovableRow) => number): Array<Outcome<Item>> {
    const run = this.s.db.transaction(() => {
      if (!this.#folderExists(mailboxId, targetFolderId)) {
        return itemIds.map((): Outcome<Item> => ({ ok: false, error: new StoreError('not-found', 'destination folder not found') }));
      }
      const touched = new Set<number>([targetFolderId]);
      const results = itemIds.map((id) =>
        this.#attempt(() => {
          const row = this.#movable(mailboxId, id);
          if (!row) throw new StoreError('not-found', 'item not found');
          touched.add(row.folder_id);
          return act(row);
        }),
      );
      this.#touchFolders(mailboxId, touched);
      return results.map((r): Outcome<Item> => (r.ok ? { ok: true, value: this.#item(mailboxId, r.value)! } : r));
    });
    return run.immediate();
  }

  /** Copies every item of a folder into another (CopyFolder), inside the caller's transaction. */
  copyFolderContents(mailboxId: number, fromFolderId: number, toFolderId: number): void {
    const rows = this.s.sql('SELECT id, folder_id, is_read, entered_modseq FROM items WHERE folder_id = ? AND mailbox_id = ? ORDER BY uid').all(fromFolderId, mailboxId) as MovableRow[];
    for (const row of rows) this.#copyRow(mailboxId, row, toFolderId);
  }

  markAllItemsRead(mailboxId: number, folderIds: readonly number[], isRead: boolean): Array<Outcome<number>> {
    const run = this.s.db.transaction(() =>
      folderIds.map((folderId) =>
        this.#attempt(() => {
          if (!this.#folderExists(mailboxId, folderId)) throw new StoreError('not-found', 'folder not found');
          const ids = this.s.sql('SELECT id FROM items WHERE folder_id = ? AND mailbox_id = ? AND is_read = ?').all(folderId, mailboxId, isRead ? 0 : 1) as Array<{ id: number }>;
          const now = Date.now();
          for (const { id } of ids) {
            // Each changed item gets its own modseq: sync reports it as a read-flag change.
            writeReadFlag(this.s, id, isRead, this.s.nextModseq(mailboxId), now);
          }
          if (ids.length) {
            this.s.sql('UPDATE folders SET unread_count = CASE WHEN ? THEN 0 ELSE total_count END WHERE id = ?').run(isRead ? 1 : 0, folderId);
            this.#touchFolders(mailboxId, [folderId]);
          }
          return ids.length;
        }),
      ),
    );
    return run.immediate();
  }

  emptyFolder(mailboxId: number, folderId: number, disposal: ItemDisposal, deleteSubFolders: boolean): void {
    const run = this.s.db.transaction(() => {
      if (!this.#folderExists(mailboxId, folderId)) throw new StoreError('not-found', 'folder not found');
      const ids = (this.s.sql('SELECT id FROM items WHERE folder_id = ? AND mailbox_id = ?').all(folderId, mailboxId) as Array<{ id: number }>).map((r) => r.id);
      const failed = this.deleteItems(mailboxId, ids, disposal).find((r) => !r.ok);
      if (failed && !failed.ok) throw failed.error;
      // Distinguished folders are part of the mailbox's shape and stay, even below an emptied folder.
      if (deleteSubFolders) {
        // Folder tombstones first, for SyncFolderHierarchy.
        this.s
          .sql(
            `WITH RECURSIVE sub(id) AS (
               SELECT id FROM folders WHERE parent_id = ? AND mailbox_id = ? AND distinguished IS NULL
               UNION ALL SELECT f.id FROM folders f JOIN sub ON f.parent_id = sub.id)
             INSERT INTO folder_tombstones (mailbox_id, folder_id, parent_id, created_modseq, modseq, kind, at)
             SELECT mailbox_id, id, parent_id, created_modseq, ?, 'delete', ? FROM folders WHERE id IN (SELECT id FROM sub)`,
          )
          .run(folderId, mailboxId, this.s.nextModseq(mailboxId), Date.now());
      }
      if (deleteSubFolders && this.s.sql('DELETE FROM folders WHERE parent_id = ? AND mailbox_id = ? AND distinguished IS NULL').run(folderId, mailboxId).changes) {
        this.#touchFolders(mailboxId, [folderId]);
      }
    });
    run.immediate();
  }

  addAttachments(mailboxId: number, itemId: number, attachments: readonly NewAttachment[]): { item: Item; added: Attachment[] } {
    const run = this.s.db.transaction(() => {
      const current = this.#item(mailboxId, itemId);
      if (!current) throw new StoreError('not-found', 'item not found');
      const now = Date.now();
      const first = current.attachments.length;
      attachments.forEach((a, i) => this.#insertAttachment(itemId, first + i, a, now));
      this.#afterAttachmentChange(mailboxId, current);
      const item = this.#item(mailboxId, itemId)!;
      return { item, added: item.attachments.slice(first) };
    });
    return run.immediate();
  }

  deleteAttachments(mailboxId: number, refs: ReadonlyArray<{ itemId: number; attachmentId: number }>): Array<Outcome<Item>> {
    const run = this.s.db.transaction(() => {
      const results = refs.map((ref) =>
        this.#attempt(() => {
          const current = this.#item(mailboxId, ref.itemId);
          if (!current || !this.s.sql('DELETE FROM attachments WHERE id = ? AND item_id = ?').run(ref.attachmentId, ref.itemId).changes) {
            throw new StoreError('not-found', 'attachment not found');
          }
          this.#afterAttachmentChange(mailboxId, current);
          return ref.itemId;
        }),
      );
      return results.map((r): Outcome<Item> => (r.ok ? { ok: true, value: this.#item(mailboxId, r.value)! } : r));
    });
    return run.immediate();
  }

  /** Deletes an item's MIME; `items.has_mime` says whether a row exists, so listings never look into item_mime. */
  #dropMime(itemId: number): void {
    this.s.sql('DELETE FROM item_mime WHERE item_id = ?').run(itemId);
    this.s.sql('UPDATE items SET has_mime = 0 WHERE id = ?').run(itemId);
  }

  /** The parent's new version after its attachments changed: new modseq, flags and size; its original MIME no longer matches. */
  #afterAttachmentChange(mailboxId: number, current: Item): void {
    const stats = this.s.sql('SELECT count(*) AS n, coalesce(sum(size), 0) AS bytes, coalesce(max(is_inline = 0), 0) AS visible FROM attachments WHERE item_id = ?').get(current.id) as {
      n: number;
      bytes: number;
      visible: number;
    };
    this.#materialiseKept(current.id);
    this.#dropMime(current.id);
    const size = Buffer.byteLength(propsToJson(current.props, current.fieldVersions)) + stats.bytes;
    const modseq = this.s.nextModseq(mailboxId);
    this.s
      .sql('UPDATE items SET has_attachments = ?, size = ?, modseq = ?, content_modseq = ?, modified_at = ? WHERE id = ?')
      .run(stats.visible ? 1 : 0, size, modseq, modseq, Date.now(), current.id);
    this.#touchFolders(mailboxId, [current.folderId]);
  }

  #movable(mailboxId: number, itemId: number): MovableRow | undefined {
    return this.s.sql('SELECT id, folder_id, is_read, entered_modseq FROM items WHERE id = ? AND +mailbox_id = ?').get(itemId, mailboxId) as MovableRow | undefined;
  }

  /** A copy is a new item (new id, UID and creation time) with the same content. */
  #copyRow(mailboxId: number, row: MovableRow, targetFolderId: number): number {
    const now = Date.now();
    const modseq = this.s.nextModseq(mailboxId);
    const copy = this.s
      .sql(
        `INSERT INTO items (mailbox_id, folder_id, uid, modseq, entered_modseq, content_modseq, item_class, subject, from_address, is_read, is_draft, importance,
           has_attachments, size, message_id, received_at, sent_at, created_at, modified_at, has_mime, read_version)
         SELECT mailbox_id, ?, ?, ?, ?, ?, item_class, subject, from_address, is_read, is_draft, importance,
           has_attachments, size, message_id, received_at, sent_at, ?, ?, has_mime, read_version FROM items WHERE id = ? RETURNING id`,
      )
      .get(targetFolderId, this.#nextUid(targetFolderId), modseq, modseq, modseq, now, now, row.id) as { id: number };
    this.s.sql('INSERT INTO item_json (item_id, props) SELECT ?, props FROM item_json WHERE item_id = ?').run(copy.id, row.id);
    // A copy refers to the same bytes in a segment: they are never rewritten in place (compaction moves every row at a location).
    this.s
      .sql('INSERT INTO item_mime (item_id, bytes, segment_id, byte_offset, byte_length) SELECT ?, bytes, segment_id, byte_offset, byte_length FROM item_mime WHERE item_id = ?')
      .run(copy.id, row.id);
    this.s
      .sql('INSERT INTO item_bodies (item_id, type, content, mime_start, mime_end, quoted_printable, charset) SELECT ?, type, content, mime_start, mime_end, quoted_printable, charset FROM item_bodies WHERE item_id = ?')
      .run(copy.id, row.id);
    this.s.sql('INSERT INTO item_headers (item_id, headers) SELECT ?, headers FROM item_headers WHERE item_id = ?').run(copy.id, row.id);
    this.s.sql('INSERT INTO item_props (item_id, key, name, value, vals) SELECT ?, key, name, value, vals FROM item_props WHERE item_id = ? ORDER BY rowid').run(copy.id, row.id);
    this.s
      .sql(
        `INSERT INTO attachments (item_id, position, kind, name, content_type, content_id, content_location, is_inline, size, content, attached_item, modified_at, mime_start, mime_end)
         SELECT ?, position, kind, name, content_type, content_id, content_location, is_inline, size, content, attached_item, modified_at, mime_start, mime_end
         FROM attachments WHERE item_id = ? ORDER BY position`,
      )
      .run(copy.id, row.id);
    this.#adjustCounts(targetFolderId, 1, row.is_read ? 0 : 1);
    return copy.id;
  }

  /** Moves an item to another folder under a NEW id (as Exchange does): the old id stops resolving. */
  #moveRow(mailboxId: number, row: MovableRow, targetFolderId: number, deletedFrom: number | null = null): number {
    if (row.folder_id === targetFolderId) return row.id;
    this.#leaveFolder(mailboxId, row);
    const uid = this.#nextUid(targetFolderId);
    const modseq = this.s.nextModseq(mailboxId);
    const moved = this.s
      .sql(
        `INSERT INTO items (mailbox_id, folder_id, uid, modseq, entered_modseq, content_modseq, item_class, subject, from_address, is_read, is_draft, importance,
           has_attachments, size, message_id, received_at, sent_at, created_at, modified_at, has_mime, read_version, deleted_from)
         SELECT mailbox_id, ?, ?, ?, ?, ?, item_class, subject, from_address, is_read, is_draft, importance,
           has_attachments, size, message_id, received_at, sent_at, created_at, ?, has_mime, read_version, ? FROM items WHERE id = ? RETURNING id`,
      )
      .get(targetFolderId, uid, modseq, modseq, modseq, Date.now(), deletedFrom, row.id) as { id: number };
    for (const table of ITEM_CONTENT_TABLES) {
      this.s.sql(`UPDATE ${table} SET item_id = ? WHERE item_id = ?`).run(moved.id, row.id);
    }
    this.s.sql('DELETE FROM items WHERE id = ?').run(row.id);
    this.#adjustCounts(targetFolderId, 1, row.is_read ? 0 : 1);
    return moved.id;
  }

  /** Counters and a tombstone for an item leaving its folder (deleted or moved out). */
  #leaveFolder(mailboxId: number, row: MovableRow): void {
    this.#adjustCounts(row.folder_id, -1, row.is_read ? 0 : -1);
    this.s
      .sql('INSERT INTO tombstones (mailbox_id, folder_id, item_id, entered_modseq, modseq, deleted_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(mailboxId, row.folder_id, row.id, row.entered_modseq, this.s.nextModseq(mailboxId), Date.now());
  }

  /** One item: its numbers taken and the folder's counters written with it. */
  #insert(mailboxId: number, folderId: number, item: NewItem, now: number, placed?: MimeLocation): number {
    const id = this.#insertRows(mailboxId, folderId, item, now, placed, this.#nextNumbers(mailboxId, folderId)).row.id;
    this.#adjustCounts(folderId, 1, item.props.isRead ? 0 : 1);
    return id;
  }

  /** Inserts and returns the item exactly as reading it back would (the same row values through toItem); the caller writes the folder's counters. */
  #insertDescribed(mailboxId: number, folderId: number, item: NewItem, now: number, placed: MimeLocation | undefined, numbers: ItemNumbers): Item {
    const { row, extended, attachments, bodyInMime } = this.#insertRows(mailboxId, folderId, item, now, placed, numbers);
    const created = toItem(row, extended.map(toExtended), attachments.map(toAttachment));
    // The very body object the caller gave (its text unchangeable, see NewItem.bodySource): reading it here would decode what nobody may read.
    if (bodyInMime) created.props.body = bodyInMime;
    return created;
  }

  /** The numbers of `count` items about to be written into the folder: the i-th item's are numbers(i). */
  #reserveNumbers(mailboxId: number, folderId: number, count: number): (i: number) => ItemNumbers {
    const modseq = this.s.reserveModseqs(mailboxId, count);
    const uid = this.#reserveUids(folderId, count);
    return (i) => ({ modseq: modseq + i, uid: uid + i });
  }

  #nextNumbers(mailboxId: number, folderId: number): ItemNumbers {
    return this.#reserveNumbers(mailboxId, folderId, 1)(0);
  }

  #insertRows(
    mailboxId: number,
    folderId: number,
    item: NewItem,
    now: number,
    placed: MimeLocation | undefined,
    { modseq, uid }: ItemNumbers,
  ): { row: ItemRow; extended: PropRow[]; attachments: AttachmentRow[]; bodyInMime?: ItemBody } {
    const c = this.#columns(item, now);
    const { id } = this.s
      .sql(
        `INSERT INTO items (mailbox_id, folder_id, uid, modseq, entered_modseq, content_modseq, item_class, subject, from_address, is_read, is_draft, importance,
           has_attachments, size, message_id, received_at, sent_at, created_at, modified_at, has_mime)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
      )
      .get(mailboxId, folderId, uid, modseq, modseq, modseq, ...c, item.mime ? 1 : 0) as { id: number };
    const content = this.#insertContent(id, item, now, placed);
    const [item_class, subject, from_address, is_read, is_draft, importance, has_attachments, size, message_id, received_at, sent_at, created_at, modified_at] = c;
    // A body kept inside the MIME goes back as the caller's object, unread; only a text body goes through the row.
    const textBody = content.bodyInMime ? undefined : item.props.body;
    const row = {
      id, mailbox_id: mailboxId, folder_id: folderId, uid, modseq, item_class, subject, from_address, is_read, is_draft, importance, has_attachments,
      size, message_id, received_at, sent_at, created_at, modified_at, props: content.props, has_mime: item.mime ? 1 : 0,
      body_type: textBody?.type ?? null, body_content: textBody?.content ?? null, headers: content.headers, read_version: null, body_mime: null,
    } as ItemRow;
    const written = { row, extended: content.extended, attachments: content.attachments };
    return content.bodyInMime ? { ...written, bodyInMime: item.props.body! } : written;
  }

  /** UploadItems' Update: the item keeps its id and folder; everything else is replaced. */
  #replace(mailboxId: number, folderId: number, itemId: number, item: NewItem, now: number, placed?: MimeLocation): number {
    const current = this.#movable(mailboxId, itemId);
    if (!current || current.folder_id !== folderId) throw new StoreError('not-found', 'item not found in that folder');
    for (const table of ITEM_CONTENT_TABLES) this.s.sql(`DELETE FROM ${table} WHERE item_id = ?`).run(itemId);
    const modseq = this.s.nextModseq(mailboxId);
    this.s
      .sql(
        `UPDATE items SET modseq = ?, content_modseq = ?, item_class = ?, subject = ?, from_address = ?, is_read = ?, is_draft = ?, importance = ?,
           has_attachments = ?, size = ?, message_id = ?, received_at = ?, sent_at = ?, created_at = ?, modified_at = ?, has_mime = ?, read_version = NULL WHERE id = ?`,
      )
      .run(modseq, modseq, ...this.#columns(item, now), item.mime ? 1 : 0, itemId);
    this.#insertContent(itemId, item, now, placed);
    this.#adjustCounts(folderId, 0, (item.props.isRead ? 0 : 1) - (current.is_read ? 0 : 1));
    return itemId;
  }

  /** The item columns from item_class to props, in table order. */
  #columns(item: NewItem, now: number): Array<string | number | null> {
    const props = item.props;
    const size = item.size ?? (item.mime ? item.mime.length : Buffer.byteLength(propsToJson(props, {})) + item.attachments.reduce((n, a) => n + attachmentSize(a), 0));
    return [
      props.itemClass,
      props.subject ?? null,
      props.from?.address ?? null,
      props.isRead ? 1 : 0,
      props.isDraft ? 1 : 0,
      props.importance ?? null,
      hasVisibleAttachments(item.attachments) ? 1 : 0,
      size,
      props.internetMessageId ?? null,
      (props.dateTimeReceived ?? new Date(now)).getTime(),
      props.dateTimeSent?.getTime() ?? null,
      item.createdAt?.getTime() ?? now,
      item.modifiedAt?.getTime() ?? now,
    ];
  }

  /** Writes the props JSON, extended properties, attachments and MIME (`placed`: already in a segment); returns them as a read would give them. */
  #insertContent(
    itemId: number,
    item: NewItem,
    now: number,
    placed?: MimeLocation,
  ): { props: string; headers: string | null; extended: PropRow[]; attachments: AttachmentRow[]; bodyInMime: boolean } {
    const props = rowPropsJson(item.props, {});
    this.s.sql('INSERT INTO item_json (item_id, props) VALUES (?, ?)').run(itemId, props);
    const extended = this.#insertExtended(itemId, item.props);
    const attachments = item.attachments.map((a, i) => this.#insertAttachment(itemId, i, a, now, item.mime));
    if (item.mime) this.#insertMime(itemId, item.mime, placed);
    const bodyInMime = item.props.body ? this.#insertBody(itemId, item, item.props.body) : false;
    const headers = headersJson(item.props);
    if (headers !== null) this.s.sql('INSERT INTO item_headers (item_id, headers) VALUES (?, ?)').run(itemId, headers);
    return { props, headers, extended, attachments, bodyInMime };
  }

  /** Where MimeSegments.place() put it (already synced), else in the row. */
  #insertMime(itemId: number, mime: Buffer, at?: MimeLocation): void {
    if (!at) this.s.sql('INSERT INTO item_mime (item_id, bytes) VALUES (?, ?)').run(itemId, mime);
    else this.s.sql('INSERT INTO item_mime (item_id, bytes, segment_id, byte_offset, byte_length) VALUES (?, ?, ?, ?, ?)').run(itemId, NO_BYTES, at.segmentId, at.offset, at.length);
  }

  /**
   * The body's row: a reference into the item's MIME when the body is the decoding of one range of
   * it (see NewItem.bodySource), else its text. Returns whether it is the reference (the body's
   * text then never read).
   */
  #insertBody(itemId: number, item: NewItem, body: ItemBody): boolean {
    const s = item.bodySource;
    if (s && item.mime && s.mime === item.mime && s.body === body && s.start >= 0 && s.end <= item.mime.length && s.start <= s.end) {
      this.s
        .sql("INSERT INTO item_bodies (item_id, type, content, mime_start, mime_end, quoted_printable, charset) VALUES (?, ?, '', ?, ?, ?, ?)")
        .run(itemId, body.type, s.start, s.end, s.quotedPrintable ? 1 : 0, s.charset ?? null);
      return true;
    }
    this.s.sql('INSERT INTO item_bodies (item_id, type, content) VALUES (?, ?, ?)').run(itemId, body.type, body.content);
    return false;
  }

  /** `mime`: the MIME stored with the item, which a file attachment's bytes may be kept in (see mimeSource). */
  #insertAttachment(itemId: number, position: number, a: NewAttachment, now: number, mime?: Buffer): AttachmentRow {
    const source = a.kind === 'file' && mime ? keptInMime(a, mime) : undefined;
    const attachedJson = a.kind === 'item' ? attachedItemToJson(a.item) : null;
    const row: Omit<AttachmentRow, 'id'> = {
      item_id: itemId,
      kind: a.kind,
      name: a.name,
      content_type: a.contentType ?? null,
      content_id: a.contentId ?? null,
      content_location: a.kind === 'file' ? (a.contentLocation ?? null) : null,
      is_inline: a.isInline ? 1 : 0,
      size: a.kind === 'file' ? a.content.length : Buffer.byteLength(attachedJson!),
      modified_at: a.lastModified?.getTime() ?? now,
    };
    const { id } = this.s
      .sql(
        `INSERT INTO attachments (item_id, position, kind, name, content_type, content_id, content_location, is_inline, size, content, attached_item, modified_at, mime_start, mime_end)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
      )
      .get(
        itemId,
        position,
        row.kind,
        row.name,
        row.content_type,
        row.content_id,
        row.content_location,
        row.is_inline,
        row.size,
        a.kind === 'file' && !source ? a.content : null,
        attachedJson,
        row.modified_at,
        source?.start ?? null,
        source?.end ?? null,
      ) as { id: number };
    return { id, ...row };
  }

  /** Returns the rows in the order a read gives them: a repeated key replaces the earlier row and goes last, as INSERT OR REPLACE does. */
  #insertExtended(itemId: number, props: MessageProps): PropRow[] {
    const insert = this.s.sql('INSERT OR REPLACE INTO item_props (item_id, key, name, value, vals) VALUES (?, ?, ?, ?, ?)');
    const rows = new Map<string, PropRow>();
    for (const p of props.extended) {
      const row: PropRow = { item_id: itemId, key: p.key, name: JSON.stringify(p.name), value: p.value ?? null, vals: p.values ? JSON.stringify(p.values) : null };
      insert.run(itemId, row.key, row.name, row.value, row.vals);
      rows.delete(row.key);
      rows.set(row.key, row);
    }
    return [...rows.values()];
  }

  /**
   * A change of the read flag alone (the commonest update by far) leaves the props JSON alone (see
   * read-flags.ts); an item kept as MIME keeps its size.
   * Returns the new modification time, so the caller can build the written item without reading it back.
   */
  #writeReadFlag(current: Item, isRead: boolean, modseq: number): Date {
    const now = Date.now();
    writeReadFlag(this.s, current.id, isRead, modseq, now);
    if (isRead !== current.props.isRead) this.#adjustCounts(current.folderId, 0, isRead ? -1 : 1);
    return new Date(now);
  }

  #writeProps(current: Item, props: MessageProps, versions: Record<string, number>, modseq: number): void {
    const size = current.hasMime
      ? current.size
      : Math.max(current.size - Buffer.byteLength(propsToJson(current.props, current.fieldVersions)), 0) + Buffer.byteLength(propsToJson(props, versions));
    this.s
      .sql(
        `UPDATE items SET modseq = ?, content_modseq = CASE WHEN ? THEN content_modseq ELSE ? END, item_class = ?, subject = ?, from_address = ?, is_read = ?, is_draft = ?, importance = ?,
           message_id = ?, received_at = ?, sent_at = ?, modified_at = ?, size = ?, read_version = NULL WHERE id = ?`,
      )
      .run(
        modseq,
        onlyReadFlagChanged(current.props, props) ? 1 : 0,
        modseq,
        props.itemClass,
        props.subject ?? null,
        props.from?.address ?? null,
        props.isRead ? 1 : 0,
        props.isDraft ? 1 : 0,
        props.importance ?? null,
        props.internetMessageId ?? null,
        (props.dateTimeReceived ?? current.dateTimeReceived).getTime(),
        props.dateTimeSent?.getTime() ?? null,
        Date.now(),
        size,
        current.id,
      );
    this.s.sql('UPDATE item_json SET props = ? WHERE item_id = ?').run(rowPropsJson(props, versions), current.id);
    if (props.body?.type !== current.props.body?.type || props.body?.content !== current.props.body?.content) {
      if (props.body) this.s.sql('INSERT OR REPLACE INTO item_bodies (item_id, type, content) VALUES (?, ?, ?)').run(current.id, props.body.type, props.body.content);
      else this.s.sql('DELETE FROM item_bodies WHERE item_id = ?').run(current.id);
    }
    const headers = headersJson(props);
    if (headers !== headersJson(current.props)) {
      if (headers !== null) this.s.sql('INSERT OR REPLACE INTO item_headers (item_id, headers) VALUES (?, ?)').run(current.id, headers);
      else this.s.sql('DELETE FROM item_headers WHERE item_id = ?').run(current.id);
    }
    // Most updates (read flags, categories) leave the extended properties alone: keep their rows then.
    if (!sameExtended(props, current.props)) {
      this.s.sql('DELETE FROM item_props WHERE item_id = ?').run(current.id);
      this.#insertExtended(current.id, props);
    }
    if (props.isRead !== current.props.isRead) this.#adjustCounts(current.folderId, 0, props.isRead ? -1 : 1);
  }

  /** One item, inside the caller's transaction. */
  item(mailboxId: number, itemId: number): Item | undefined {
    return this.#item(mailboxId, itemId);
  }

  /** Items by id without their bodies, as listings show them (inside the caller's transaction). */
  listingItems(mailboxId: number, itemIds: readonly number[]): Map<number, Item> {
    return this.#loadItems(mailboxId, itemIds, false);
  }

  /** Items by id (those of the mailbox only), with three statements for the whole list instead of three per item. */
  #loadItems(mailboxId: number, itemIds: readonly number[], withBody = true): Map<number, Item> {
    const out = new Map<number, Item>();
    if (itemIds.length === 0) return out;
    if (itemIds.length === 1) {
      const item = this.#item(mailboxId, itemIds[0]!, withBody);
      if (item) out.set(item.id, item);
      return out;
    }
    const ids = JSON.stringify(itemIds);
    const rows = readItemRows(this.s.sql(`${selectItemRows(withBody)} WHERE i.id IN (SELECT value FROM json_each(?)) AND +i.mailbox_id = ?`), ids, mailboxId);
    if (rows.length === 0) return out;
    this.#decodeKeptBodies(rows);
    const props = new Map<number, PropRow[]>();
    for (const r of this.s.sql('SELECT * FROM item_props WHERE item_id IN (SELECT value FROM json_each(?)) ORDER BY rowid').all(ids) as PropRow[]) {
      pushTo(props, r.item_id, r);
    }
    const attachments = new Map<number, AttachmentRow[]>();
    const attachmentRows = this.s
      .sql(
        `SELECT id, item_id, kind, name, content_type, content_id, content_location, is_inline, size, modified_at FROM attachments
         WHERE item_id IN (SELECT value FROM json_each(?)) ORDER BY item_id, position`,
      )
      .all(ids) as AttachmentRow[];
    for (const r of attachmentRows) pushTo(attachments, r.item_id, r);
    for (const row of rows) {
      out.set(row.id, toItem(row, (props.get(row.id) ?? []).map(toExtended), (attachments.get(row.id) ?? []).map(toAttachment)));
    }
    return out;
  }

  /** Bodies kept inside their item's MIME (schema step 22), decoded from it into the rows. */
  #decodeKeptBodies(rows: ItemRow[]): void {
    for (const row of rows) if (row.body_mime !== null) row.body_content = new KeptMime(this.s, row.id).body(row.body_mime) ?? null;
  }

  #item(mailboxId: number, itemId: number, withBody = true): Item | undefined {
    const [row] = readItemRows(this.s.sql(`${selectItemRows(withBody)} WHERE i.id = ? AND +i.mailbox_id = ?`), itemId, mailboxId);
    if (!row) return undefined;
    this.#decodeKeptBodies([row]);
    const props = (this.s.sql('SELECT * FROM item_props WHERE item_id = ? ORDER BY rowid').all(itemId) as PropRow[]).map(toExtended);
    const attachments = (
      this.s
        .sql(
          'SELECT id, item_id, kind, name, content_type, content_id, content_location, is_inline, size, modified_at FROM attachments WHERE item_id = ? ORDER BY position',
        )
        .all(itemId) as AttachmentRow[]
    ).map(toAttachment);
    return toItem(row, props, attachments);
  }

  /** Runs one entry of a batch in a savepoint: on failure nothing of it remains and the batch goes on. */
  #attempt<T>(write: () => T): Outcome<T> {
    try {
      return { ok: true, value: this.s.db.transaction(write)() };
    } catch (error) {
      return { ok: false, error };
    }
  }

  #folderExists(mailboxId: number, folderId: number): boolean {
    return this.s.sql('SELECT 1 FROM folders WHERE id = ? AND mailbox_id = ?').get(folderId, mailboxId) !== undefined;
  }

  #folderId(mailboxId: number, distinguished: string): number {
    const row = this.s.sql('SELECT id FROM folders WHERE mailbox_id = ? AND distinguished = ?').get(mailboxId, distinguished) as { id: number } | undefined;
    if (!row) throw new StoreError('not-found', `the ${distinguished} folder is missing`);
    return row.id;
  }

  #nextUid(folderId: number): number {
    return this.#reserveUids(folderId, 1);
  }

  /** The folder's next `count` UIDs, taken in one write; returns the first. */
  #reserveUids(folderId: number, count: number): number {
    return (this.s.sql('UPDATE folders SET next_uid = next_uid + ? WHERE id = ? RETURNING next_uid - ? AS uid').get(count, folderId, count) as { uid: number }).uid;
  }

  #adjustCounts(folderId: number, total: number, unread: number): void {
    this.s.sql('UPDATE folders SET total_count = total_count + ?, unread_count = unread_count + ? WHERE id = ?').run(total, unread, folderId);
  }

  /** Bumps the folders' modseq (a ctag for DavMail), inside the caller's transaction. */
  touchFolders(mailboxId: number, folderIds: Iterable<number>): void {
    this.#touchFolders(mailboxId, folderIds);
  }

  #touchFolders(mailboxId: number, folderIds: Iterable<number>): void {
    const now = Date.now();
    for (const id of folderIds) this.s.sql('UPDATE folders SET modseq = ?, modified_at = ? WHERE id = ?').run(this.s.nextModseq(mailboxId), now, id);
  }
}

interface AttachmentContentRow {
  id: number;
  kind: 'file' | 'item';
  content: Buffer | null;
  attached_item: string | null;
  /** Where the attachment's base64 lies in its item's MIME, for one kept there: [mime_start, mime_end). */
  mime_start: number | null;
  mime_end: number | null;
}

/**
 * An item's stored MIME as the source of the attachments kept inside it: read once, on the
 * first attachment that needs it (an SQL substr() per attachment would read the whole blob each
 * time).
 */
class KeptMime {
  /** The MIME itself, or where it lies in a segment (then each range is read alone); undefined: not looked up yet; null: none. */
  #mime: Buffer | MimeLocation | null | undefined;

  constructor(
    private readonly s: SqlAccess,
    private readonly itemId: number,
    mime?: Buffer,
  ) {
    this.#mime = mime;
  }

  /** The attachment's bytes: its base64 range of the MIME decoded (empty for a row with no range, or if the MIME is gone). */
  decode(r: Pick<AttachmentContentRow, 'mime_start' | 'mime_end'>): Buffer {
    if (r.mime_start === null || r.mime_end === null) return Buffer.alloc(0);
    const base64 = this.#range(r.mime_start, r.mime_end)?.toString('latin1');
    return base64 === undefined ? Buffer.alloc(0) : Buffer.from(base64, 'base64');
  }

  /** The text of a body kept inside the MIME (`at`: an item row's body_mime); undefined if the MIME is gone or the body decodes to nothing. */
  body(at: string): string | undefined {
    const [start, end, quotedPrintable, charset] = JSON.parse(at) as BodyInMime;
    const bytes = this.#range(start, end);
    if (!bytes) return undefined;
    const source: Omit<MimeBodySource, 'type'> = { start: 0, end: bytes.length, quotedPrintable: quotedPrintable === 1 };
    if (charset !== null) source.charset = charset;
    return bodyFromMime(bytes, source);
  }

  #range(start: number, end: number): Buffer | undefined {
    if (this.#mime === undefined) {
      const row = this.s.sql('SELECT bytes, segment_id, byte_offset, byte_length FROM item_mime WHERE item_id = ?').get(this.itemId) as MimeRow | undefined;
      this.#mime = row ? (mimeLocation(row) ?? row.bytes) : null;
    }
    if (!this.#mime) return undefined;
    return Buffer.isBuffer(this.#mime) ? this.#mime.subarray(start, end) : this.s.mime.read(this.#mime, start, end);
  }
}

/**
 * The range of `mime` an attachment's bytes can be read back from: the one its parse found, when
 * that parse was of this very Buffer. Anything that rewrites MIME (a send completing headers)
 * makes a new Buffer, so offsets into the old one are never taken for offsets into the new one.
 * That the range decodes to the content is the parser's promise (test/mime-native-base64.test.ts).
 */
function keptInMime(a: NewAttachment & { kind: 'file' }, mime: Buffer): { start: number; end: number } | undefined {
  const s = a.mimeSource;
  if (!s || s.mime !== mime || s.start < 0 || s.end > mime.length || s.start >= s.end) return undefined;
  return { start: s.start, end: s.end };
}

function sameExtended(a: MessageProps, b: MessageProps): boolean {
  return JSON.stringify(a.extended) === JSON.stringify(b.extended);
}

function pushTo<T>(map: Map<number, T[]>, key: number, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
