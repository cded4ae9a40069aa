// MarkAllItemsAsRead: https://learn.microsoft.com/exchange/client-developer/web-service-reference/markallitemsasread-operation
import { SoapFault } from '../errors.js';
import { folderIdElements, resolveFolder } from '../folders/resolve-folder.js';
import { parseBoolean } from '../items/item-fields.js';
import { storeFailure } from '../items/store-errors.js';
import type { Operation } from '../operation.js';
import { batchResponse } from '../response.js';

/** One message per folder. SuppressReadReceipts is accepted: no receipts are ever sent yet. */
export const markAllItemsAsRead: Operation = {
  name: 'MarkAllItemsAsRead',
  async handle(request, ctx) {
    const flag = request.child('ReadFlag');
    if (!flag) throw SoapFault.schema("The element 'ReadFlag' is required.", request.line);
    const isRead = parseBoolean(flag);
    const folders = folderIdElements(request.child('FolderIds'));
    if (folders.length === 0) throw SoapFault.schema("The element 'FolderIds' must contain at least one folder id.", request.line);
    return batchResponse({
      op: 'MarkAllItemsAsRead',
      items: folders,
      ctx,
      async handle(el) {
        const { mailbox, folder } = await resolveFolder(ctx, el);
        const [result] = await ctx.store.markAllItemsRead(mailbox.id, [folder.id], isRead);
        if (!result!.ok) throw storeFailure(result!.error, 'ErrorFolderNotFound');
      },
    });
  },
};

