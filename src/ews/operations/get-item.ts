// GetItem: https://learn.microsoft.com/exchange/client-developer/web-service-reference/getitem-operation
import type { Folder } from '../../domain/folder.js';
import type { Item } from '../../domain/item.js';
import type { Mailbox } from '../../domain/mailbox.js';
import type { XmlWriter } from '../../soap/xml-writer.js';
import type { ItemWithMime } from '../../store/store.js';
import type { RequestContext } from '../context.js';
import { asEwsError, EwsError } from '../errors.js';
import type { Operation } from '../operation.js';
import { batchResponse } from '../response.js';
import { itemIdElements, resolveItemRef, type ItemRef } from '../items/item-ids.js';
import { composeItemMime } from '../items/item-mime.js';
import { parseItemShape, type ItemShape } from '../items/item-shape.js';
import { isMimeOnlyShape, writeItem, writeItemHead, type ItemExtras } from '../items/item-xml.js';

export const getItem: Operation = {
  name: 'GetItem',
  async handle(request, ctx) {
    const shape = parseItemShape(request.child('ItemShape'));
    const ids = itemIdElements(request.child('ItemIds'), request.line);
    const refs = await Promise.all(ids.map((el) => resolveItemRef(ctx, el).catch((err: unknown) => asEwsError(err))));
    if (isMimeOnlyShape(shape)) return mimeOnlyResponse(ctx, refs, shape);
    const items = await loadItems(ctx, refs);
    const folders = new Map<string, Folder | undefined>();
    return itemsResponse(ctx, refs, items, async (w, ref, item) => {
      const extras: ItemExtras = {};
      if (shape.fields.has('ParentFolderId')) {
        const key = `${ref.mailbox.id}:${item.folderId}`;
        if (!folders.has(key)) folders.set(key, await ctx.store.folder(ref.mailbox.id, item.folderId));
        const parent = folders.get(key);
        if (parent) extras.parent = parent;
      }
      if (shape.fields.has('MimeContent')) extras.mime = await itemMime(ctx, ref.mailbox, item);
      writeItem(w, ref.mailbox, item, shape, extras);
    });
  },
};

/** One ResponseMessage per id, in order: the id's error, ErrorItemNotFound, or what `write` puts in m:Items. */
function itemsResponse<T>(
  ctx: RequestContext,
  refs: ReadonlyArray<ItemRef | EwsError>,
  found: ReadonlyArray<T | undefined>,
  write: (w: XmlWriter, ref: ItemRef, item: T) => Promise<void>,
): Promise<XmlWriter> {
  return batchResponse({
    op: 'GetItem',
    items: refs,
    ctx,
    errorPayload: (w) => w.empty('m:Items'),
    async handle(ref, w, i) {
      if (ref instanceof EwsError) throw ref;
      const item = found[i];
      if (item === undefined) throw new EwsError('ErrorItemNotFound');
      w.open('m:Items');
      await write(w, ref, item);
      w.close('m:Items');
    },
  });
}

/**
 * GetItem of ids and MimeContent only (what sync clients fetch messages with): one narrow read
 * per mailbox for id, version, class and stored MIME, instead of whole items. Items that were
 * not created from MIME get their MIME composed from the full item, as on the general path.
 */
async function mimeOnlyResponse(ctx: RequestContext, refs: ReadonlyArray<ItemRef | EwsError>, shape: ItemShape): Promise<XmlWriter> {
  const heads = await loadPerMailbox<ItemWithMime>(refs, (mailboxId, itemIds) => ctx.store.itemsWithMime(mailboxId, itemIds));
  return itemsResponse(ctx, refs, heads, async (w, ref, head) => {
    let mime = head.mime;
    if (!mime) {
      const [item] = await ctx.store.items(ref.mailbox.id, [ref.itemId]);
      if (!item) throw new EwsError('ErrorItemNotFound');
      mime = await itemMime(ctx, ref.mailbox, item);
    }
    writeItemHead(w, ref.mailbox, head, shape, mime);
  });
}

/** One store read per mailbox for the whole batch. */
function loadItems(ctx: RequestContext, refs: ReadonlyArray<ItemRef | EwsError>): Promise<Array<Item | undefined>> {
  return loadPerMailbox(refs, (mailboxId, itemIds) => ctx.store.items(mailboxId, itemIds));
}

/** Runs `read` once per mailbox named by `refs` and spreads its results back in request order. */
async function loadPerMailbox<T>(refs: ReadonlyArray<ItemRef | EwsError>, read: (mailboxId: number, itemIds: number[]) => Promise<Array<T | undefined>>): Promise<Array<T | undefined>> {
  const out: Array<T | undefined> = new Array(refs.length);
  const byMailbox = new Map<number, number[]>();
  refs.forEach((r, i) => {
    if (r instanceof EwsError) return;
    const list = byMailbox.get(r.mailbox.id) ?? [];
    list.push(i);
    byMailbox.set(r.mailbox.id, list);
  });
  for (const [mailboxId, indexes] of byMailbox) {
    const found = await read(mailboxId, indexes.map((i) => (refs[i] as ItemRef).itemId));
    indexes.forEach((idx, k) => (out[idx] = found[k]));
  }
  return out;
}

/** The original MIME when the item came from MIME, else MIME composed from its properties. */
async function itemMime(ctx: RequestContext, mailbox: Mailbox, item: Item): Promise<Buffer> {
  if (item.hasMime) {
    const raw = await ctx.store.itemMime(mailbox.id, item.id);
    if (raw) return raw;
  }
  const contents = item.attachments.length ? await ctx.store.attachmentContents(mailbox.id, item.id) : new Map();
  return composeItemMime(item, contents);
}

