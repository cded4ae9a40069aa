import type { ItemListQuery } from '../store.js';
import type { SqlAccess } from './items.js';

/** Rows between two remembered sort keys: a deep page walks at most this many index entries. */
const STEP = 1000;
/** Listings remembered at once (folder x order); the oldest is forgotten first. */
const MAX_LISTINGS = 256;

/**
 * Orders with a plain keyset form, each the column of an index `(folder_id, column, ...)` that
 * also ends in the row id, so that `(column, id) > (?, ?)` seeks in that index. Other orders
 * (collations, CASE expressions, nullable or unindexed columns) page with OFFSET alone.
 */
const KEYSET_COLUMNS: Partial<Record<ItemListQuery['order'][number]['column'], string>> = {
  received: 'received_at',
  uid: 'uid',
};

interface Listing {
  /** The folder's modseq when the keys were read: every write to a folder's items moves it. */
  folderModseq: number;
  /** keys[k]: sort value and id of the row at position (k + 1) * STEP - 1. */
  keys: Array<{ value: number; id: number }>;
}

/**
 * Deep pages of big folders. `LIMIT n OFFSET o` walks o index entries before the page, so without
 * help a page at offset 90 000 costs 90 times one at offset 1 000 (IndexedPageItemView clients send
 * offsets, never the last key of the previous page). This remembers every STEP-th sort key of a
 * folder's listing, per order, for as long as the folder's modseq does not move; a deep page then
 * seeks to the nearest remembered key and walks fewer than STEP entries from there.
 */
export class ListingCheckpoints {
  readonly #listings = new Map<string, Listing>();

  constructor(private readonly s: SqlAccess) {}

  /**
   * The ids of one page of a folder's items in `query.order`, or undefined when this order or
   * offset is better served by OFFSET. Runs inside the caller's read transaction.
   */
  page(folderId: number, query: ItemListQuery): number[] | undefined {
    if (query.softDeleted || query.order.length !== 1 || query.offset < STEP) return undefined;
    const { column, descending } = query.order[0]!;
    const sqlColumn = KEYSET_COLUMNS[column];
    if (!sqlColumn) return undefined;
    const listing = this.#listing(folderId, sqlColumn, descending);
    const k = Math.min(Math.floor(query.offset / STEP), listing.keys.length) - 1;
    if (k < 0) return undefined;
    const from = listing.keys[k]!;
    const dir = descending ? 'DESC' : 'ASC';
    const rows = this.s
      .sql(
        `SELECT i.id FROM items i WHERE i.folder_id = ? AND (i.${sqlColumn}, i.id) ${descending ? '<' : '>'} (?, ?)
         ORDER BY i.${sqlColumn} ${dir}, i.id ${dir} LIMIT ? OFFSET ?`,
      )
      .all(folderId, from.value, from.id, query.limit ?? -1, query.offset - (k + 1) * STEP) as Array<{ id: number }>;
    return rows.map((r) => r.id);
  }

  #listing(folderId: number, column: string, descending: boolean): Listing {
    const folderModseq = (this.s.sql('SELECT modseq FROM folders WHERE id = ?').get(folderId) as { modseq: number }).modseq;
    const key = `${folderId}:${column}:${descending ? 'd' : 'a'}`;
    const known = this.#listings.get(key);
    if (known && known.folderModseq === folderModseq) return known;
    const dir = descending ? 'DESC' : 'ASC';
    // One pass over the folder's index in SQLite, once per folder version; shallow pages never get here.
    const keys = this.s
      .sql(
        `SELECT value, id FROM (
           SELECT i.${column} AS value, i.id, row_number() OVER (ORDER BY i.${column} ${dir}, i.id ${dir}) AS n FROM items i WHERE i.folder_id = ?
         ) WHERE n % ${STEP} = 0 ORDER BY n`,
      )
      .all(folderId) as Listing['keys'];
    const listing = { folderModseq, keys };
    this.#listings.delete(key);
    this.#listings.set(key, listing);
    if (this.#listings.size > MAX_LISTINGS) this.#listings.delete(this.#listings.keys().next().value!);
    return listing;
  }
}
