// SyncFolderHierarchy: https://learn.microsoft.com/exchange/client-developer/web-service-reference/syncfolderhierarchy-operation
import type { Folder } from '../../domain/folder.js';
import type { Mailbox } from '../../domain/mailbox.js';
import { StoreError } from '../../store/store.js';
import type { XmlWriter } from '../../soap/xml-writer.js';
import { EwsError } from '../errors.js';
import { parseFolderShape, type FolderShape } from '../folders/folder-shape.js';
import { writeFolder } from '../folders/folder-xml.js';
import { folderIdElements, resolveFolder } from '../folders/resolve-folder.js';
import { encodeId } from '../ids.js';
import { openMailbox } from '../mailbox-access.js';
import type { Operation } from '../operation.js';
import { batchResponse } from '../response.js';
import { decodeSyncState, encodeSyncState, type SyncBinding } from '../sync/sync-state.js';

/**
 * Without SyncFolderId the whole mailbox is synced (evolution relies on it): the folders a user
 * sees, i.e. the IPM subtree below msgfolderroot. With one, the folders below it.
 * Every change since the state comes in one page (the request has no MaxChangesReturned and a
 * mailbox's hierarchy is small), so IncludesLastFolderInRange is always true.
 */
export const syncFolderHierarchy: Operation = {
  name: 'SyncFolderHierarchy',
  async handle(request, ctx) {
    const shape = parseFolderShape(request.child('FolderShape'));
    const [folderEl] = folderIdElements(request.child('SyncFolderId'));
    const stateText = request.childText('SyncState') ?? '';
    return batchResponse({
      op: 'SyncFolderHierarchy',
      items: [folderEl],
      ctx,
      errorPayload: (w) => w.empty('m:SyncState').leaf('m:IncludesLastFolderInRange', true),
      async handle(el, w) {
        const { mailbox, root } = await syncRoot(el);
        const binding: SyncBinding = { kind: 'H', mailboxGuid: mailbox.guid, folderId: root.id, scope: 0 };
        const since = stateText ? (await decodeSyncState(ctx.store, binding, stateText)).through : 0;
        let changes;
        try {
          changes = await ctx.store.folderChanges(mailbox.id, root.id, since);
        } catch (err) {
          if (err instanceof StoreError && (err.kind === 'expired' || err.kind === 'invalid')) throw new EwsError('ErrorInvalidSyncStateData');
          throw err;
        }
        w.leaf('m:SyncState', await encodeSyncState(ctx.store, binding, { known: changes.now, through: changes.now, base: changes.now }));
        w.leaf('m:IncludesLastFolderInRange', true);
        w.open('m:Changes');
        // ParentFolderId is always returned (gotcha 17): clients build their tree from it.
        const withParent: FolderShape = { ...shape, fields: new Set([...shape.fields, 'ParentFolderId', 'FolderClass']) };
        for (const f of changes.creates) writeFolderChange(w, 't:Create', mailbox, f, withParent);
        for (const f of changes.updates) writeFolderChange(w, 't:Update', mailbox, f, withParent);
        for (const id of changes.deletes) w.open('t:Delete').empty('t:FolderId', { Id: encodeId('F', mailbox.guid, id) }).close('t:Delete');
        w.close('m:Changes');
      },
    });

    async function syncRoot(el: (typeof folderEl) | undefined): Promise<{ mailbox: Mailbox; root: Folder }> {
      if (!el) {
        const mailbox = await openMailbox(ctx, undefined);
        const root = await ctx.store.distinguishedFolder(mailbox.id, 'msgfolderroot');
        if (!root) throw new EwsError('ErrorSyncFolderNotFound');
        return { mailbox, root };
      }
      try {
        const { mailbox, folder } = await resolveFolder(ctx, el);
        return { mailbox, root: folder };
      } catch (err) {
        if (err instanceof EwsError && err.code === 'ErrorFolderNotFound') throw new EwsError('ErrorSyncFolderNotFound');
        throw err;
      }
    }
  },
};

function writeFolderChange(w: XmlWriter, el: string, mailbox: Mailbox, folder: Folder, shape: FolderShape): void {
  w.open(el);
  writeFolder(w, mailbox, folder, shape, folder.parentId !== null ? { id: folder.parentId, modseq: 0 } : undefined);
  w.close(el);
}
