// FindFolder: https://learn.microsoft.com/exchange/client-developer/web-service-reference/findfolder
import type { Folder } from '../../domain/folder.js';
import type { Store } from '../../store/store.js';
import type { Operation } from '../operation.js';
import { SoapFault } from '../errors.js';
import { batchResponse } from '../response.js';
import { parseFolderShape } from '../folders/folder-shape.js';
import { writeFolder } from '../folders/folder-xml.js';
import { folderProperty } from '../folders/folder-properties.js';
import { folderIdElements, resolveFolder } from '../folders/resolve-folder.js';
import { pageOf, parsePageView } from '../paging.js';
import { parseRestriction } from '../restrictions/parse-restriction.js';
import { evaluateRestriction } from '../restrictions/evaluate-restriction.js';

const TRAVERSALS = new Set(['Shallow', 'Deep', 'SoftDeleted']);

/** The dumpster: soft-deleted folders live below it, out of every normal view. */
const DUMPSTER = 'recoverableitemsroot';

export const findFolder: Operation = {
  name: 'FindFolder',
  async handle(request, ctx) {
    const traversal = request.attr('Traversal');
    if (!traversal || !TRAVERSALS.has(traversal)) throw SoapFault.schema(`The value '${traversal ?? ''}' is not a valid Traversal.`, request.line);
    const shape = parseFolderShape(request.child('FolderShape'));
    const view = parsePageView(request, 'IndexedPageFolderView', 'FractionalPageFolderView');
    const restrictionEl = request.child('Restriction');
    const restriction = restrictionEl ? parseRestriction(restrictionEl) : undefined;
    const parents = folderIdElements(request.child('ParentFolderIds'));
    if (parents.length === 0) throw SoapFault.schema("The element 'ParentFolderIds' must contain at least one folder id.", request.line);

    return batchResponse({
      op: 'FindFolder',
      items: parents,
      ctx,
      async handle(el, w) {
        const { mailbox, folder: parent } = await resolveFolder(ctx, el);
        // Soft-deleted folders are not kept per original parent: that view is always empty.
        let found = traversal === 'SoftDeleted' ? [] : await listFolders(ctx.store, parent, traversal === 'Deep');
        if (restriction) found = found.filter((f) => evaluateRestriction(restriction, (ref) => folderProperty(f, ref)));
        const page = pageOf(view, found.length);
        const byId = new Map<number, Folder>([[parent.id, parent], ...found.map((f): [number, Folder] => [f.id, f])]);
        w.open('m:RootFolder', page.attrs).open('t:Folders');
        for (const f of found.slice(page.start, page.end)) writeFolder(w, mailbox, f, shape, f.parentId === null ? undefined : byId.get(f.parentId));
        w.close('t:Folders').close('m:RootFolder');
      },
    });
  },
};

/**
 * The children (or the whole subtree) of `parent`, minus the dumpster's subtree unless the
 * search starts inside it. Hidden folders are listed as Exchange lists them, with 0x10f4 set:
 * clients such as Evolution drop them themselves.
 */
async function listFolders(store: Store, parent: Folder, deep: boolean): Promise<Folder[]> {
  const all = deep ? await store.descendantFolders(parent.mailboxId, parent.id) : await store.childFolders(parent.mailboxId, parent.id);
  const excluded = new Set<number>();
  return all.filter((f) => {
    const out = f.distinguishedId === DUMPSTER || (f.parentId !== null && excluded.has(f.parentId));
    if (out) excluded.add(f.id);
    return !out;
  });
}
