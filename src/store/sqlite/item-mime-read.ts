import type { Statement } from 'better-sqlite3';
import type { ItemWithMime } from '../store.js';
import type { MimeRow, MimeSegments } from './mime-segments.js';

/** `bytes` is null when the item has no MIME (the LEFT JOIN found no row). */
interface Row extends Omit<MimeRow, 'bytes'> {
  id: number;
  modseq: number;
  item_class: string;
  bytes: Buffer | null;
}

/**
 * The narrow read behind GetItem of ids and MIME content: one statement for the whole batch,
 * reading neither the props JSON nor extended properties nor attachment rows. Only items of
 * `mailboxId` are returned, so an id of another mailbox reads as missing (`+`: see selectItemRows).
 */
export function itemsWithMime(sql: (text: string) => Statement, segments: MimeSegments, mailboxId: number, itemIds: readonly number[]): Array<ItemWithMime | undefined> {
  if (itemIds.length === 0) return [];
  const rows = sql(
    `SELECT i.id, i.modseq, i.item_class, m.bytes, m.segment_id, m.byte_offset, m.byte_length FROM items i LEFT JOIN item_mime m ON m.item_id = i.id
     WHERE i.id IN (SELECT value FROM json_each(?)) AND +i.mailbox_id = ?`,
  ).all(JSON.stringify(itemIds), mailboxId) as Row[];
  const byId = new Map<number, ItemWithMime>();
  for (const r of rows) byId.set(r.id, { id: r.id, modseq: r.modseq, itemClass: r.item_class, mime: r.bytes === null ? undefined : segments.bytesOf(r as MimeRow) });
  return itemIds.map((id) => byId.get(id));
}
