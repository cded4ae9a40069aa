// EmptyFolder: https://learn.microsoft.com/exchange/client-developer/web-service-reference/emptyfolder-operation
import { EwsError, SoapFault } from '../errors.js';
import { folderIdElements, resolveFolder } from '../folders/resolve-folder.js';
import type { Operation } from '../operation.js';
import { batchResponse } from '../response.js';
import type { ItemDisposal } from '../../store/store.js';
import { StoreError } from '../../store/store.js';

const DISPOSALS: Record<string, ItemDisposal> = { HardDelete: 'hard', SoftDelete: 'soft', MoveToDeletedItems: 'deleted-items' };

/** Search folders hold no items of their own; the root of the mailbox cannot be emptied wholesale. */
const NOT_EMPTIABLE = new Set(['root', 'msgfolderroot', 'recoverableitemsroot']);

export const emptyFolder: Operation = {
  name: 'EmptyFolder',
  async handle(request, ctx) {
    const deleteType = request.attr('DeleteType') ?? '';
    const disposal = DISPOSALS[deleteType];
    if (!disposal) throw SoapFault.schema(`The DeleteType '${deleteType}' is invalid.`, request.line);
    const deleteSubFolders = request.attr('DeleteSubFolders') === 'true';
    const folders = folderIdElements(request.child('FolderIds'));
    if (folders.length === 0) throw SoapFault.schema("The element 'FolderIds' must contain at least one folder id.", request.line);
    return batchResponse({
      op: 'EmptyFolder',
      items: folders,
      ctx,
      async handle(el) {
        const { mailbox, folder } = await resolveFolder(ctx, el);
        if (folder.isSearchFolder || (folder.distinguishedId !== null && NOT_EMPTIABLE.has(folder.distinguishedId))) {
          throw new EwsError('ErrorCannotEmptyFolder', 'This folder cannot be emptied.');
        }
        try {
          await ctx.store.emptyFolder(mailbox.id, folder.id, disposal, deleteSubFolders);
        } catch (err) {
          if (err instanceof StoreError && err.kind === 'not-found') throw new EwsError('ErrorFolderNotFound');
          throw err;
        }
      },
    });
  },
};
