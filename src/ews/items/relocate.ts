import type { Folder } from '../../domain/folder.js';
import type { Item } from '../../domain/item.js';
import type { Mailbox } from '../../domain/mailbox.js';
import type { XmlElement } from '../../soap/xml-element.js';
import type { XmlWriter } from '../../soap/xml-writer.js';
import type { Outcome } from '../../store/store.js';
import type { RequestContext } from '../context.js';
import { EwsError, SoapFault } from '../errors.js';
import { resolveFolder } from '../folders/resolve-folder.js';
import { batchResponse } from '../response.js';
import { itemIdAttrs, itemIdElements, resolveItemRef, type ItemRef } from './item-ids.js';
import { itemElement } from './item-xml.js';
import { storeFailure } from './store-errors.js';

/**
 * MoveItem and CopyItem: resolve the destination once, the ids per item, then one store
 * transaction; each answer carries the new ItemId (exchangelib reads it; `ReturnNewItemIds`
 * false leaves `m:Items` empty).
 */
export async function relocateItems(request: XmlElement, ctx: RequestContext, op: 'MoveItem' | 'CopyItem'): Promise<XmlWriter> {
  const toEl = request.child('ToFolderId')?.children[0];
  if (!toEl) throw SoapFault.schema("The element 'ToFolderId' is required.", request.line);
  const ids = itemIdElements(request.child('ItemIds'), request.line);
  const returnIds = request.attr('ReturnNewItemIds') !== 'false';
  let target: { mailbox: Mailbox; folder: Folder } | EwsError;
  try {
    target = await resolveFolder(ctx, toEl);
  } catch (err) {
    if (!(err instanceof EwsError)) throw err;
    target = err;
  }
  const refs: Array<ItemRef | EwsError> = [];
  for (const el of ids) {
    try {
      if (target instanceof EwsError) throw target;
      const ref = await resolveItemRef(ctx, el);
      if (ref.mailbox.id !== target.mailbox.id) throw new EwsError('ErrorAccessDenied', 'Items can only be moved or copied within their mailbox.');
      refs.push(ref);
    } catch (err) {
      if (!(err instanceof EwsError)) throw err;
      refs.push(err);
    }
  }
  const results: Array<Outcome<Item> | EwsError> = [...refs] as Array<Outcome<Item> | EwsError>;
  const good = refs.map((r, i) => [r, i] as const).filter((e): e is readonly [ItemRef, number] => !(e[0] instanceof EwsError));
  if (!(target instanceof EwsError) && good.length) {
    const itemIds = good.map(([r]) => r.itemId);
    const done =
      op === 'MoveItem'
        ? await ctx.store.moveItems(target.mailbox.id, itemIds, target.folder.id)
        : await ctx.store.copyItems(target.mailbox.id, itemIds, target.folder.id);
    good.forEach(([, idx], k) => (results[idx] = done[k]!));
  }
  return batchResponse({
    op,
    items: results,
    ctx,
    errorPayload: (w) => w.empty('m:Items'),
    handle(result, w) {
      if (result instanceof EwsError) throw result;
      if (!result.ok) throw storeFailure(result.error);
      if (!returnIds) return void w.empty('m:Items');
      const el = `t:${itemElement(result.value.props.itemClass)}`;
      w.open('m:Items').open(el).empty('t:ItemId', itemIdAttrs((target as { mailbox: Mailbox }).mailbox, result.value)).close(el).close('m:Items');
    },
  });
}
