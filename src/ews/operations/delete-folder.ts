// DeleteFolder: https://learn.microsoft.com/exchange/client-developer/web-service-reference/deletefolder
import type { Folder } from '../../domain/folder.js';
import type { Mailbox } from '../../domain/mailbox.js';
import type { RequestContext } from '../context.js';
import type { Operation } from '../operation.js';
import { EwsError, SoapFault } from '../errors.js';
import { batchResponse } from '../response.js';
import { folderIdElements, resolveFolder } from '../folders/resolve-folder.js';
import { freeName, storeWrite } from '../folders/folder-rules.js';

const DELETE_TYPES = new Set(['HardDelete', 'SoftDelete', 'MoveToDeletedItems']);

/**
 * HardDelete removes the folder and everything below it. SoftDelete moves it into the
 * recoverable-items Deletions folder, out of every normal view. MoveToDeletedItems moves it under
 * Deleted Items; a folder already there is soft-deleted, as Exchange does, and one already in
 * the dumpster is purged.
 */
export const deleteFolder: Operation = {
  name: 'DeleteFolder',
  async handle(request, ctx) {
    const deleteType = request.attr('DeleteType');
    if (!deleteType || !DELETE_TYPES.has(deleteType)) throw SoapFault.schema(`The value '${deleteType ?? ''}' is not a valid DeleteType.`, request.line);
    const ids = folderIdElements(request.child('FolderIds'));
    if (ids.length === 0) throw SoapFault.schema("The element 'FolderIds' must contain at least one folder id.", request.line);
    return batchResponse({
      op: 'DeleteFolder',
      items: ids,
      ctx,
      async handle(el) {
        const { mailbox, folder } = await resolveFolder(ctx, el);
        if (folder.distinguishedId !== null) throw new EwsError('ErrorDeleteDistinguishedFolder');
        // Deleting what is already in the dumpster purges it.
        if (deleteType === 'HardDelete' || (await isBelow(ctx, mailbox, folder, 'recoverableitemsroot'))) return storeWrite(() => ctx.store.deleteFolder(mailbox.id, folder.id));
        if (deleteType === 'MoveToDeletedItems' && !(await isBelow(ctx, mailbox, folder, 'deleteditems'))) {
          return moveAside(ctx, mailbox, folder, 'deleteditems');
        }
        return moveAside(ctx, mailbox, folder, 'recoverableitemsdeletions');
      },
    });
  },
};

/** Moves the folder under a distinguished folder, renamed if a namesake is already there. */
async function moveAside(ctx: RequestContext, mailbox: Mailbox, folder: Folder, target: string): Promise<void> {
  const to = await ctx.store.distinguishedFolder(mailbox.id, target);
  if (!to) throw new EwsError('ErrorFolderNotFound');
  const name = await freeName(ctx.store, mailbox.id, to.id, folder.displayName);
  await storeWrite(() => ctx.store.moveFolder(mailbox.id, folder.id, to.id, name), { invalid: 'ErrorCannotDeleteObject' });
}

/** Whether the folder lies below the distinguished folder `name`. */
async function isBelow(ctx: RequestContext, mailbox: Mailbox, folder: Folder, name: string): Promise<boolean> {
  const ancestor = await ctx.store.distinguishedFolder(mailbox.id, name);
  if (!ancestor) return false;
  let parentId = folder.parentId;
  // Folder trees are shallow; the walk is bounded by the depth, not the mailbox size.
  for (let hops = 0; parentId !== null && hops < 1000; hops++) {
    if (parentId === ancestor.id) return true;
    parentId = (await ctx.store.folder(mailbox.id, parentId))?.parentId ?? null;
  }
  return false;
}
