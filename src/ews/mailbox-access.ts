import type { Mailbox } from '../domain/mailbox.js';
import type { RequestContext } from './context.js';
import { EwsError } from './errors.js';

/**
 * Every cross-mailbox access goes through here. A caller may open their own mailbox; any other
 * mailbox answers ErrorAccessDenied until delegation grants it.
 */
export function checkAccess(ctx: RequestContext, mailbox: Mailbox): Mailbox {
  if (mailbox.id !== ctx.account.id) throw new EwsError('ErrorAccessDenied');
  return mailbox;
}

/** The mailbox an id names, by the GUID inside it. */
export async function openMailboxByGuid(ctx: RequestContext, guid: string): Promise<Mailbox> {
  if (guid === ctx.account.guid) return ctx.account;
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
