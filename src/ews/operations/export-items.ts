// ExportItems: https://learn.microsoft.com/exchange/client-developer/web-service-reference/exportitems-operation
import { encodeItemStream } from '../../export/item-stream.js';
import { itemToMessage } from '../../export/item-mapping.js';
import { EwsError } from '../errors.js';
import { itemIdAttrs, itemIdElements, resolveItemRef } from '../items/item-ids.js';
import { loadExportSource } from '../items/item-export.js';
import type { Operation } from '../operation.js';
import { batchResponse } from '../response.js';

/**
 * One ExportItemsResponseMessage per ItemId, in order: the item's current ItemId and its full
 * content as an item stream (docs/export-format.md). The ChangeKey is optional, as in Exchange;
 * one that is present but does not name the item's current version is ErrorInvalidChangeKey.
 * Items are read one at a time so that a batch of large items never sits in memory at once
 * (beyond the response being built).
 */
export const exportItems: Operation = {
  name: 'ExportItems',
  async handle(request, ctx) {
    const ids = itemIdElements(request.child('ItemIds'), request.line);
    return batchResponse({
      op: 'ExportItems',
      items: ids,
      ctx,
      async handle(el, w) {
        const ref = await resolveItemRef(ctx, el);
        const [item] = await ctx.store.items(ref.mailbox.id, [ref.itemId]);
        if (!item) throw new EwsError('ErrorItemNotFound');
        const current = itemIdAttrs(ref.mailbox, item);
        if (ref.changeKey !== undefined && ref.changeKey !== current.ChangeKey) throw new EwsError('ErrorInvalidChangeKey');
        const data = encodeItemStream(itemToMessage(await loadExportSource(ctx.store, ref.mailbox.id, item)));
        w.empty('m:ItemId', current).base64('m:Data', data);
      },
    });
  },
};
