// GetItem: https://learn.microsoft.com/exchange/client-developer/web-service-reference/getitem-operation
import type { Folder } from '../../domain/folder.js';
import type { Item } from '../../domain/item.js';
import type { Mailbox } from '../../domain/mailbox.js';
import type { RequestContext } from '../context.js';
import { EwsError } from '../errors.js';
import type { Operation } from '../operation.js';
import { batchResponse } from '../response.js';
import { itemIdElements, resolveItemRef, type ItemRef } from '../items/item-ids.js';
import { composeItemMime } from '../items/item-mime.js';
import { parseItemShape } from '../items/item-shape.js';
import { writeItem, type ItemExtras } from '../items/item-xml.js';

export const getItem: Operation = {
  name: 'GetItem',
  async handle(request, ctx) {
    const shape = parseItemShape(request.child('ItemShape'));
    const ids = itemIdElements(request.child('ItemIds'), request.line);
    const refs = await Promise.all(ids.map((el) => resolveItemRef(ctx, el).catch((err: unknown) => asEwsError(err))));
    const items = await loadItems(ctx, refs);
    const folders = new Map<string, Folder | undefined>();
    return batchResponse({
      op: 'GetItem',
      items: refs,
      ctx,
      errorPayload: (w) => w.empty('m:Items'),
      async handle(ref, w, i) {
        if (ref instanceof EwsError) throw ref;
        const item = items[i];
        if (!item) throw new EwsError('ErrorItemNotFound');
        const extras: ItemExtras = {};
        if (shape.fields.has('ParentFolderId')) {
          const key = `${ref.mailbox.id}:${item.folderId}`;
          if (!folders.has(key)) folders.set(key, await ctx.store.folder(ref.mailbox.id, item.folderId));
          const parent = folders.get(key);
          if (parent) extras.parent = parent;
        }
        if (shape.fields.has('MimeContent')) extras.mime = await itemMime(ctx, ref.mailbox, item);
        w.open('m:Items');
        writeItem(w, ref.mailbox, item, shape, extras);
        w.close('m:Items');
      },
    });
  },
};

/** One store read per mailbox for the whole batch. */
async function loadItems(ctx: RequestContext, refs: ReadonlyArray<ItemRef | EwsError>): Promise<Array<Item | undefined>> {
  const out: Array<Item | undefined> = new Array(refs.length);
  const byMailbox = new Map<number, number[]>();
  refs.forEach((r, i) => {
    if (r instanceof EwsError) return;
    const list = byMailbox.get(r.mailbox.id) ?? [];
    list.push(i);
    byMailbox.set(r.mailbox.id, list);
  });
  for (const [mailboxId, indexes] of byMailbox) {
    const found = await ctx.store.items(mailboxId, indexes.map((i) => (refs[i] as ItemRef).itemId));
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

function asEwsError(err: unknown): EwsError {
  if (err instanceof EwsError) return err;
  throw err;
}
