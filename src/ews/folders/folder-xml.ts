import { folderKind, type Folder } from '../../domain/folder.js';
import type { Mailbox } from '../../domain/mailbox.js';
import type { XmlWriter } from '../../soap/xml-writer.js';
import { ewsDate } from '../dates.js';
import { extendedFieldAttrs, type ExtendedFieldUri } from '../extended-field.js';
import { encodeChangeKey, encodeId } from '../ids.js';
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

/**
 * MAPI properties that folders compute rather than store. DavMail polls 0x670a (its "ctag") and
 * the counts; Evolution asks for 0x10f4 (hidden). Anything else is left out, as Exchange does
 * for a property a folder does not have.
 */
function folderMapiValue(folder: Folder, tag: number): string | undefined {
  switch (tag) {
    case 0x3001: return folder.displayName; // PR_DISPLAY_NAME
    case 0x3613: return folder.folderClass ?? undefined; // PR_CONTAINER_CLASS
    case 0x3602: return String(folder.totalCount); // PR_CONTENT_COUNT
    case 0x3603: return String(folder.unreadCount); // PR_CONTENT_UNREAD
    case 0x360a: return String(folder.childFolderCount > 0); // PR_SUBFOLDERS
    case 0x10f4: return String(folder.hidden); // PR_ATTR_HIDDEN
    case 0x3007: return ewsDate(folder.createdAt); // PR_CREATION_TIME
    case 0x3008: // PR_LAST_MODIFICATION_TIME
    case 0x670a: return ewsDate(folder.modifiedAt); // PR_LOCAL_COMMIT_TIME_MAX
    case 0x10f3: return `${folder.displayName}`; // PR_URL_COMP_NAME
    default: return undefined;
  }
}

function writeExtendedFolderProperty(w: XmlWriter, folder: Folder, uri: ExtendedFieldUri): void {
  if (uri.propertyTag === undefined) return;
  const value = folderMapiValue(folder, uri.propertyTag);
  if (value === undefined) return;
  w.open('t:ExtendedProperty').empty('t:ExtendedFieldURI', extendedFieldAttrs(uri)).leaf('t:Value', value).close('t:ExtendedProperty');
}
