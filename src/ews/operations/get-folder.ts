// GetFolder: https://learn.microsoft.com/exchange/client-developer/web-service-reference/getfolder-operation
import type { Operation } from '../operation.js';
import { SoapFault } from '../errors.js';
import { batchResponse } from '../response.js';
import { parseFolderShape } from '../folders/folder-shape.js';
import { writeFolder } from '../folders/folder-xml.js';
import { folderIdElements, resolveFolder } from '../folders/resolve-folder.js';

export const getFolder: Operation = {
  name: 'GetFolder',
  async handle(request, ctx) {
    const shape = parseFolderShape(request.child('FolderShape'));
    const ids = folderIdElements(request.child('FolderIds'));
    if (ids.length === 0) throw SoapFault.schema("The element 'FolderIds' must contain at least one folder id.", request.line);
    return batchResponse({
      op: 'GetFolder',
      items: ids,
      ctx,
      async handle(el, w) {
        // 'see': a delegate may see the folder itself (not its items) a little wider than the grant; see mailbox-access.ts.
        const { mailbox, folder } = await resolveFolder(ctx, el, 'see');
        const parent = shape.fields.has('ParentFolderId') && folder.parentId !== null ? await ctx.store.folder(mailbox.id, folder.parentId) : undefined;
        w.open('m:Folders');
        writeFolder(w, mailbox, folder, shape, parent);
        w.close('m:Folders');
      },
    });
  },
};
