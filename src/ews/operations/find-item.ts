// FindItem: https://learn.microsoft.com/exchange/client-developer/web-service-reference/finditem-operation
import type { Item } from '../../domain/item.js';
import type { XmlWriter } from '../../soap/xml-writer.js';
import type { RequestContext } from '../context.js';
import { EwsError, SoapFault } from '../errors.js';
import { folderIdElements, resolveFolder } from '../folders/resolve-folder.js';
import type { Operation } from '../operation.js';
import { batchResponse } from '../response.js';
import { parseItemFilter, type ItemFilter } from '../items/item-filter.js';
import { listingShape, parseItemShape, type ItemShape } from '../items/item-shape.js';
import { compareItems, DEFAULT_SORT, pageWindow, parsePageView, parseSortOrder, type PageView, type SortKey } from '../items/item-view.js';
import { writeItem } from '../items/item-xml.js';
import type { Folder } from '../../domain/folder.js';
import type { Mailbox } from '../../domain/mailbox.js';


const TRAVERSALS = new Set(['Shallow', 'SoftDeleted', 'Associated']);

export const findItem: Operation = {
  name: 'FindItem',
  async handle(request, ctx) {
    const traversal = request.attr('Traversal') ?? 'Shallow';
    if (!TRAVERSALS.has(traversal)) throw SoapFault.schema(`The Traversal '${traversal}' is invalid.`, request.line);
    const shape = listingShape(parseItemShape(request.child('ItemShape')));
    const folders = folderIdElements(request.child('ParentFolderIds'));
    if (folders.length === 0) throw SoapFault.schema("The element 'ParentFolderIds' must contain at least one folder id.", request.line);
    // View and filter problems are reported per folder, as Exchange does.
    let setup: { view: PageView; sort: SortKey[]; filter: ItemFilter | undefined } | EwsError;
    try {
      const sort = parseSortOrder(request.child('SortOrder'));
      setup = { view: parsePageView(request), sort: sort.length ? sort : DEFAULT_SORT, filter: parseItemFilter(request) };
    } catch (err) {
      if (!(err instanceof EwsError)) throw err;
      setup = err;
    }
    return batchResponse({
      op: 'FindItem',
      items: folders,
      ctx,
      async handle(el, w) {
        if (setup instanceof EwsError) throw setup;
        const { mailbox, folder } = await resolveFolder(ctx, el);
        // There are no associated (FAI) items: that view is always empty.
        const page =
          traversal === 'Associated' ? { items: [], attrs: pageWindow(setup.view, 0).attrs } : await listPage(ctx, mailbox, folder, setup, traversal === 'SoftDeleted');
        writeRootFolder(w, mailbox, page.items, shape, page.attrs(page.items.length));
      },
    });
  },
};


/**
 * One page of a folder. Orders the store can sort by page in SQL, with the total from the folder's
 * counter; a filter or an order on other properties reads the folder and works in memory.
 */
async function listPage(
  ctx: RequestContext,
  mailbox: Mailbox,
  folder: Folder,
  setup: { view: PageView; sort: SortKey[]; filter: ItemFilter | undefined },
  softDeleted: boolean,
) {
  const { view, sort, filter } = setup;
  const sqlOrder = sort.every((k) => k.column !== undefined) ? sort.map((k) => ({ column: k.column!, descending: k.descending })) : undefined;
  // The folder's counter only covers its own contents; a soft-deleted view is read and counted in memory.
  if (sqlOrder && !filter && !softDeleted) {
    const total = folder.totalCount;
    const window = pageWindow(view, total);
    const items = window.count > 0 ? await ctx.store.folderItems(mailbox.id, folder.id, { order: sqlOrder, offset: window.start, limit: window.count, withBody: false }) : [];
    return { items, attrs: window.attrs };
  }
  // Bodies and Internet headers only when the filter or an order looks at them: FindItem returns neither.
  const withBody = Boolean(filter?.readsContent) || sort.some((k) => k.path.kind === 'field' && k.path.uri === 'item:Body');
  let all: Item[] = await ctx.store.folderItems(mailbox.id, folder.id, { order: sqlOrder ?? [{ column: 'id', descending: false }], offset: 0, softDeleted, withBody });
  if (filter) all = all.filter(filter);
  if (!sqlOrder) all.sort(compareItems(sort));
  const window = pageWindow(view, all.length);
  return { items: all.slice(window.start, window.start + window.count), attrs: window.attrs };
}

function writeRootFolder(w: XmlWriter, mailbox: Mailbox, items: readonly Item[], shape: ItemShape, attrs: Record<string, string | number>): void {
  w.open('m:RootFolder', attrs).open('t:Items');
  for (const item of items) writeItem(w, mailbox, item, shape);
  w.close('t:Items').close('m:RootFolder');
}

