/** The element a folder is serialised as, which clients use to tell folder types apart. */
export type FolderKind = 'Folder' | 'CalendarFolder' | 'ContactsFolder' | 'TasksFolder' | 'SearchFolder';

export interface Folder {
  id: number;
  mailboxId: number;
  parentId: number | null;
  /** The DistinguishedFolderId name (`inbox`, `sentitems`, ...) for well-known folders. */
  distinguishedId: string | null;
  displayName: string;
  folderClass: string | null;
  isSearchFolder: boolean;
  hidden: boolean;
  /** The mailbox modification sequence of the folder's last change; its ChangeKey is built from it. */
  modseq: number;
  totalCount: number;
  unreadCount: number;
  childFolderCount: number;
  createdAt: Date;
  modifiedAt: Date;
}

export function folderKind(folder: Pick<Folder, 'folderClass' | 'isSearchFolder'>): FolderKind {
  if (folder.isSearchFolder) return 'SearchFolder';
  const cls = folder.folderClass ?? '';
  if (cls === 'IPF.Appointment' || cls.startsWith('IPF.Appointment.')) return 'CalendarFolder';
  if (cls === 'IPF.Contact' || cls.startsWith('IPF.Contact.')) return 'ContactsFolder';
  if (cls === 'IPF.Task' || cls.startsWith('IPF.Task.')) return 'TasksFolder';
  return 'Folder';
}

export interface DistinguishedFolderSpec {
  id: string;
  parent: string | null;
  displayName: string;
  folderClass: string | null;
  isSearchFolder?: boolean;
  hidden?: boolean;
}

/**
 * The well-known folders every mailbox is created with, parents first. Names follow the
 * `DistinguishedFolderIdNameType` enumeration of Types.xsd; the tree follows Exchange's layout
 * (the IPM subtree under `msgfolderroot`, system folders directly under `root`). Names of that
 * enumeration missing here (public folders, the archive mailbox, Teams and Yammer folders)
 * answer ErrorFolderNotFound, which clients expect for features a mailbox does not have.
 */
export const DISTINGUISHED_FOLDERS: readonly DistinguishedFolderSpec[] = [
  { id: 'root', parent: null, displayName: 'Root', folderClass: null },
  { id: 'msgfolderroot', parent: 'root', displayName: 'Top of Information Store', folderClass: 'IPF.Note' },
  { id: 'inbox', parent: 'msgfolderroot', displayName: 'Inbox', folderClass: 'IPF.Note' },
  { id: 'drafts', parent: 'msgfolderroot', displayName: 'Drafts', folderClass: 'IPF.Note' },
  { id: 'sentitems', parent: 'msgfolderroot', displayName: 'Sent Items', folderClass: 'IPF.Note' },
  { id: 'deleteditems', parent: 'msgfolderroot', displayName: 'Deleted Items', folderClass: 'IPF.Note' },
  { id: 'outbox', parent: 'msgfolderroot', displayName: 'Outbox', folderClass: 'IPF.Note' },
  { id: 'junkemail', parent: 'msgfolderroot', displayName: 'Junk Email', folderClass: 'IPF.Note' },
  { id: 'archive', parent: 'msgfolderroot', displayName: 'Archive', folderClass: 'IPF.Note' },
  { id: 'conversationhistory', parent: 'msgfolderroot', displayName: 'Conversation History', folderClass: 'IPF.Note' },
  { id: 'scheduled', parent: 'msgfolderroot', displayName: 'Scheduled', folderClass: 'IPF.Note' },
  { id: 'calendar', parent: 'msgfolderroot', displayName: 'Calendar', folderClass: 'IPF.Appointment' },
  { id: 'contacts', parent: 'msgfolderroot', displayName: 'Contacts', folderClass: 'IPF.Contact' },
  { id: 'recipientcache', parent: 'contacts', displayName: 'Recipient Cache', folderClass: 'IPF.Contact.RecipientCache', hidden: true },
  { id: 'quickcontacts', parent: 'contacts', displayName: 'Quick Contacts', folderClass: 'IPF.Contact.MOC.QuickContacts', hidden: true },
  { id: 'imcontactlist', parent: 'contacts', displayName: 'IM Contact List', folderClass: 'IPF.Contact.MOC.ImContactList', hidden: true },
  { id: 'peopleconnect', parent: 'contacts', displayName: 'PeopleConnect', folderClass: 'IPF.Contact', hidden: true },
  { id: 'tasks', parent: 'msgfolderroot', displayName: 'Tasks', folderClass: 'IPF.Task' },
  { id: 'notes', parent: 'msgfolderroot', displayName: 'Notes', folderClass: 'IPF.StickyNote' },
  { id: 'journal', parent: 'msgfolderroot', displayName: 'Journal', folderClass: 'IPF.Journal' },
  { id: 'syncissues', parent: 'msgfolderroot', displayName: 'Sync Issues', folderClass: 'IPF.Note' },
  { id: 'conflicts', parent: 'syncissues', displayName: 'Conflicts', folderClass: 'IPF.Note' },
  { id: 'localfailures', parent: 'syncissues', displayName: 'Local Failures', folderClass: 'IPF.Note' },
  { id: 'serverfailures', parent: 'syncissues', displayName: 'Server Failures', folderClass: 'IPF.Note' },
  { id: 'searchfolders', parent: 'root', displayName: 'Finder', folderClass: null },
  { id: 'favorites', parent: 'searchfolders', displayName: 'Favorites', folderClass: 'IPF.Note', isSearchFolder: true },
  { id: 'todosearch', parent: 'searchfolders', displayName: 'To-Do Search', folderClass: 'IPF.Task', isSearchFolder: true },
  { id: 'recoverableitemsroot', parent: 'root', displayName: 'Recoverable Items', folderClass: null, hidden: true },
  { id: 'recoverableitemsdeletions', parent: 'recoverableitemsroot', displayName: 'Deletions', folderClass: null, hidden: true },
  { id: 'recoverableitemsversions', parent: 'recoverableitemsroot', displayName: 'Versions', folderClass: null, hidden: true },
  { id: 'recoverableitemspurges', parent: 'recoverableitemsroot', displayName: 'Purges', folderClass: null, hidden: true },
  { id: 'recoverableitemsdiscoveryholds', parent: 'recoverableitemsroot', displayName: 'DiscoveryHolds', folderClass: null, hidden: true },
  { id: 'adminauditlogs', parent: 'recoverableitemsroot', displayName: 'Audits', folderClass: null, hidden: true },
];
