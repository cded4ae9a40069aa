import { folderKind, type Folder } from '../../domain/folder.js';
import type { Mailbox } from '../../domain/mailbox.js';
import type { XmlWriter } from '../../soap/xml-writer.js';
import { ewsDate } from '../dates.js';
import { extendedFieldAttrs, type ExtendedFieldUri } from '../extended-field.js';
import { encodeChangeKey, encodeId } from '../ids.js';
import { folderMapiProperty } from './folder-properties.js';
import type { FolderShape } from './folder-shape.js';

export function folderIdAttrs(mailbox: Mailbox, folder: Pick<Folder, 'id' | 'modseq'>): { Id: string; ChangeKey: string } {
  return { Id: encodeId('F', mailbox.guid, folder.id), ChangeKey: encodeChangeKey('F', folder.modseq) };
}

/**
 * Writes a folder as `t:Folder`, `t:CalendarFolder`, ... with the properties of `shape`,
 * in the element order of Types.xsd.
 */
export function writeFolder(w: XmlWriter, mailbox: Mailbox, folder: Folder, shape: FolderShape, parent?: Pick<Folder, 'id' | 'modseq'>): void {
  const kind = folderKind(folder);
  const f = shape.fields;
  const el = `t:${kind}`;
  w.open(el);
  if (f.has('FolderId')) w.empty('t:FolderId', folderIdAttrs(mailbox, folder));
  if (f.has('ParentFolderId') && folder.parentId !== null) {
    w.empty('t:ParentFolderId', folderIdAttrs(mailbox, parent ?? { id: folder.parentId, modseq: 0 }));
  }
  if (f.has('FolderClass') && folder.folderClass !== null) w.leaf('t:FolderClass', folder.folderClass);
  if (f.has('DisplayName')) w.leaf('t:DisplayName', folder.displayName);
  if (f.has('TotalCount')) w.leaf('t:TotalCount', folder.totalCount);
  if (f.has('ChildFolderCount')) w.leaf('t:ChildFolderCount', folder.childFolderCount);
  for (const uri of shape.extended) writeExtendedFolderProperty(w, folder, uri);
  if (f.has('EffectiveRights')) {
    w.open('t:EffectiveRights');
    for (const right of ['CreateAssociated', 'CreateContents', 'CreateHierarchy', 'Delete', 'Modify', 'Read']) w.leaf(`t:${right}`, true);
    w.leaf('t:ViewPrivateItems', true).close('t:EffectiveRights');
  }
  if (f.has('DistinguishedFolderId') && folder.distinguishedId) w.leaf('t:DistinguishedFolderId', folder.distinguishedId);
  if (f.has('UnreadCount') && (kind === 'Folder' || kind === 'TasksFolder' || kind === 'SearchFolder')) w.leaf('t:UnreadCount', folder.unreadCount);
  w.close(el);
}

function writeExtendedFolderProperty(w: XmlWriter, folder: Folder, uri: ExtendedFieldUri): void {
  if (uri.propertyTag === undefined) return;
  const value = folderMapiProperty(folder, uri.propertyTag);
  if (value === undefined) return;
  w.open('t:ExtendedProperty').empty('t:ExtendedFieldURI', extendedFieldAttrs(uri)).leaf('t:Value', value instanceof Date ? ewsDate(value) : String(value)).close('t:ExtendedProperty');
}
