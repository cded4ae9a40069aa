// DeleteAttachment: https://learn.microsoft.com/exchange/client-developer/web-service-reference/deleteattachment-operation
import type { Item } from '../../domain/item.js';
import type { Outcome } from '../../store/store.js';
import { EwsError, SoapFault } from '../errors.js';
import { itemIdAttrs, resolveAttachmentRef, type AttachmentRef } from '../items/item-ids.js';
import { storeFailure } from '../items/store-errors.js';
import type { Operation } from '../operation.js';
import { batchResponse } from '../response.js';
import { addToGroup } from '../group.js';

/** Removes attachments in one transaction; each answer names the parent's new version (m:RootItemId). */
export const deleteAttachment: Operation = {
  name: 'DeleteAttachment',
  async handle(request, ctx) {
    const ids = request.child('AttachmentIds')?.children ?? [];
    if (ids.length === 0) throw SoapFault.schema("The element 'AttachmentIds' must contain at least one attachment id.", request.line);
    const refs: Array<AttachmentRef | EwsError> = [];
    for (const el of ids) refs.push(await resolveAttachmentRef(ctx, el).catch((err: unknown) => (err instanceof EwsError ? err : Promise.reject(err))));
    const results: Array<Outcome<Item> | EwsError> = [...refs] as Array<Outcome<Item> | EwsError>;
    const good = refs.map((r, i) => [r, i] as const).filter((e): e is readonly [AttachmentRef, number] => !(e[0] instanceof EwsError));
    const byMailbox = new Map<number, Array<readonly [AttachmentRef, number]>>();
    for (const g of good) addToGroup(byMailbox, g[0].mailbox.id, g);
    for (const [mailboxId, entries] of byMailbox) {
      const done = await ctx.store.deleteAttachments(mailboxId, entries.map(([r]) => ({ itemId: r.itemId, attachmentId: r.attachmentId })));
      entries.forEach(([, idx], k) => (results[idx] = done[k]!));
    }
    return batchResponse({
      op: 'DeleteAttachment',
      items: results,
      ctx,
      handle(result, w, i) {
        if (result instanceof EwsError) throw result;
        if (!result.ok) throw storeFailure(result.error);
        const root = itemIdAttrs((refs[i] as AttachmentRef).mailbox, result.value);
        w.empty('m:RootItemId', { RootItemId: root.Id, RootItemChangeKey: root.ChangeKey });
      },
    });
  },
};
