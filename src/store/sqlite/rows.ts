import type { Account } from '../../domain/mailbox.js';
import type { Folder } from '../../domain/folder.js';

export interface MailboxRow {
  id: number;
  guid: string;
  email: string;
  display_name: string;
  password_hash: string;
  created_at: number;
}

export function toAccount(r: MailboxRow): Account {
  return { id: r.id, guid: r.guid, email: r.email, displayName: r.display_name, passwordHash: r.password_hash, createdAt: new Date(r.created_at) };
}

export interface FolderRow {
  id: number;
  mailbox_id: number;
  parent_id: number | null;
  distinguished: string | null;
  display_name: string;
  folder_class: string | null;
  is_search: number;
  hidden: number;
  modseq: number;
  total_count: number;
  unread_count: number;
  child_count: number;
  created_at: number;
  modified_at: number;
}

/** Columns for a {@link FolderRow}; `f` is the folders table alias. */
export const FOLDER_COLUMNS = `f.*, (SELECT count(*) FROM folders c WHERE c.parent_id = f.id) AS child_count`;

export function toFolder(r: FolderRow): Folder {
  return {
    id: r.id,
    mailboxId: r.mailbox_id,
    parentId: r.parent_id,
    distinguishedId: r.distinguished,
    displayName: r.display_name,
    folderClass: r.folder_class,
    isSearchFolder: r.is_search === 1,
    hidden: r.hidden === 1,
    modseq: r.modseq,
    totalCount: r.total_count,
    unreadCount: r.unread_count,
    childFolderCount: r.child_count,
    createdAt: new Date(r.created_at),
    modifiedAt: new Date(r.modified_at),
  };
}
