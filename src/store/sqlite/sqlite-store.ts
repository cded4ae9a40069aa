import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3, { type Database, type Statement } from 'better-sqlite3';
import type { Account, Mailbox } from '../../domain/mailbox.js';
import { DISTINGUISHED_FOLDERS, type Folder } from '../../domain/folder.js';
import type { Attachment, Item, NewAttachment, NewItem } from '../../domain/item.js';
import {
  StoreError,
  type AttachmentContent,
  type FolderChanges,
  type ItemDisposal,
  type ItemListQuery,
  type ItemUpdate,
  type ItemUpload,
  type ItemVersion,
  type ReadFlagUpdate,
  type ItemWithMime,
  type UploadResult,
  type NewAccount,
  type NewFolder,
  type Outcome,
  type Store,
  type Submission,
  type Submitted,
} from '../store.js';
import type { DelegateGrant, Delegation } from '../../domain/delegate.js';
import { DelegateQueries } from './delegates.js';
import { ItemTables } from './items.js';
import { ReadFlagWrites } from './read-flags.js';
import { itemsWithMime } from './item-mime-read.js';
import { SyncTables } from './sync.js';
import type { FolderChangeSet, ItemChangePage, ItemSyncCursor } from '../../domain/sync.js';
import type { ClaimedMessage, NewOutboundMessage, OutboundSummary, RecipientResult } from '../../domain/outbound.js';
import { BACKSTOP_PAGES, Checkpointer } from './checkpointer.js';
import { migrate } from './migrations.js';
import { MimeSegments, type MimeSegmentOptions } from './mime-segments.js';
import { OutboundQueries } from './outbound.js';
import { FOLDER_COLUMNS, toAccount, toFolder, type FolderRow, type MailboxRow } from './rows.js';

export interface SqliteOptions {
  /** `FULL` (the default) makes every commit durable before it returns. */
  synchronous?: 'FULL' | 'NORMAL' | 'OFF';
  /**
   * Checkpoint the WAL on a thread of its own (checkpointer.ts) instead of inside the commits
   * that cross SQLite's mark. For the server and `ewsd import`, which write batch after batch;
   * short CLI commands leave it off.
   */
  checkpointThread?: boolean;
  /** Segment files of item MIME (mime-segments.ts): their size and how long an emptied one lingers. */
  mimeSegments?: MimeSegmentOptions;
}

/** The database of a data directory (its MIME segments lie beside it: mime-segments.ts). */
export function databaseFile(dataDir: string): string {
  return join(dataDir, 'ewsd.sqlite');
}

/** The embedded store: one SQLite file in WAL mode, shared safely with CLI processes. */
export class SqliteStore implements Store {
  readonly db: Database;
  readonly #stmts = new Map<string, Statement>();
  readonly #outbound: OutboundQueries;
  readonly #delegates: DelegateQueries;

  readonly #items: ItemTables;
  readonly #readFlags: ReadFlagWrites;
  readonly #sync: SyncTables;

  readonly #checkpointer: Checkpointer | undefined;

  readonly #mime: MimeSegments;

  private constructor(db: Database, options: SqliteOptions, checkpointer?: Checkpointer) {
    this.db = db;
    this.#checkpointer = checkpointer;
    this.#mime = new MimeSegments(db, (text) => this.sql(text), db.name, options.mimeSegments);
    const access = {
      db,
      mime: this.#mime,
      sql: (text: string) => this.sql(text),
      nextModseq: (mailboxId: number) => this.nextModseq(mailboxId),
      reserveModseqs: (mailboxId: number, count: number) => this.reserveModseqs(mailboxId, count),
    };
    this.#items = new ItemTables(access);
    this.#readFlags = new ReadFlagWrites(access, this.#items);
    this.#outbound = new OutboundQueries(db, (text) => this.sql(text));
    this.#delegates = new DelegateQueries((text) => this.sql(text));
    this.#sync = new SyncTables(access, (m, ids) => this.#items.listingItems(m, ids));
  }

  /** Opens (creating if needed) `DIR/ewsd.sqlite` and brings its schema up to date. */
  static open(dataDir: string, options: SqliteOptions = {}): SqliteStore {
    mkdirSync(dataDir, { recursive: true });
    return SqliteStore.openFile(databaseFile(dataDir), options);
  }

  static openFile(file: string, options: SqliteOptions = {}): SqliteStore {
    const db = new BetterSqlite3(file);
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db);
    if (!options.checkpointThread) return new SqliteStore(db, options);
    db.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
    return new SqliteStore(db, options, new Checkpointer(file));
  }

  async close(): Promise<void> {
    // The thread's connection goes first, so that this one is the last and checkpoints all of the log at close.
    await this.#checkpointer?.close();
    this.#mime.close();
    if (this.db.open) this.db.close();
  }

  /** Prepared statements are cached by their SQL text. */
  protected sql(text: string): Statement {
    let s = this.#stmts.get(text);
    if (!s) this.#stmts.set(text, (s = this.db.prepare(text)));
    return s;
  }

  /** Hands out the next modification sequence number of a mailbox. */
  protected nextModseq(mailboxId: number): number {
    return this.reserveModseqs(mailboxId, 1);
  }

  /** Hands out the mailbox's next `count` modification sequence numbers (one write); returns the first. */
  protected reserveModseqs(mailboxId: number, count: number): number {
    const row = this.sql('UPDATE mailboxes SET modseq = modseq + ? WHERE id = ? RETURNING modseq').get(count, mailboxId) as { modseq: number };
    return row.modseq - count + 1;
  }

  // Accounts

  async createAccount(input: NewAccount): Promise<Account> {
    const create = this.db.transaction(() => {
      const now = Date.now();
      let row: MailboxRow;
      try {
        row = this.sql(
          'INSERT INTO mailboxes (guid, email, display_name, password_hash, created_at) VALUES (?, ?, ?, ?, ?) RETURNING *',
        ).get(randomUUID(), input.email.toLowerCase(), input.displayName, input.passwordHash, now) as MailboxRow;
      } catch (err) {
        if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new StoreError('exists', `${input.email} already exists`);
        throw err;
      }
      const ids = new Map<string, number>();
      for (const spec of DISTINGUISHED_FOLDERS) {
        const parentId = spec.parent === null ? null : ids.get(spec.parent)!;
        const folder = this.#insertFolder(row.id, parentId, {
          displayName: spec.displayName,
          folderClass: spec.folderClass,
          hidden: spec.hidden ?? false,
          distinguished: spec.id,
          isSearch: spec.isSearchFolder ?? false,
        });
        ids.set(spec.id, folder);
      }
      return toAccount(row);
    });
    return create.immediate();
  }

  async accountByEmail(email: string): Promise<Account | undefined> {
    const row = this.sql('SELECT * FROM mailboxes WHERE email = ?').get(email) as MailboxRow | undefined;
    return row && toAccount(row);
  }

  async listAccounts(): Promise<Account[]> {
    return (this.sql('SELECT * FROM mailboxes ORDER BY email').all() as MailboxRow[]).map(toAccount);
  }

  async removeAccount(email: string): Promise<boolean> {
    return this.sql('DELETE FROM mailboxes WHERE email = ?').run(email).changes > 0;
  }

  async setPasswordHash(email: string, passwordHash: string): Promise<boolean> {
    return this.sql('UPDATE mailboxes SET password_hash = ? WHERE email = ?').run(passwordHash, email).changes > 0;
  }

  async mailboxByGuid(guid: string): Promise<Mailbox | undefined> {
    const row = this.sql('SELECT * FROM mailboxes WHERE guid = ?').get(guid) as MailboxRow | undefined;
    return row && toAccount(row);
  }

  // Folders

  async folder(mailboxId: number, folderId: number): Promise<Folder | undefined> {
    return this.#folder(mailboxId, folderId);
  }

  async distinguishedFolder(mailboxId: number, distinguishedId: string): Promise<Folder | undefined> {
    const row = this.sql(`SELECT ${FOLDER_COLUMNS} FROM folders f WHERE f.mailbox_id = ? AND f.distinguished = ?`).get(mailboxId, distinguishedId);
    return row ? toFolder(row as FolderRow) : undefined;
  }

  async childFolders(mailboxId: number, parentId: number): Promise<Folder[]> {
    const rows = this.sql(`SELECT ${FOLDER_COLUMNS} FROM folders f WHERE f.mailbox_id = ? AND f.parent_id = ? ORDER BY f.display_name COLLATE NOCASE`).all(
      mailboxId,
      parentId,
    ) as FolderRow[];
    return rows.map(toFolder);
  }

  async descendantFolders(mailboxId: number, rootId: number): Promise<Folder[]> {
    return this.#descendants(mailboxId, rootId);
  }

  async createFolder(mailboxId: number, parentId: number, input: NewFolder): Promise<Folder> {
    const create = this.db.transaction(() => {
      if (!this.#folder(mailboxId, parentId)) throw new StoreError('not-found', 'parent folder not found');
      const id = this.#insertFolder(mailboxId, parentId, {
        displayName: input.displayName,
        folderClass: input.folderClass,
        hidden: input.hidden ?? false,
        distinguished: null,
        isSearch: input.isSearchFolder ?? false,
      });
      this.#touchFolder(mailboxId, parentId);
      return this.#folder(mailboxId, id)!;
    });
    return create.immediate();
  }

  async updateFolder(mailboxId: number, folderId: number, changes: FolderChanges): Promise<Folder> {
    const update = this.db.transaction(() => {
      const current = this.#folder(mailboxId, folderId);
      if (!current) throw new StoreError('not-found', 'folder not found');
      const modseq = this.nextModseq(mailboxId);
      this.#nameClash(() =>
        this.sql('UPDATE folders SET display_name = ?, folder_class = ?, hidden = ?, modseq = ?, hier_modseq = ?, modified_at = ? WHERE id = ?').run(
          changes.displayName ?? current.displayName,
          changes.folderClass !== undefined ? changes.folderClass : current.folderClass,
          (changes.hidden ?? current.hidden) ? 1 : 0,
          modseq,
          modseq,
          Date.now(),
          folderId,
        ),
      );
      return this.#folder(mailboxId, folderId)!;
    });
    return update.immediate();
  }

  async deleteFolder(mailboxId: number, folderId: number): Promise<void> {
    const remove = this.db.transaction(() => {
      const current = this.#folder(mailboxId, folderId);
      if (!current) throw new StoreError('not-found', 'folder not found');
      this.#recordRemoval(mailboxId, current);
      this.sql('DELETE FROM folders WHERE id = ? AND mailbox_id = ?').run(folderId, mailboxId);
      if (current.parentId !== null) this.#touchFolder(mailboxId, current.parentId);
    });
    remove.immediate();
  }

  async moveFolder(mailboxId: number, folderId: number, newParentId: number, newName?: string): Promise<Folder> {
    const move = this.db.transaction(() => {
      const current = this.#folder(mailboxId, folderId);
      if (!current) throw new StoreError('not-found', 'folder not found');
      this.#checkDestination(mailboxId, folderId, newParentId, 'moved');
      const modseq = this.nextModseq(mailboxId);
      this.#sync.recordFolderChange(mailboxId, current, 'move', modseq);
      this.#nameClash(() =>
        this.sql('UPDATE folders SET parent_id = ?, display_name = ?, modseq = ?, hier_modseq = ?, modified_at = ? WHERE id = ?').run(
          newParentId,
          newName ?? current.displayName,
          modseq,
          modseq,
          Date.now(),
          folderId,
        ),
      );
      if (current.parentId !== null) this.#touchFolder(mailboxId, current.parentId);
      this.#touchFolder(mailboxId, newParentId);
      return this.#folder(mailboxId, folderId)!;
    });
    return move.immediate();
  }

  // Items (SQL in items.ts)

  async createItems(mailboxId: number, folderId: number, items: readonly NewItem[]): Promise<Array<Outcome<Item>>> {
    // The MIME is written and synced first, off the event loop; then the rows in one commit.
    return this.#items.createItems(mailboxId, folderId, items, await this.#mime.placeItems(items));
  }

  async deliverItems(deliveries: ReadonlyArray<{ mailboxId: number; folderId: number; item: NewItem }>): Promise<Item[]> {
    return this.#items.deliverItems(deliveries, await this.#mime.placeItems(deliveries.map((d) => d.item)));
  }

  async uploadItems(mailboxId: number, uploads: readonly ItemUpload[]): Promise<Array<Outcome<UploadResult>>> {
    return this.#items.uploadItems(mailboxId, uploads, await this.#mime.placeItems(uploads.map((u) => u.item)));
  }

  async items(mailboxId: number, itemIds: readonly number[]): Promise<Array<Item | undefined>> {
    return this.#items.items(mailboxId, itemIds);
  }

  async folderItems(mailboxId: number, folderId: number, query: ItemListQuery): Promise<Item[]> {
    return this.#items.folderItems(mailboxId, folderId, query);
  }

  async itemMime(mailboxId: number, itemId: number): Promise<Buffer | undefined> {
    return this.#items.itemMime(mailboxId, itemId);
  }

  async itemsWithMime(mailboxId: number, itemIds: readonly number[]): Promise<Array<ItemWithMime | undefined>> {
    return itemsWithMime((text) => this.sql(text), this.#mime, mailboxId, itemIds);
  }

  async attachmentContents(mailboxId: number, itemId: number, only?: readonly number[], mime?: Buffer): Promise<Map<number, AttachmentContent>> {
    return this.#items.attachmentContents(mailboxId, itemId, only, mime);
  }

  async updateItems(mailboxId: number, updates: readonly ItemUpdate[]): Promise<Array<Outcome<Item>>> {
    return this.#items.updateItems(mailboxId, updates);
  }

  async setReadFlags(mailboxId: number, updates: readonly ReadFlagUpdate[]): Promise<Array<Outcome<ItemVersion>>> {
    return this.#readFlags.setReadFlags(mailboxId, updates);
  }

  async deleteItems(mailboxId: number, itemIds: readonly number[], disposal: ItemDisposal): Promise<Array<Outcome<boolean>>> {
    return this.#items.deleteItems(mailboxId, itemIds, disposal);
  }

  async moveItems(mailboxId: number, itemIds: readonly number[], targetFolderId: number): Promise<Array<Outcome<Item>>> {
    return this.#items.moveItems(mailboxId, itemIds, targetFolderId);
  }

  async copyItems(mailboxId: number, itemIds: readonly number[], targetFolderId: number): Promise<Array<Outcome<Item>>> {
    return this.#items.copyItems(mailboxId, itemIds, targetFolderId);
  }

  async markAllItemsRead(mailboxId: number, folderIds: readonly number[], isRead: boolean): Promise<Array<Outcome<number>>> {
    return this.#items.markAllItemsRead(mailboxId, folderIds, isRead);
  }

  async emptyFolder(mailboxId: number, folderId: number, disposal: ItemDisposal, deleteSubFolders: boolean): Promise<void> {
    this.#items.emptyFolder(mailboxId, folderId, disposal, deleteSubFolders);
  }

  async addAttachments(mailboxId: number, itemId: number, attachments: readonly NewAttachment[]): Promise<{ item: Item; added: Attachment[] }> {
    return this.#items.addAttachments(mailboxId, itemId, attachments);
  }

  async deleteAttachments(mailboxId: number, refs: ReadonlyArray<{ itemId: number; attachmentId: number }>): Promise<Array<Outcome<Item>>> {
    return this.#items.deleteAttachments(mailboxId, refs);
  }

  async copyFolder(mailboxId: number, folderId: number, newParentId: number): Promise<Folder> {
    const copy = this.db.transaction(() => {
      const source = this.#folder(mailboxId, folderId);
      if (!source) throw new StoreError('not-found', 'folder not found');
      this.#checkDestination(mailboxId, folderId, newParentId, 'copied');
      // Parents come before their children, so every copy's new parent exists when it is written.
      const subtree = [source, ...this.#descendants(mailboxId, folderId)];
      const newIds = new Map<number, number>([[source.parentId ?? 0, newParentId]]);
      for (const f of subtree) {
        const parent = f.id === source.id ? newParentId : newIds.get(f.parentId!)!;
        const id = this.#insertFolder(mailboxId, parent, {
          displayName: f.displayName,
          folderClass: f.folderClass,
          hidden: f.hidden,
          distinguished: null,
          isSearch: f.isSearchFolder,
        });
        newIds.set(f.id, id);
        this.#items.copyFolderContents(mailboxId, f.id, id);
      }
      this.#touchFolder(mailboxId, newParentId);
      return this.#folder(mailboxId, newIds.get(source.id)!)!;
    });
    return copy.immediate();
  }

  /** The destination exists and is not the folder itself or below it. */
  #checkDestination(mailboxId: number, folderId: number, newParentId: number, verb: string): void {
    if (!this.#folder(mailboxId, newParentId)) throw new StoreError('not-found', 'destination folder not found');
    const inOwnSubtree = this.sql(
      `WITH RECURSIVE up(id, parent_id) AS (SELECT id, parent_id FROM folders WHERE id = ?
         UNION ALL SELECT f.id, f.parent_id FROM folders f JOIN up ON f.id = up.parent_id)
       SELECT 1 FROM up WHERE id = ?`,
    ).get(newParentId, folderId);
    if (inOwnSubtree) throw new StoreError('invalid', `a folder cannot be ${verb} into itself or its subfolders`);
  }

  #descendants(mailboxId: number, rootId: number): Folder[] {
    // Depth-first with siblings by name: the order a folder tree is shown in.
    const rows = this.sql(
      `WITH RECURSIVE tree(id, path) AS (
         SELECT id, lower(display_name) FROM folders WHERE parent_id = ? AND mailbox_id = ?
         UNION ALL
         SELECT c.id, tree.path || char(1) || lower(c.display_name) FROM folders c JOIN tree ON c.parent_id = tree.id
       )
       SELECT ${FOLDER_COLUMNS} FROM tree JOIN folders f ON f.id = tree.id ORDER BY tree.path`,
    ).all(rootId, mailboxId) as FolderRow[];
    return rows.map(toFolder);
  }

  // Sending (SQL in items.ts) and delegates (delegates.ts)

  async submitMessages(submissions: readonly Submission[]): Promise<Array<Outcome<Submitted>>> {
    const items = submissions.flatMap((s) => [...(s.copy ? [s.copy.item] : []), ...s.deliveries.map((d) => d.item)]);
    return this.#items.submit(submissions, await this.#mime.placeItems(items));
  }

  async setDelegate(principalId: number, delegateId: number, grant: DelegateGrant): Promise<void> {
    this.#delegates.set(principalId, delegateId, grant);
  }

  async removeDelegate(principalId: number, delegateId: number): Promise<boolean> {
    return this.#delegates.remove(principalId, delegateId);
  }

  async delegateGrant(principalId: number, delegateId: number): Promise<DelegateGrant | undefined> {
    return this.#delegates.grant(principalId, delegateId);
  }

  async listDelegates(principalId?: number): Promise<Delegation[]> {
    return this.#delegates.list(principalId);
  }

  // Change sync (SQL in sync.ts)

  async itemChanges(mailboxId: number, folderId: number, from: ItemSyncCursor, max: number): Promise<ItemChangePage> {
    return this.#sync.itemChanges(mailboxId, folderId, from, max);
  }

  async folderChanges(mailboxId: number, rootId: number, since: number): Promise<FolderChangeSet> {
    return this.#sync.folderChanges(mailboxId, rootId, since);
  }

  async serverSecret(name: string): Promise<Buffer> {
    return this.#sync.serverSecret(name);
  }

  async purgeTombstones(before: Date): Promise<number> {
    return this.#sync.purgeTombstones(before.getTime());
  }

  async reclaimSpace(): Promise<boolean> {
    return this.#mime.reclaim();
  }

  // Outbound mail queue (SQL in outbound.ts)

  async enqueueOutbound(message: NewOutboundMessage): Promise<number> {
    return this.#outbound.enqueue(message);
  }

  async claimOutbound(now: Date, leaseMs: number, limit: number, owner: number): Promise<ClaimedMessage[]> {
    return this.#outbound.claim(now.getTime(), leaseMs, limit, owner);
  }

  async outboundClaimOwners(): Promise<number[]> {
    return this.#outbound.claimOwners();
  }

  async releaseOutboundClaims(now: Date, owners: number[]): Promise<number> {
    return this.#outbound.releaseClaims(now.getTime(), owners);
  }

  async retryOutboundNow(now: Date, ids?: number[]): Promise<number> {
    return this.#outbound.retryNow(now.getTime(), ids);
  }

  async recordOutboundResults(messageId: number, results: RecipientResult[], nextAttemptAt: Date, lastError: string | null): Promise<void> {
    this.#outbound.recordResults(messageId, results, nextAttemptAt.getTime(), lastError);
  }

  async markOutboundBounced(messageId: number, addresses: string[]): Promise<void> {
    this.#outbound.markBounced(messageId, addresses);
  }

  async nextOutboundAttempt(): Promise<Date | undefined> {
    const at = this.#outbound.nextAttemptAt();
    return at === undefined ? undefined : new Date(at);
  }

  async listOutbound(): Promise<OutboundSummary[]> {
    return this.#outbound.list();
  }

  #folder(mailboxId: number, folderId: number): Folder | undefined {
    const row = this.sql(`SELECT ${FOLDER_COLUMNS} FROM folders f WHERE f.id = ? AND f.mailbox_id = ?`).get(folderId, mailboxId);
    return row ? toFolder(row as FolderRow) : undefined;
  }

  #insertFolder(
    mailboxId: number,
    parentId: number | null,
    f: { displayName: string; folderClass: string | null; hidden: boolean; distinguished: string | null; isSearch: boolean },
  ): number {
    const now = Date.now();
    const modseq = this.nextModseq(mailboxId);
    const row = this.#nameClash(
      () =>
        this.sql(
          // A deleted folder's id is not handed out again while its tombstone lives (ids are in sync states and FolderIds).
          `INSERT INTO folders (id, mailbox_id, parent_id, distinguished, display_name, folder_class, is_search, hidden, modseq, created_modseq, hier_modseq, created_at, modified_at)
           VALUES (max((SELECT coalesce(max(id), 0) FROM folders), (SELECT coalesce(max(folder_id), 0) FROM folder_tombstones)) + 1,
             ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
        ).get(mailboxId, parentId, f.distinguished, f.displayName, f.folderClass, f.isSearch ? 1 : 0, f.hidden ? 1 : 0, modseq, modseq, modseq, now, now) as {
          id: number;
        },
    );
    return row.id;
  }

  /** Folder tombstones for a folder and everything below it, before they are deleted (SyncFolderHierarchy reports them). */
  #recordRemoval(mailboxId: number, folder: Folder): void {
    const modseq = this.nextModseq(mailboxId);
    for (const f of [folder, ...this.#descendants(mailboxId, folder.id)]) this.#sync.recordFolderChange(mailboxId, f, 'delete', modseq);
  }

  /** A folder's child list changed: its ChangeKey (and sync state) must move on. */
  #touchFolder(mailboxId: number, folderId: number): void {
    this.sql('UPDATE folders SET modseq = ?, modified_at = ? WHERE id = ?').run(this.nextModseq(mailboxId), Date.now(), folderId);
  }

  #nameClash<T>(write: () => T): T {
    try {
      return write();
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new StoreError('exists', 'a folder with that name already exists');
      throw err;
    }
  }
}
