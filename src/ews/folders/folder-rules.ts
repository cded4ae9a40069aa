import { DISTINGUISHED_FOLDERS, folderKind, type Folder, type FolderKind } from '../../domain/folder.js';
import type { Mailbox } from '../../domain/mailbox.js';
import type { XmlWriter } from '../../soap/xml-writer.js';
import { StoreError, type Store } from '../../store/store.js';
import { EwsError } from '../errors.js';
import { folderIdAttrs } from './folder-xml.js';

/**
 * Rules shared by the folder-changing operations: which folders are the mailbox's skeleton,
 * what class a folder element implies, and how store refusals read as EWS errors.
 */

/** Distinguished folders outside the IPM subtree (plus its top): the mailbox's skeleton, never renamed, moved or copied. */
const STRUCTURAL: ReadonlySet<string> = (() => {
  const parent = new Map(DISTINGUISHED_FOLDERS.map((d) => [d.id, d.parent]));
  const inIpm = (id: string | null): boolean => id !== null && (id === 'msgfolderroot' || inIpm(parent.get(id) ?? null));
  return new Set(DISTINGUISHED_FOLDERS.filter((d) => d.id === 'msgfolderroot' || !inIpm(d.parent)).map((d) => d.id));
})();

export function isStructural(folder: Folder): boolean {
  return folder.distinguishedId !== null && STRUCTURAL.has(folder.distinguishedId);
}

/** The FolderClass a folder element stands for when the request gives none. */
export const DEFAULT_CLASS: Readonly<Record<FolderKind, string>> = {
  Folder: 'IPF.Note',
  CalendarFolder: 'IPF.Appointment',
  ContactsFolder: 'IPF.Contact',
  TasksFolder: 'IPF.Task',
  SearchFolder: 'IPF.Note',
};

/**
 * A typed folder element (`t:CalendarFolder`, ...) may only carry a class of its own kind
 * (`IPF.Appointment` or `IPF.Appointment.*`): anything else would change what it is.
 */
export function checkClassFitsKind(kind: FolderKind, folderClass: string): void {
  if (kind === 'Folder' || kind === 'SearchFolder') return;
  if (folderKind({ folderClass, isSearchFolder: false }) !== kind) throw new EwsError('ErrorNoFolderClassOverride');
}

/** Runs a store write, turning its refusals into the EWS errors Exchange gives for them. */
export async function storeWrite<T>(write: () => Promise<T>, codes: { exists?: string; notFound?: string; invalid?: string } = {}): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (!(err instanceof StoreError)) throw err;
    if (err.kind === 'exists') throw new EwsError(codes.exists ?? 'ErrorFolderExists');
    if (err.kind === 'not-found') throw new EwsError(codes.notFound ?? 'ErrorFolderNotFound');
    throw new EwsError(codes.invalid ?? 'ErrorInvalidOperation');
  }
}

/**
 * A name under `parentId` that no sibling has yet: `name`, else `name (2)`, `name (3)`, ...
 * Used where Exchange must not refuse, such as moving a folder to Deleted Items next to a namesake.
 */
export async function freeName(store: Store, mailboxId: number, parentId: number, name: string): Promise<string> {
  const taken = new Set((await store.childFolders(mailboxId, parentId)).map((f) => f.displayName.toLowerCase()));
  if (!taken.has(name.toLowerCase())) return name;
  for (let n = 2; ; n++) {
    const candidate = `${name} (${n})`;
    if (!taken.has(candidate.toLowerCase())) return candidate;
  }
}

/** `<m:Folders><t:Folder><t:FolderId .../></t:Folder></m:Folders>`: what Create/Update/Move/CopyFolder return. */
export function writeFolderIdOnly(w: XmlWriter, mailbox: Mailbox, folder: Folder): void {
  const el = `t:${folderKind(folder)}`;
  w.open('m:Folders').open(el).empty('t:FolderId', folderIdAttrs(mailbox, folder)).close(el).close('m:Folders');
}

/** The maximum length of a folder name (Exchange: 255 characters). */
export const MAX_FOLDER_NAME = 255;

export function checkDisplayName(name: string | undefined): string {
  if (name === undefined || name.trim() === '') throw new EwsError('ErrorRequiredPropertyMissing', undefined, [['FieldURI', 'folder:DisplayName']]);
  if (name.length > MAX_FOLDER_NAME) throw new EwsError('ErrorInvalidPropertySet', 'The folder name is too long.', [['FieldURI', 'folder:DisplayName']]);
  return name;
}
