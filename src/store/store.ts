import type { Account, Mailbox } from '../domain/mailbox.js';
import type { Folder } from '../domain/folder.js';
import type { AttachedItem, Attachment, Item, MessageProps, NewAttachment, NewItem } from '../domain/item.js';
import type { DelegateGrant, Delegation } from '../domain/delegate.js';
import type { FolderChangeSet, ItemChangePage, ItemSyncCursor } from '../domain/sync.js';
import type { ClaimedMessage, NewOutboundMessage, OutboundSummary, RecipientResult } from '../domain/outbound.js';

/**
 * Everything ewsd keeps, behind one narrow, domain-shaped contract. All SQL lives in the
 * implementations; every method that writes commits durably before its promise resolves.
 * The interface is asynchronous so that a networked backend (PostgreSQL) fits the same shape;
 * the conformance suite in test/store-conformance.ts runs against every implementation.
 */
export interface Store {
  close(): Promise<void>;

  // Accounts and their mailboxes
  /** Creates the account, its mailbox and its distinguished folders. Throws `StoreError('exists')`. */
  createAccount(input: NewAccount): Promise<Account>;
  accountByEmail(email: string): Promise<Account | undefined>;
  listAccounts(): Promise<Account[]>;
  /** Removes the account and everything in its mailbox. */
  removeAccount(email: string): Promise<boolean>;
  setPasswordHash(email: string, passwordHash: string): Promise<boolean>;
  mailboxByGuid(guid: string): Promise<Mailbox | undefined>;

  // Folders
  folder(mailboxId: number, folderId: number): Promise<Folder | undefined>;
  distinguishedFolder(mailboxId: number, distinguishedId: string): Promise<Folder | undefined>;
  /** Direct children, ordered by display name. */
  childFolders(mailboxId: number, parentId: number): Promise<Folder[]>;
  /** Every folder below `rootId` (not `rootId` itself), parents before children. */
  descendantFolders(mailboxId: number, rootId: number): Promise<Folder[]>;
  /** Throws `StoreError('exists')` when the parent already has a folder of that name. */
  createFolder(mailboxId: number, parentId: number, input: NewFolder): Promise<Folder>;
  /** Throws `StoreError('exists')` on a name clash. */
  updateFolder(mailboxId: number, folderId: number, changes: FolderChanges): Promise<Folder>;
  /** Deletes the folder, its subfolders and their items. */
  deleteFolder(mailboxId: number, folderId: number): Promise<void>;
  /**
   * Throws `StoreError('exists')` on a name clash, `StoreError('invalid')` when moving into its own subtree.
   * `newName` renames the folder in the same transaction (a folder moved to Deleted Items next to a namesake).
   */
  moveFolder(mailboxId: number, folderId: number, newParentId: number, newName?: string): Promise<Folder>;
  /**
   * Copies the folder and its subfolders under `newParentId` and returns the copy. The copies are
   * ordinary folders (never distinguished). Throws like {@link moveFolder}.
   */
  copyFolder(mailboxId: number, folderId: number, newParentId: number): Promise<Folder>;

  // Items. Batch methods run in ONE transaction (group commit); each entry succeeds or fails on
  // its own (a failed entry leaves nothing behind) and results come back in input order.
  /** Creates items in a folder; each gets the mailbox's next modseq and the folder's next UID. */
  createItems(mailboxId: number, folderId: number, items: readonly NewItem[]): Promise<Array<Outcome<Item>>>;
  /** Local delivery: creates items in several mailboxes' folders, all or nothing, in one transaction. */
  deliverItems(deliveries: ReadonlyArray<{ mailboxId: number; folderId: number; item: NewItem }>): Promise<Item[]>;
  /**
   * UploadItems / `ewsd import`: creates items, or replaces the item named by `replaceItemId` (same
   * id, new version; `not-found` unless it is in `folderId`). Items keep the dates and size they carry.
   */
  uploadItems(mailboxId: number, uploads: readonly ItemUpload[]): Promise<Array<Outcome<UploadResult>>>;
  /** Items by id (undefined where missing), with attachment metadata. */
  items(mailboxId: number, itemIds: readonly number[]): Promise<Array<Item | undefined>>;
  /**
   * A folder's items in `order` (ties broken by id), `offset`/`limit` applied; `limit` undefined
   * means all (callers that filter in memory). Ordered columns are indexed or cheap to sort.
   */
  folderItems(mailboxId: number, folderId: number, query: ItemListQuery): Promise<Item[]>;
  /** The MIME an item was created from, if it was. */
  itemMime(mailboxId: number, itemId: number): Promise<Buffer | undefined>;
  /**
   * Items' version, class and stored MIME (undefined where the item is missing, `mime` undefined
   * where it was not created from MIME), in one read: what GetItem of ids and MimeContent needs,
   * without loading whole items.
   */
  itemsWithMime(mailboxId: number, itemIds: readonly number[]): Promise<Array<ItemWithMime | undefined>>;
  /**
   * Bytes of file attachments / messages of item attachments, by attachment id: all of the item's,
   * or `only` those. `mime`: the item's stored MIME (from {@link itemMime}), when the caller has it
   * already, for the attachments kept inside it.
   */
  attachmentContents(mailboxId: number, itemId: number, only?: readonly number[], mime?: Buffer): Promise<Map<number, AttachmentContent>>;
  /**
   * Applies changes computed from each item's current state, read inside the transaction.
   * `change` may throw to fail that entry only; `not-found` when the item does not exist.
   */
  updateItems(mailboxId: number, updates: readonly ItemUpdate[]): Promise<Array<Outcome<Item>>>;
  /**
   * UpdateItem's commonest request, narrowly: sets IsRead on each item (a new version of it, kept
   * as a read-flag change for sync) without reading or rewriting its other properties. `decide`
   * sees the item's version inside the transaction and returns the new flag, or throws to fail that
   * entry only (a ChangeKey conflict); `not-found` when the item does not exist. Same semantics as
   * an {@link updateItems} change of the flag alone, in one transaction, results in input order.
   */
  setReadFlags(mailboxId: number, updates: readonly ReadFlagUpdate[]): Promise<Array<Outcome<ItemVersion>>>;
  /** Deletes or moves to the recoverable/deleted-items folders; `false` where the item did not exist. */
  deleteItems(mailboxId: number, itemIds: readonly number[], disposal: ItemDisposal): Promise<Array<Outcome<boolean>>>;
  /** Moves items (each gets a NEW id, as in Exchange; history such as dates is kept). `not-found` per missing item or folder. */
  moveItems(mailboxId: number, itemIds: readonly number[], targetFolderId: number): Promise<Array<Outcome<Item>>>;
  /** Copies items, attachments and MIME included, into a folder. */
  copyItems(mailboxId: number, itemIds: readonly number[], targetFolderId: number): Promise<Array<Outcome<Item>>>;
  /** Sets IsRead on every item of each folder that differs; each changed item gets a new modseq. Returns how many changed. */
  markAllItemsRead(mailboxId: number, folderIds: readonly number[], isRead: boolean): Promise<Array<Outcome<number>>>;
  /** Disposes of every item of a folder; with `deleteSubFolders`, its subfolders (and their items) are removed too. */
  emptyFolder(mailboxId: number, folderId: number, disposal: ItemDisposal, deleteSubFolders: boolean): Promise<void>;
  /** Adds attachments to an item (a new version of it). */
  addAttachments(mailboxId: number, itemId: number, attachments: readonly NewAttachment[]): Promise<{ item: Item; added: Attachment[] }>;
  /** Removes attachments, each from its item; returns the item's new version per entry. */
  deleteAttachments(mailboxId: number, refs: ReadonlyArray<{ itemId: number; attachmentId: number }>): Promise<Array<Outcome<Item>>>;
  // Sending (see src/items/send.ts)
  /**
   * Commits sends in ONE transaction, each entry in its own savepoint (a failed entry leaves
   * nothing): the draft leaves its folder, the saved copy is created, local recipients get their
   * Inbox items and remote recipients their outbound-queue rows, all or nothing per entry.
   * `source.modseq` must still be the draft's (else `StoreError('conflict')`); a missing draft is
   * `StoreError('not-found')`.
   */
  submitMessages(submissions: readonly Submission[]): Promise<Array<Outcome<Submitted>>>;

  // Delegates (principal and delegate are mailbox ids)
  /** Creates or replaces the grant. */
  setDelegate(principalId: number, delegateId: number, grant: DelegateGrant): Promise<void>;
  removeDelegate(principalId: number, delegateId: number): Promise<boolean>;
  /** What `delegateId` may do in `principalId`'s mailbox, if anything. */
  delegateGrant(principalId: number, delegateId: number): Promise<DelegateGrant | undefined>;
  /** Every delegation (of one principal when given), by principal then delegate address. */
  listDelegates(principalId?: number): Promise<Delegation[]>;

  // Change sync (docs/sync.md). Each page is read from one consistent snapshot.
  /**
   * One page of a folder's item changes after `from`, at most `max`. Costs in proportion to the
   * changes since `from`, never to the folder's size. Throws `StoreError('not-found')` for a missing
   * folder, `StoreError('expired')` when tombstones the cursor needs were purged, `StoreError('invalid')`
   * for a cursor this mailbox never handed out (from the future).
   */
  itemChanges(mailboxId: number, folderId: number, from: ItemSyncCursor, max: number): Promise<ItemChangePage>;
  /** The changes of the folders below `rootId` since modseq `since` (0: everything). Throws like {@link itemChanges}. */
  folderChanges(mailboxId: number, rootId: number, since: number): Promise<FolderChangeSet>;
  /** A random 32-byte secret kept with the data (created on first use), the same for every process. */
  serverSecret(name: string): Promise<Buffer>;
  /** Drops item and folder tombstones older than `before`; states that needed them become expired. Returns how many. */
  purgeTombstones(before: Date): Promise<number>;
  /** One bounded step of giving back the space of deleted content; true when it did something and more may follow. */
  reclaimSpace(): Promise<boolean>;

  // Outbound mail queue (remote recipients; see src/delivery/outbound-queue.ts)
  /** Commits the message with every recipient pending, due now. Returns its queue id. */
  enqueueOutbound(message: NewOutboundMessage): Promise<number>;
  /** Claims up to `limit` due messages for one delivery pass of worker `owner` (a process id), as a lease of `leaseMs`; counts the attempt. */
  claimOutbound(now: Date, leaseMs: number, limit: number, owner: number): Promise<ClaimedMessage[]>;
  /** The workers (process ids) currently holding claims. */
  outboundClaimOwners(): Promise<number[]>;
  /** Makes the messages claimed by these (dead) workers due now. Returns how many. */
  releaseOutboundClaims(now: Date, owners: number[]): Promise<number>;
  /** Makes waiting messages (all, or the given ids) due now, e.g. once the relay is fixed. Returns how many. */
  retryOutboundNow(now: Date, ids?: number[]): Promise<number>;
  /** Commits a pass's per-recipient outcomes and the next attempt; a finished message leaves the queue. */
  recordOutboundResults(messageId: number, results: RecipientResult[], nextAttemptAt: Date, lastError: string | null): Promise<void>;
  /** The non-delivery report for these failed recipients has reached the sender. */
  markOutboundBounced(messageId: number, addresses: string[]): Promise<void>;
  /** When the earliest queued message is due (or its claim lapses); undefined when the queue is empty. */
  nextOutboundAttempt(): Promise<Date | undefined>;
  /** Every waiting message with its recipients, oldest first (for `ewsd queue list`). */
  listOutbound(): Promise<OutboundSummary[]>;
}

/** One message being sent. */
export interface Submission {
  /** The stored item being sent: removed from its folder when `remove` (a draft), left alone otherwise (a resend). */
  source?: { mailboxId: number; itemId: number; modseq: number; remove: boolean };
  /** The copy kept by the sender (Sent Items or the folder asked for). */
  copy?: { mailboxId: number; folderId: number; item: NewItem };
  /** Local recipients' Inbox items. */
  deliveries: ReadonlyArray<{ mailboxId: number; folderId: number; item: NewItem }>;
  /** Remote recipients. */
  outbound?: NewOutboundMessage;
}

export interface Submitted {
  copy?: Item;
  delivered: Item[];
  outboundId?: number;
}

export type ItemSortColumn = 'received' | 'subject' | 'size' | 'read' | 'class' | 'created' | 'modified' | 'sent' | 'importance' | 'from' | 'uid' | 'id';

export interface ItemListQuery {
  order: ReadonlyArray<{ column: ItemSortColumn; descending: boolean }>;
  /** List the items soft-deleted from the folder (now in recoverableitemsdeletions) instead of its contents. */
  softDeleted?: boolean;
  offset: number;
  limit?: number;
  /** `false` for listings that never show the body (FindItem pages): it is then not read at all. */
  withBody?: boolean;
}

export interface ItemWithMime {
  id: number;
  modseq: number;
  itemClass: string;
  mime: Buffer | undefined;
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

export type AttachmentContent = { kind: 'file'; content: Buffer } | { kind: 'item'; item: AttachedItem };

export interface ItemUpload {
  folderId: number;
  item: NewItem;
  replaceItemId?: number;
  /**
   * Identity of the item in an import source (`ewsd import`). An item already imported under the
   * same key into the same folder, and still there, is not created again (`skipped`).
   */
  importKey?: string;
}

export interface UploadResult {
  item: Item;
  skipped: boolean;
}

export interface ItemUpdate {
  itemId: number;
  /** Returns the new properties and the names of the fields it changed (for per-field versions). */
  change(current: Item): ItemPatch;
}

export interface ReadFlagUpdate {
  itemId: number;
  decide(current: ReadFlagState): boolean;
}

/** What a read-flag change may look at (the conflict check of its ChangeKey). */
export interface ReadFlagState {
  modseq: number;
  /** The modseq of the field's last change (0: not since the item was created); read only when asked for. */
  fieldVersion(field: string): number;
}

/** An item's identity after a write. */
export interface ItemVersion {
  id: number;
  modseq: number;
  itemClass: string;
}

export interface ItemPatch {
  props: MessageProps;
  changedFields: readonly string[];
  /** The stored MIME no longer matches the properties: forget it (MIME is then composed from them). */
  dropMime?: boolean;
}

/**
 * `hard`: gone (a tombstone remains for sync). `soft`: moved to recoverableitemsdeletions.
 * `deleted-items`: moved to deleteditems (soft-deleted when already there).
 */
export type ItemDisposal = 'hard' | 'soft' | 'deleted-items';

export interface NewAccount {
  email: string;
  displayName: string;
  passwordHash: string;
}

export interface NewFolder {
  displayName: string;
  folderClass: string | null;
  hidden?: boolean;
  /** A search folder (`t:SearchFolder`); its contents are computed, never stored. */
  isSearchFolder?: boolean;
}

export interface FolderChanges {
  displayName?: string;
  folderClass?: string | null;
  hidden?: boolean;
}

/** `conflict`: the item changed since the version the caller worked from; `expired`: sync history the caller needs was purged. */
export type StoreErrorKind = 'exists' | 'not-found' | 'invalid' | 'conflict' | 'expired';

/** A domain-level refusal by the store (never a driver error). */
export class StoreError extends Error {
  constructor(
    readonly kind: StoreErrorKind,
    message: string,
  ) {
    super(message);
  }
}
