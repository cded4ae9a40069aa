// UpdateItem: https://learn.microsoft.com/exchange/client-developer/web-service-reference/updateitem-operation
import type { Item } from '../../domain/item.js';
import type { ItemVersion, Outcome, ReadFlagUpdate } from '../../store/store.js';
import { asEwsError, EwsError, SoapFault } from '../errors.js';
import type { Operation } from '../operation.js';
import { batchResponse } from '../response.js';
import { applyChanges, checkChangeKey, parseUpdates, readFlagOnly, readFlagValue, type ConflictResolution } from '../items/item-changes.js';
import { resolveItemRef, itemIdAttrs, type ItemRef } from '../items/item-ids.js';
import { itemElement } from '../items/item-xml.js';
import { storeFailure } from '../items/store-errors.js';
import { commitSends, prepareSend, sendFailure, sentItemsOf, storedContent } from '../items/submit.js';
import { isSendable } from '../../items/send.js';
import type { Submission } from '../../store/store.js';
import type { XmlElement } from '../../soap/xml-element.js';
import type { XmlWriter } from '../../soap/xml-writer.js';
import type { RequestContext } from '../context.js';
import { resolveFolder } from '../folders/resolve-folder.js';
import { addToGroup } from '../group.js';

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
        const idEl = el.child('ItemId');
        if (!idEl) throw new EwsError('ErrorInvalidIdMalformed', 'Only t:ItemId is supported in an item change.');
        const ref = await resolveItemRef(ctx, idEl);
        prepared.push({ ref, changes: parseUpdates(el.child('Updates')) });
      } catch (err) {
        if (!(err instanceof EwsError)) throw err;
        prepared.push(err);
      }
    }

    if (disposition !== 'SaveOnly') return sendUpdated(ctx, prepared, mode as ConflictResolution, disposition === 'SendAndSaveCopy', request.child('SavedItemFolderId'));

    // One transaction per mailbox touched (in practice one) and kind of change: all changes or per-item failures.
    const results: Array<Outcome<ItemVersion> | EwsError> = prepared.map((p) => (p instanceof EwsError ? p : { ok: false, error: undefined }));
    const byMailbox = new Map<number, number[]>();
    prepared.forEach((p, i) => {
      if (!(p instanceof EwsError)) addToGroup(byMailbox, p.ref.mailbox.id, i);
    });
    for (const [mailboxId, indexes] of byMailbox) {
      const { flags, others } = splitReadFlagChanges(prepared as Prepared[], indexes);
      if (flags.length > 0) {
        const updates = flags.map((i): ReadFlagUpdate => {
          const p = prepared[i] as Prepared;
          const value = readFlagOnly(p.changes)!;
          return {
            itemId: p.ref.itemId,
            decide: (current) => {
              checkChangeKey(current, p.changes, p.ref.changeKey, mode as ConflictResolution);
              return readFlagValue(value);
            },
          };
        });
        const done = await ctx.store.setReadFlags(mailboxId, updates);
        flags.forEach((idx, k) => (results[idx] = done[k]!));
      }
      if (others.length > 0) {
        const updates = others.map((i) => {
          const p = prepared[i] as Prepared;
          return { itemId: p.ref.itemId, change: (current: Item) => applyChanges(current, p.changes, p.ref.changeKey, mode as ConflictResolution) };
        });
        const done = await ctx.store.updateItems(mailboxId, updates);
        others.forEach((idx, k) => {
          const o = done[k]!;
          results[idx] = o.ok ? { ok: true, value: { id: o.value.id, modseq: o.value.modseq, itemClass: o.value.props.itemClass } } : o;
        });
      }
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
        const el = `t:${itemElement(result.value.itemClass)}`;
        w.open('m:Items').open(el).empty('t:ItemId', itemIdAttrs(ref.mailbox, result.value)).close(el).close('m:Items');
        w.open('m:ConflictResults').leaf('t:Count', 0).close('m:ConflictResults');
      },
    });
  },
};

/**
 * SendOnly / SendAndSaveCopy: the changes are applied to the draft as it is now (with the usual
 * ChangeKey rules) and the result is sent in the same transaction that removes the draft, so the
 * message sent is exactly the updated draft. No ItemId comes back: the draft is gone.
 */
async function sendUpdated(
  ctx: RequestContext,
  prepared: ReadonlyArray<Prepared | EwsError>,
  mode: ConflictResolution,
  keepCopy: boolean,
  savedEl: XmlElement | undefined,
): Promise<XmlWriter> {
  const idEl = savedEl?.children[0];
  const saveTo = idEl && keepCopy ? await resolveFolder(ctx, idEl, 'sent-copy').catch(asEwsError) : undefined;
  const submissions: Array<Submission | EwsError> = [];
  for (const p of prepared) {
    submissions.push(
      await (async () => {
        if (p instanceof EwsError) throw p;
        if (saveTo instanceof EwsError) throw saveTo;
        const [current] = await ctx.store.items(p.ref.mailbox.id, [p.ref.itemId]);
        if (!current) throw new EwsError('ErrorItemNotFound');
        if (!isSendable(current)) throw new EwsError('ErrorInvalidItemForOperationSendItem');
        const patch = applyChanges(current, p.changes, p.ref.changeKey, mode);
        const content = await storedContent(ctx, p.ref.mailbox, current);
        const target = keepCopy ? (saveTo ?? (await sentItemsOf(ctx, p.ref.mailbox))) : undefined;
        return prepareSend(ctx, {
          owner: p.ref.mailbox,
          props: patch.props,
          attachments: content.attachments,
          // The original MIME no longer says what the message is once a field it shows has changed.
          ...(content.mime && !patch.dropMime ? { mime: content.mime } : {}),
          source: { itemId: current.id, modseq: current.modseq, remove: current.props.isDraft },
          ...(target ? { saveTo: target } : {}),
        });
      })().catch(asEwsError),
    );
  }
  const results = await commitSends(ctx, submissions);
  return batchResponse({
    op: 'UpdateItem',
    items: results,
    ctx,
    errorPayload: (w) => w.empty('m:Items'),
    handle(result, w) {
      if (result instanceof EwsError) throw result;
      if (!result.ok) throw sendFailure(result.error);
      w.empty('m:Items');
      w.open('m:ConflictResults').leaf('t:Count', 0).close('m:ConflictResults');
    },
  });
}

/**
 * Which changes (indexes into `prepared`) take the store's narrow read-flag path: those that only set
 * IsRead, unless another change of the batch touches the same item in another way (the two paths
 * run one after the other, and the item's changes must apply in request order).
 */
function splitReadFlagChanges(prepared: readonly Prepared[], indexes: readonly number[]): { flags: number[]; others: number[] } {
  const isFlag = (i: number) => readFlagOnly(prepared[i]!.changes) !== undefined;
  const otherwiseChanged = new Set(indexes.filter((i) => !isFlag(i)).map((i) => prepared[i]!.ref.itemId));
  const flags: number[] = [];
  const others: number[] = [];
  for (const i of indexes) (isFlag(i) && !otherwiseChanged.has(prepared[i]!.ref.itemId) ? flags : others).push(i);
  return { flags, others };
}

