// DeleteItem: https://learn.microsoft.com/exchange/client-developer/web-service-reference/deleteitem-operation
import type { Outcome } from '../../store/store.js';
import type { ItemDisposal } from '../../store/store.js';
import { EwsError, SoapFault } from '../errors.js';
import type { Operation } from '../operation.js';
import { batchResponse } from '../response.js';
import { itemIdElements, resolveItemRef, type ItemRef } from '../items/item-ids.js';
import { storeFailure } from '../items/store-errors.js';
import { addToGroup } from '../group.js';

const DISPOSALS: Record<string, ItemDisposal> = { HardDelete: 'hard', SoftDelete: 'soft', MoveToDeletedItems: 'deleted-items' };

/**
 * Deletes in one transaction per mailbox. As Exchange documents (and the seed relies on), a
 * well-formed id of an item that no longer exists is a Success. AffectedTaskOccurrences,
 * SendMeetingCancellations and SuppressReadReceipts are accepted; they have nothing to act on yet.
 */
export const deleteItem: Operation = {
  name: 'DeleteItem',
  async handle(request, ctx) {
    const deleteType = request.attr('DeleteType');
    const disposal = deleteType === undefined ? undefined : DISPOSALS[deleteType];
    if (!disposal) throw SoapFault.schema(`The DeleteType '${deleteType ?? ''}' is invalid.`, request.line);
    const ids = itemIdElements(request.child('ItemIds'), request.line);
    const refs: Array<ItemRef | EwsError> = [];
    for (const el of ids) {
      try {
        refs.push(await resolveItemRef(ctx, el));
      } catch (err) {
        if (!(err instanceof EwsError)) throw err;
        refs.push(err);
      }
    }
    const results: Array<Outcome<boolean> | EwsError> = refs.map((r) => (r instanceof EwsError ? r : { ok: true, value: false }));
    const byMailbox = new Map<number, number[]>();
    refs.forEach((r, i) => {
      if (!(r instanceof EwsError)) addToGroup(byMailbox, r.mailbox.id, i);
    });
    for (const [mailboxId, indexes] of byMailbox) {
      const done = await ctx.store.deleteItems(mailboxId, indexes.map((i) => (refs[i] as ItemRef).itemId), disposal);
      indexes.forEach((idx, k) => (results[idx] = done[k]!));
    }
    return batchResponse({
      op: 'DeleteItem',
      items: results,
      ctx,
      handle(result) {
        if (result instanceof EwsError) throw result;
        if (!result.ok) throw storeFailure(result.error);
      },
    });
  },
};
