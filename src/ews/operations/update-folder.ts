// UpdateFolder: https://learn.microsoft.com/exchange/client-developer/web-service-reference/updatefolder
import type { XmlElement } from '../../soap/xml-element.js';
import type { FolderChanges } from '../../store/store.js';
import type { Operation } from '../operation.js';
import { EwsError, SoapFault } from '../errors.js';
import { batchResponse } from '../response.js';
import { folderIdElements, resolveFolder } from '../folders/resolve-folder.js';
import { checkDisplayName, isStructural, storeWrite, writeFolderIdOnly } from '../folders/folder-rules.js';
import { parsePath } from '../restrictions/parse-restriction.js';

const UPDATE_KINDS = new Set(['SetFolderField', 'AppendToFolderField', 'DeleteFolderField']);

/** The folder properties a client may change, by FieldURI (extended tags map onto the same names). */
type Writable = 'DisplayName' | 'FolderClass' | 'Hidden';

export const updateFolder: Operation = {
  name: 'UpdateFolder',
  async handle(request, ctx) {
    const changes = request.child('FolderChanges')?.all('FolderChange') ?? [];
    if (changes.length === 0) throw SoapFault.schema("The element 'FolderChanges' must contain at least one 'FolderChange'.", request.line);
    return batchResponse({
      op: 'UpdateFolder',
      items: changes,
      ctx,
      async handle(change, w) {
        const idEl = folderIdElements(change)[0];
        if (!idEl) throw SoapFault.schema("The element 'FolderChange' must contain a folder id.", change.line);
        // ChangeKeys of folders are not checked: DavMail sends stale ones and Exchange lets folder updates win.
        const { mailbox, folder } = await resolveFolder(ctx, idEl);
        const wanted = readChanges(change.child('Updates'));
        if (isStructural(folder)) throw new EwsError('ErrorAccessDenied', 'The folder is part of the mailbox structure and cannot be changed.');
        const updated = await storeWrite(() => ctx.store.updateFolder(mailbox.id, folder.id, wanted));
        writeFolderIdOnly(w, mailbox, updated);
      },
    });
  },
};

function readChanges(updates: XmlElement | undefined): FolderChanges {
  const list = updates?.children.filter((c) => c.isEws) ?? [];
  if (list.length === 0) throw SoapFault.schema("The element 'Updates' must contain at least one change.", updates?.line);
  const out: FolderChanges = {};
  for (const u of list) {
    if (!UPDATE_KINDS.has(u.name)) throw SoapFault.schema(`The element '${u.name}' is not a folder change.`, u.line);
    const pathEl = u.children.find((c) => c.isEws && (c.name === 'FieldURI' || c.name === 'ExtendedFieldURI' || c.name === 'IndexedFieldURI' || c.name === 'Path'));
    const ref = parsePath(pathEl, u);
    const field = writableField(ref.kind === 'field' ? ref.uri : ref.kind === 'extended' ? ref.field.propertyTag : undefined);
    if (u.name === 'AppendToFolderField') throw new EwsError('ErrorInvalidPropertyAppend', undefined, [['FieldURI', fieldName(ref)]]);
    if (u.name === 'DeleteFolderField') {
      if (field === 'DisplayName' || field === undefined) throw new EwsError('ErrorInvalidPropertyDelete', undefined, [['FieldURI', fieldName(ref)]]);
      if (field === 'FolderClass') out.folderClass = null;
      else out.hidden = false;
      continue;
    }
    if (field === undefined) throw new EwsError('ErrorInvalidPropertySet', undefined, [['FieldURI', fieldName(ref)]]);
    const value = newValue(u, ref.kind === 'extended', field === 'DisplayName' ? 'DisplayName' : 'FolderClass');
    if (field === 'DisplayName') out.displayName = checkDisplayName(value);
    else if (field === 'FolderClass') out.folderClass = value?.trim() || null;
    else out.hidden = value?.trim().toLowerCase() === 'true';
  }
  return out;
}

function writableField(key: string | number | undefined): Writable | undefined {
  switch (key) {
    case 'folder:DisplayName':
    case 0x3001:
      return 'DisplayName';
    case 'folder:FolderClass':
    case 0x3613:
      return 'FolderClass';
    case 0x10f4:
      return 'Hidden';
    default:
      return undefined;
  }
}

function fieldName(ref: ReturnType<typeof parsePath>): string {
  if (ref.kind === 'extended') return ref.field.propertyTag !== undefined ? `0x${ref.field.propertyTag.toString(16)}` : 'ExtendedProperty';
  return ref.uri;
}

/**
 * The value a SetFolderField carries, inside its folder element: `t:DisplayName` for a FieldURI,
 * `t:ExtendedProperty/t:Value` for an ExtendedFieldURI. The folder element must carry exactly
 * that one property, as Exchange requires.
 */
function newValue(set: XmlElement, extended: boolean, element: string): string | undefined {
  const folder = set.children.find((c) => c.isEws && c.name.endsWith('Folder'));
  if (!folder) throw SoapFault.schema(`The element '${set.name}' lacks the folder that carries the new value.`, set.line);
  const properties = folder.children.filter((c) => c.isEws);
  if (properties.length !== 1) throw new EwsError('ErrorIncorrectUpdatePropertyCount');
  const carried = extended ? folder.child('ExtendedProperty') : folder.child(element);
  if (!carried) throw new EwsError('ErrorUpdatePropertyMismatch');
  return extended ? carried.child('Value')?.text : carried.text;
}
