// CreateFolder: https://learn.microsoft.com/exchange/client-developer/web-service-reference/createfolder
import type { FolderKind } from '../../domain/folder.js';
import type { XmlElement } from '../../soap/xml-element.js';
import type { NewFolder } from '../../store/store.js';
import type { Operation } from '../operation.js';
import { SoapFault } from '../errors.js';
import { batchResponse } from '../response.js';
import { folderIdElements, resolveFolder, type ResolvedFolder } from '../folders/resolve-folder.js';
import { checkClassFitsKind, checkDisplayName, DEFAULT_CLASS, storeWrite, writeFolderIdOnly } from '../folders/folder-rules.js';
import { parseExtendedFieldUri } from '../extended-field.js';

const KINDS: ReadonlySet<string> = new Set<FolderKind>(['Folder', 'CalendarFolder', 'ContactsFolder', 'TasksFolder', 'SearchFolder']);

export const createFolder: Operation = {
  name: 'CreateFolder',
  async handle(request, ctx) {
    const parentEl = folderIdElements(request.child('ParentFolderId'))[0];
    if (!parentEl) throw SoapFault.schema("The element 'ParentFolderId' must contain a folder id.", request.line);
    const folders = request.child('Folders')?.children.filter((c) => c.isEws) ?? [];
    if (folders.length === 0) throw SoapFault.schema("The element 'Folders' must contain at least one folder.", request.line);
    for (const f of folders) if (!KINDS.has(f.name)) throw SoapFault.schema(`The element '${f.name}' is not a folder.`, f.line);

    // Resolved once; when it fails, every folder of the batch carries that error.
    let parent: Promise<ResolvedFolder> | undefined;
    return batchResponse({
      op: 'CreateFolder',
      items: folders,
      ctx,
      async handle(el, w) {
        const { mailbox, folder: parentFolder } = await (parent ??= resolveFolder(ctx, parentEl));
        const created = await storeWrite(() => ctx.store.createFolder(mailbox.id, parentFolder.id, newFolder(el)), { notFound: 'ErrorParentFolderNotFound' });
        writeFolderIdOnly(w, mailbox, created);
      },
    });
  },
};

/** Reads one `t:Folder` / `t:CalendarFolder` / ... of the request. */
function newFolder(el: XmlElement): NewFolder {
  const kind = el.name as FolderKind;
  const folderClass = el.childText('FolderClass') || DEFAULT_CLASS[kind];
  checkClassFitsKind(kind, folderClass);
  const folder: NewFolder = { displayName: checkDisplayName(el.child('DisplayName')?.text), folderClass, isSearchFolder: kind === 'SearchFolder' };
  // PR_ATTR_HIDDEN is the one extended folder property kept; clients create hidden helper folders with it.
  for (const prop of el.all('ExtendedProperty')) {
    const uriEl = prop.child('ExtendedFieldURI');
    if (uriEl && parseExtendedFieldUri(uriEl).propertyTag === 0x10f4) folder.hidden = prop.childText('Value')?.toLowerCase() === 'true';
  }
  return folder;
}
