import type { Folder } from '../domain/folder.js';
import { DISTINGUISHED_FOLDERS } from '../domain/folder.js';
import { StoreError, type Store } from '../store/store.js';
import { CliError } from './options.js';

/** The top of the visible folder tree; archive paths are relative to it. */
export const TOP = 'msgfolderroot';

export async function topFolder(store: Store, mailboxId: number): Promise<Folder> {
  const top = await store.distinguishedFolder(mailboxId, TOP);
  if (!top) throw new CliError('the mailbox has no top folder');
  return top;
}

/**
 * `--folder NAME`: a distinguished folder id (`inbox`, `sentitems`) or a path of display names
 * from the top of the mailbox, separated by "/" (`Inbox/Projects`), matched case-insensitively.
 */
export async function findFolder(store: Store, mailboxId: number, name: string): Promise<Folder | undefined> {
  const distinguished = DISTINGUISHED_FOLDERS.find((d) => d.id === name.toLowerCase());
  if (distinguished) return store.distinguishedFolder(mailboxId, distinguished.id);
  let current = await topFolder(store, mailboxId);
  for (const part of splitPath(name)) {
    const next = (await store.childFolders(mailboxId, current.id)).find((c) => c.displayName.toLowerCase() === part.toLowerCase());
    if (!next) return undefined;
    current = next;
  }
  return current;
}

export function splitPath(name: string): string[] {
  return name.split('/').map((p) => p.trim()).filter(Boolean);
}

/** Finds or creates each folder of `path` below `base`; returns the last one. */
export async function ensurePath(store: Store, mailboxId: number, base: Folder, path: readonly string[], folderClass: string | null): Promise<Folder> {
  let current = base;
  for (const part of path) {
    const children = await store.childFolders(mailboxId, current.id);
    const existing = children.find((c) => c.displayName.toLowerCase() === part.toLowerCase());
    if (existing) {
      current = existing;
      continue;
    }
    try {
      current = await store.createFolder(mailboxId, current.id, { displayName: part, folderClass });
    } catch (err) {
      if (err instanceof StoreError) throw new CliError(`cannot create folder ${path.join('/')}: ${err.message}`);
      throw err;
    }
  }
  return current;
}
