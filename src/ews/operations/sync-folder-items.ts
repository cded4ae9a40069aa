// SyncFolderItems: https://learn.microsoft.com/exchange/client-developer/web-service-reference/syncfolderitems-operation
import type { ItemChange } from '../../domain/sync.js';
import { FIRST_SYNC } from '../../domain/sync.js';
import { StoreError } from '../../store/store.js';
import type { XmlElement } from '../../soap/xml-element.js';
import type { XmlWriter } from '../../soap/xml-writer.js';
import { EwsError, SoapFault } from '../errors.js';
import { folderIdElements, resolveFolder } from '../folders/resolve-folder.js';
import { decodeId, encodeId } from '../ids.js';
import { itemIdAttrs } from '../items/item-ids.js';
import { listingShape, parseItemShape, type ItemShape } from '../items/item-shape.js';
import { writeItem } from '../items/item-xml.js';
import type { Mailbox } from '../../domain/mailbox.js';
import type { Operation } from '../operation.js';
import { batchResponse } from '../response.js';
import { decodeSyncState, encodeSyncState, type SyncBinding } from '../sync/sync-state.js';

const SCOPES: Record<string, number> = { NormalItems: 0, NormalAndAssociatedItems: 1 };

export const syncFolderItems: Operation = {
  name: 'SyncFolderItems',
  async handle(request, ctx) {
    const shape = listingShape(parseItemShape(request.child('ItemShape')));
    const [folderEl] = folderIdElements(request.child('SyncFolderId'));
    if (!folderEl) throw SoapFault.schema("The element 'SyncFolderId' must contain a folder id.", request.line);
    const max = parseMaxChanges(request);
    const scopeName = request.childText('SyncScope') ?? 'NormalItems';
    const scope = SCOPES[scopeName];
    if (scope === undefined) throw SoapFault.schema(`The value '${scopeName}' is not a valid SyncScope.`, request.child('SyncScope')?.line);
    const stateText = request.childText('SyncState') ?? '';
    return batchResponse({
      op: 'SyncFolderItems',
      items: [folderEl],
      ctx,
      // Clients read SyncState and IncludesLastItemInRange even from an error (exchangelib fails without them).
      errorPayload: (w) => w.empty('m:SyncState').leaf('m:IncludesLastItemInRange', true),
      async handle(el, w) {
        const { mailbox, folder } = await resolveFolder(ctx, el);
        const binding: SyncBinding = { kind: 'I', mailboxGuid: mailbox.guid, folderId: folder.id, scope };
        const from = stateText ? await decodeSyncState(ctx.store, binding, stateText) : FIRST_SYNC;
        const ignored = ignoredIds(request.child('Ignore'), mailbox);
        let page;
        try {
          page = await ctx.store.itemChanges(mailbox.id, folder.id, from, max);
        } catch (err) {
          if (err instanceof StoreError && err.kind === 'not-found') throw new EwsError('ErrorFolderNotFound');
          if (err instanceof StoreError && (err.kind === 'expired' || err.kind === 'invalid')) throw new EwsError('ErrorInvalidSyncStateData');
          throw err;
        }
        w.leaf('m:SyncState', await encodeSyncState(ctx.store, binding, page.next));
        w.leaf('m:IncludesLastItemInRange', page.complete);
        w.open('m:Changes');
        for (const change of page.changes) if (!ignored.has(changedId(change))) writeChange(w, mailbox, change, shape);
        w.close('m:Changes');
      },
    });
  },
};

function parseMaxChanges(request: XmlElement): number {
  const el = request.child('MaxChangesReturned');
  const text = el?.text.trim() ?? '';
  const n = /^[+-]?\d{1,10}$/.test(text) ? Number(text) : NaN;
  // MaxSyncChangesReturnedType: an int from 1 to 512 (Types.xsd), so anything else fails schema validation.
  if (!el) throw SoapFault.schema("The element 'MaxChangesReturned' is required.", request.line);
  if (!Number.isInteger(n) || n < 1 || n > 512) {
    throw SoapFault.schema(`The 'MaxChangesReturned' element is invalid - The value '${text}' is invalid according to its datatype: it must be an integer from 1 to 512.`, el.line);
  }
  return n;
}

/** Item numbers of the Ignore list that belong to this mailbox (other ids cannot match anything here). */
function ignoredIds(container: XmlElement | undefined, mailbox: Mailbox): Set<number> {
  const out = new Set<number>();
  for (const el of container?.children ?? []) {
    try {
      const id = decodeId(el.attr('Id'), 'I');
      if (id.mailboxGuid === mailbox.guid) out.add(id.numbers[0]!);
    } catch {
      // An id we never issued names nothing in this folder: nothing to leave out.
    }
  }
  return out;
}

function changedId(change: ItemChange): number {
  return 'item' in change ? change.item.id : change.itemId;
}

function writeChange(w: XmlWriter, mailbox: Mailbox, change: ItemChange, shape: ItemShape): void {
  switch (change.kind) {
    case 'create':
    case 'update': {
      const el = change.kind === 'create' ? 't:Create' : 't:Update';
      w.open(el);
      writeItem(w, mailbox, change.item, shape);
      w.close(el);
      return;
    }
    case 'read-flag':
      w.open('t:ReadFlagChange').empty('t:ItemId', itemIdAttrs(mailbox, { id: change.itemId, modseq: change.modseq })).leaf('t:IsRead', change.isRead).close('t:ReadFlagChange');
      return;
    case 'delete':
      w.open('t:Delete').empty('t:ItemId', { Id: encodeId('I', mailbox.guid, change.itemId) }).close('t:Delete');
  }
}
