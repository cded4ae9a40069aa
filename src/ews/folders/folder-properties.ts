import type { Folder } from '../../domain/folder.js';
import type { PropertyRef, PropertyValue } from '../restrictions/restriction.js';

/**
 * MAPI properties that folders compute rather than store, typed. DavMail polls 0x670a (its
 * "ctag") and the counts and filters by 0x3613; Evolution asks for 0x10f4 (hidden). Anything
 * else is absent, as on Exchange for a property a folder does not have.
 */
export function folderMapiProperty(folder: Folder, tag: number): PropertyValue | undefined {
  switch (tag) {
    case 0x3001: return folder.displayName; // PR_DISPLAY_NAME
    case 0x3613: return folder.folderClass ?? undefined; // PR_CONTAINER_CLASS
    case 0x3602: return folder.totalCount; // PR_CONTENT_COUNT
    case 0x3603: return folder.unreadCount; // PR_CONTENT_UNREAD
    case 0x360a: return folder.childFolderCount > 0; // PR_SUBFOLDERS
    case 0x10f4: return folder.hidden; // PR_ATTR_HIDDEN
    case 0x3007: return folder.createdAt; // PR_CREATION_TIME
    case 0x3008: // PR_LAST_MODIFICATION_TIME
    case 0x670a: return folder.modifiedAt; // PR_LOCAL_COMMIT_TIME_MAX
    case 0x10f3: return folder.displayName; // PR_URL_COMP_NAME
    default: return undefined;
  }
}

/** The value of a `folder:` FieldURI or folder MAPI property, for restrictions. */
export function folderProperty(folder: Folder, ref: PropertyRef): PropertyValue | undefined {
  if (ref.kind === 'extended') return ref.field.propertyTag === undefined ? undefined : folderMapiProperty(folder, ref.field.propertyTag);
  if (ref.kind !== 'field') return undefined;
  switch (ref.uri) {
    case 'folder:DisplayName': return folder.displayName;
    case 'folder:FolderClass': return folder.folderClass ?? undefined;
    case 'folder:TotalCount': return folder.totalCount;
    case 'folder:ChildFolderCount': return folder.childFolderCount;
    case 'folder:UnreadCount': return folder.unreadCount;
    case 'folder:DistinguishedFolderId': return folder.distinguishedId ?? undefined;
    default: return undefined;
  }
}
