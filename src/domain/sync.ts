/**
 * Change synchronisation (SyncFolderItems, SyncFolderHierarchy) in domain terms. See docs/sync.md.
 *
 * An item cursor is two mailbox modification sequence numbers:
 * - `known` (K): the client knows every item that entered the folder at or before K...
 * - `through` (T): ...as the folder stood at T (K <= T): every change up to T was reported;
 * - `base` (B <= T): each known item is held in a version at least as new as at B. B is the last
 *   T at which the client was caught up; a change of content after B is an Update, a change of
 *   the read flag alone a ReadFlagChange.
 * A page first reports what happened to known items after T (updates, read-flag changes,
 * deletions, by modseq), and only once that is caught up with the present does it report items
 * that entered after K (creates, by entry), moving T to the snapshot the page was read from.
 * Every page is one consistent read, so no change is lost or reported twice.
 */
import type { Folder } from './folder.js';
import type { Item } from './item.js';

export interface ItemSyncCursor {
  known: number;
  through: number;
  base: number;
}

export const FIRST_SYNC: ItemSyncCursor = { known: 0, through: 0, base: 0 };

export type ItemChange =
  | { kind: 'create' | 'update'; item: Item }
  | { kind: 'read-flag'; itemId: number; modseq: number; isRead: boolean }
  | { kind: 'delete'; itemId: number };

export interface ItemChangePage {
  changes: ItemChange[];
  next: ItemSyncCursor;
  /** Nothing further is pending: the client is up to date with the snapshot the page was read from. */
  complete: boolean;
}

/** Every change of a folder subtree since `through`, computed from one snapshot (hierarchies are small). */
export interface FolderChangeSet {
  /** The snapshot's mailbox modseq: the next state's `through`. */
  now: number;
  /** Parents before children. */
  creates: Folder[];
  updates: Folder[];
  deletes: number[];
}
