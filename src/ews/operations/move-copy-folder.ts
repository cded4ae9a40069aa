import type { Folder } from '../../domain/folder.js';
import type { Mailbox } from '../../domain/mailbox.js';
import type { RequestContext } from '../context.js';
import type { Operation } from '../operation.js';
import { EwsError, SoapFault } from '../errors.js';
import { batchResponse } from '../response.js';
import { folderIdElements, resolveFolder, type ResolvedFolder } from '../folders/resolve-folder.js';
import { isStructural, storeWrite, writeFolderIdOnly } from '../folders/folder-rules.js';

/**
 * MoveFolder and CopyFolder share their request shape (`m:ToFolderId` + `m:FolderIds`) and
 * answer with the moved folder or the new copy, one message per folder.
 */
export function moveOrCopyFolder(op: 'MoveFolder' | 'CopyFolder'): Operation {
  return {
    name: op,
    async handle(request, ctx) {
      const toEl = folderIdElements(request.child('ToFolderId'))[0];
      if (!toEl) throw SoapFault.schema("The element 'ToFolderId' must contain a folder id.", request.line);
      const ids = folderIdElements(request.child('FolderIds'));
      if (ids.length === 0) throw SoapFault.schema("The element 'FolderIds' must contain at least one folder id.", request.line);
      let destination: Promise<ResolvedFolder> | undefined;
      return batchResponse({
        op,
        items: ids,
        ctx,
        async handle(el, w) {
          const { mailbox, folder } = await resolveFolder(ctx, el);
          const to = await (destination ??= resolveDestination(ctx, toEl));
          if (to.mailbox.id !== mailbox.id) throw new EwsError('ErrorCrossMailboxMoveCopy');
          const result = op === 'MoveFolder' ? await move(ctx, mailbox, folder, to.folder) : await copy(ctx, mailbox, folder, to.folder);
          writeFolderIdOnly(w, mailbox, result);
        },
      });
    },
  };
}

async function move(ctx: RequestContext, mailbox: Mailbox, folder: Folder, to: Folder): Promise<Folder> {
  if (folder.distinguishedId !== null) throw new EwsError('ErrorMoveDistinguishedFolder');
  return storeWrite(() => ctx.store.moveFolder(mailbox.id, folder.id, to.id), { invalid: 'ErrorMoveCopyFailed', notFound: 'ErrorToFolderNotFound' });
}

/** A copy is an ordinary folder, so IPM distinguished folders may be copied; the mailbox skeleton may not. */
async function copy(ctx: RequestContext, mailbox: Mailbox, folder: Folder, to: Folder): Promise<Folder> {
  if (isStructural(folder)) throw new EwsError('ErrorMoveDistinguishedFolder');
  return storeWrite(() => ctx.store.copyFolder(mailbox.id, folder.id, to.id), { invalid: 'ErrorMoveCopyFailed', notFound: 'ErrorToFolderNotFound' });
}

/** A destination that does not exist is ErrorToFolderNotFound, not ErrorFolderNotFound. */
async function resolveDestination(ctx: RequestContext, el: Parameters<typeof resolveFolder>[1]): Promise<ResolvedFolder> {
  try {
    return await resolveFolder(ctx, el);
  } catch (err) {
    if (err instanceof EwsError && err.code === 'ErrorFolderNotFound') throw new EwsError('ErrorToFolderNotFound');
    throw err;
  }
}
