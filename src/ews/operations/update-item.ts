// UpdateItem: https://learn.microsoft.com/exchange/client-developer/web-service-reference/updateitem-operation
import type { Item } from '../../domain/item.js';
import type { Outcome } from '../../store/store.js';
import { EwsError, SoapFault } from '../errors.js';
import type { Operation } from '../operation.js';
import { batchResponse } from '../response.js';
import { applyChanges, parseUpdates, type ConflictResolution } from '../items/item-changes.js';
import { resolveItemRef, itemIdAttrs, type ItemRef } from '../items/item-ids.js';
import { itemElement } from '../items/item-xml.js';
import { storeFailure } from '../items/store-errors.js';

const MODES = new Set(['NeverOverwrite', 'AutoResolve', 'AlwaysOverwrite']);
const DISPOSITIONS = new Set(['SaveOnly', 'SendOnly', 'SendAndSaveCopy']);

interface Prepared {
  ref: ItemRef;
  changes: ReturnType<typeof parseUpdates>;
}

export const updateItem: Operation = {
  name: 'UpdateItem',
  async handle(request, ctx) {
    const mode = request.attr('ConflictResolution') ?? 'AutoResolve';
    if (!MODES.has(mode)) throw SoapFault.schema(`The ConflictResolution '${mode}' is invalid.`, request.line);
    const disposition = request.attr('MessageDisposition') ?? 'SaveOnly';
    if (!DISPOSITIONS.has(disposition)) throw SoapFault.schema(`The MessageDisposition '${disposition}' is invalid.`, request.line);
    const changeEls = request.child('ItemChanges')?.all('ItemChange') ?? [];
    if (changeEls.length === 0) throw SoapFault.schema("The element 'ItemChanges' must contain at least one change.", request.line);

    const prepared: Array<Prepared | EwsError> = [];
    for (const el of changeEls) {
      try {
        if (disposition !== 'SaveOnly') {
          throw new EwsError('ErrorInvalidOperation', `MessageDisposition '${disposition}' is not supported yet: this server cannot send mail.`);
        }
        const idEl = el.child('ItemId');
        if (!idEl) throw new EwsError('ErrorInvalidIdMalformed', 'Only t:ItemId is supported in an item change.');
        const ref = await resolveItemRef(ctx, idEl);
        prepared.push({ ref, changes: parseUpdates(el.child('Updates')) });
      } catch (err) {
        if (!(err instanceof EwsError)) throw err;
        prepared.push(err);
      }
    }

    // One transaction per mailbox touched (in practice one): all changes or per-item failures.
    const results: Array<Outcome<Item> | EwsError> = prepared.map((p) => (p instanceof EwsError ? p : { ok: false, error: undefined }));
    const byMailbox = new Map<number, number[]>();
    prepared.forEach((p, i) => {
      if (!(p instanceof EwsError)) byMailbox.set(p.ref.mailbox.id, [...(byMailbox.get(p.ref.mailbox.id) ?? []), i]);
    });
    for (const [mailboxId, indexes] of byMailbox) {
      const updates = indexes.map((i) => {
        const p = prepared[i] as Prepared;
        return { itemId: p.ref.itemId, change: (current: Item) => applyChanges(current, p.changes, p.ref.changeKey, mode as ConflictResolution) };
      });
      const done = await ctx.store.updateItems(mailboxId, updates);
      indexes.forEach((idx, k) => (results[idx] = done[k]!));
    }

    return batchResponse({
      op: 'UpdateItem',
      items: results,
      ctx,
      errorPayload: (w) => w.empty('m:Items'),
      handle(result, w, i) {
        if (result instanceof EwsError) throw result;
        if (!result.ok) throw storeFailure(result.error);
        const { ref } = prepared[i] as Prepared;
        const el = `t:${itemElement(result.value.props.itemClass)}`;
        w.open('m:Items').open(el).empty('t:ItemId', itemIdAttrs(ref.mailbox, result.value)).close(el).close('m:Items');
        w.open('m:ConflictResults').leaf('t:Count', 0).close('m:ConflictResults');
      },
    });
  },
};
