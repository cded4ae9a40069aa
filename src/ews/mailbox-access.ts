import type { DelegateGrant } from '../domain/delegate.js';
import type { Folder } from '../domain/folder.js';
import type { Mailbox } from '../domain/mailbox.js';
import type { RequestContext } from './context.js';
import { EwsError } from './errors.js';

/**
 * Every cross-mailbox access goes through here. A caller may open their own mailbox. Another
 * mailbox opens only for a delegate (`ewsd delegate add`), and then only as far as the grant goes:
 * - a folder grant (a distinguished folder) gives Editor rights on that folder and its subfolders:
 *   its items can be read, created, changed, moved and deleted; nothing else of the mailbox;
 * - send-on-behalf lets the delegate send as the principal's delegate (From = principal,
 *   Sender = delegate) and store the sent copy in the principal's Sent Items (and see that
 *   folder, without its items);
 * - any delegate may see (GetFolder) the mailbox's root and top of information store.
 * Without a grant every access is ErrorAccessDenied.
 */

/** What the caller holds in a mailbox: everything (their own), or a delegate's grant. */
async function grantFor(ctx: RequestContext, mailbox: Mailbox): Promise<DelegateGrant | 'owner' | undefined> {
  if (mailbox.id === ctx.account.id) return 'owner';
  return ctx.store.delegateGrant(mailbox.id, ctx.account.id);
}

/** Opens a mailbox for the caller: their own, or one they are a delegate of (folders are checked separately). */
export async function checkAccess(ctx: RequestContext, mailbox: Mailbox): Promise<Mailbox> {
  if (!(await grantFor(ctx, mailbox))) throw new EwsError('ErrorAccessDenied');
  return mailbox;
}

/**
 * The caller's own mailbox when `guid` names it, else undefined: no lookup and nothing to check,
 * so a batch can resolve hundreds of its own ids without an await each.
 */
export function ownMailboxByGuid(ctx: RequestContext, guid: string): Mailbox | undefined {
  return guid === ctx.account.guid ? ctx.account : undefined;
}

/** The mailbox an id names, by the GUID inside it. */
export async function openMailboxByGuid(ctx: RequestContext, guid: string): Promise<Mailbox> {
  const own = ownMailboxByGuid(ctx, guid);
  if (own) return own;
  const mailbox = await ctx.store.mailboxByGuid(guid);
  if (!mailbox) throw new EwsError('ErrorNonExistentMailbox', undefined, [['MailboxGuid', guid]]);
  return checkAccess(ctx, mailbox);
}

/** The mailbox of an SMTP address (the caller's own when none is given). */
export async function openMailbox(ctx: RequestContext, address: string | undefined): Promise<Mailbox> {
  if (!address || address.toLowerCase() === ctx.account.email) return ctx.account;
  const mailbox = await ctx.store.accountByEmail(address.toLowerCase());
  if (!mailbox) throw new EwsError('ErrorNonExistentMailbox', 'The SMTP address has no mailbox associated with it.');
  return checkAccess(ctx, mailbox);
}

/**
 * Why a folder is being opened: `open` is using it and its items; `sent-copy` is storing the
 * copy of a message the caller sends; `see` is reading the folder's own properties (GetFolder).
 */
export type FolderPurpose = 'open' | 'see' | 'sent-copy';

/**
 * Folders any delegate may see (not their items): the top of the mailbox, as Outlook's "Folder
 * visible" on the information store top when a delegate is added. Clients such as exchangelib
 * look the principal's root up before anything else.
 */
const VISIBLE_TO_DELEGATES = new Set(['root', 'msgfolderroot']);

/** May the caller use this folder of `mailbox`? Own mailbox: always. Delegate: a granted folder or below it. */
export async function checkFolderAccess(ctx: RequestContext, mailbox: Mailbox, folder: Folder, purpose: FolderPurpose = 'open'): Promise<void> {
  const grant = await grantFor(ctx, mailbox);
  if (grant === 'owner') return;
  if (!grant) throw new EwsError('ErrorAccessDenied');
  const sentItems = folder.distinguishedId === 'sentitems';
  if (purpose !== 'open' && grant.sendOnBehalf && sentItems) return;
  if (purpose === 'see' && folder.distinguishedId && VISIBLE_TO_DELEGATES.has(folder.distinguishedId)) return;
  // Walk up to the root: the folder or one of its ancestors must be a granted distinguished folder.
  for (let f: Folder | undefined = folder, depth = 0; f && depth < 64; depth++) {
    if (f.distinguishedId && grant.folders.includes(f.distinguishedId)) return;
    f = f.parentId === null ? undefined : await ctx.store.folder(mailbox.id, f.parentId);
  }
  throw new EwsError('ErrorAccessDenied');
}

/**
 * May the caller use this item of `mailbox`? Only a delegate pays for the lookup. An item that
 * does not exist is the caller's business in their own mailbox and denied in another one (a
 * delegate learns nothing about folders outside the grant).
 */
export async function checkItemAccess(ctx: RequestContext, mailbox: Mailbox, itemId: number): Promise<void> {
  if (mailbox.id === ctx.account.id) return;
  const [item] = await ctx.store.items(mailbox.id, [itemId]);
  const folder = item && (await ctx.store.folder(mailbox.id, item.folderId));
  if (!folder) throw new EwsError('ErrorAccessDenied');
  await checkFolderAccess(ctx, mailbox, folder);
}

/** May the caller send as `principal`'s delegate (From = principal, Sender = caller)? */
export async function maySendOnBehalf(ctx: RequestContext, principal: Mailbox): Promise<boolean> {
  const grant = await grantFor(ctx, principal);
  return grant === 'owner' || (grant?.sendOnBehalf ?? false);
}
