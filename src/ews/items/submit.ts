import type { Item, MessageProps, NewAttachment } from '../../domain/item.js';
import type { Mailbox } from '../../domain/mailbox.js';
import { attachmentsOf, prepareOutgoing, receivedCopies, UnsendableMessage, type Outgoing, type OutgoingInput, type Party } from '../../items/send.js';
import { StoreError, type Outcome, type Submission, type Submitted } from '../../store/store.js';
import type { RequestContext } from '../context.js';
import { EwsError } from '../errors.js';
import type { ResolvedFolder } from '../folders/resolve-folder.js';
import { checkFolderAccess, maySendOnBehalf } from '../mailbox-access.js';

/**
 * Sending, shared by SendItem, CreateItem and UpdateItem: who the message is from, the MIME that
 * goes out, which recipients are local (their Inbox copy) and which remote (the outbound queue),
 * then one store transaction for the whole request and a nudge to the queue worker.
 */
export interface SendPlan {
  /** The mailbox the message belongs to: the draft's, or where CreateItem was pointed. */
  owner: Mailbox;
  props: MessageProps;
  attachments: readonly NewAttachment[];
  /** MIME to send as given (the client's t:MimeContent, or an unchanged draft's original). */
  mime?: Buffer;
  /** The stored item being sent; a draft leaves its folder, a message already sent stays (a resend). */
  source?: { itemId: number; modseq: number; remove: boolean };
  /** Where the sender's copy goes; none for SendOnly / SaveItemToFolder="false". */
  saveTo?: ResolvedFolder;
}

/** Builds what the store commits for one message. Per-message failures are {@link EwsError}s. */
export async function prepareSend(ctx: RequestContext, plan: SendPlan): Promise<Submission> {
  const { from, sender } = await whoSends(ctx, plan.owner, plan.props);
  const now = new Date();
  const out = await outgoing({ props: plan.props, attachments: plan.attachments, ...(plan.mime ? { mime: plan.mime } : {}), from, ...(sender ? { sender } : {}), now });
  const local: Array<{ mailboxId: number; folderId: number; address: string }> = [];
  const remote: string[] = [];
  for (const address of out.recipients) {
    const account = await ctx.store.accountByEmail(address.toLowerCase());
    const inbox = account && (await ctx.store.distinguishedFolder(account.id, 'inbox'));
    if (account && inbox) local.push({ mailboxId: account.id, folderId: inbox.id, address: account.email });
    else remote.push(address);
  }
  const copies = await receivedCopies(out.raw, local.map((l) => l.address), now).catch((err: unknown) => {
    // MIME a client sent that cannot be read back: better refused than delivered as an empty item.
    throw err instanceof UnsendableMessage ? new EwsError('ErrorMimeContentConversionFailed', err.message) : err;
  });
  const deliveries = local.map((l, i) => ({ mailboxId: l.mailboxId, folderId: l.folderId, item: copies[i]! }));
  const submission: Submission = { deliveries };
  if (plan.source) submission.source = { mailboxId: plan.owner.id, ...plan.source };
  if (plan.saveTo) submission.copy = { mailboxId: plan.saveTo.mailbox.id, folderId: plan.saveTo.folder.id, item: out.copy };
  if (remote.length) submission.outbound = { sender: out.envelopeSender, recipients: remote, raw: out.raw };
  return submission;
}

async function outgoing(input: OutgoingInput): Promise<Outgoing> {
  try {
    return await prepareOutgoing(input);
  } catch (err) {
    if (err instanceof UnsendableMessage) throw new EwsError('ErrorInvalidRecipients', err.message);
    throw err;
  }
}

/** Commits the prepared sends of one request in one transaction; wakes the queue worker when mail waits for it. */
export async function commitSends(ctx: RequestContext, prepared: ReadonlyArray<Submission | EwsError>): Promise<Array<Outcome<Submitted> | EwsError>> {
  const good = prepared.filter((p): p is Submission => !(p instanceof EwsError));
  const done = good.length ? await ctx.store.submitMessages(good) : [];
  if (done.some((d) => d.ok && d.value.outboundId !== undefined)) ctx.mailer?.wake();
  for (const d of done) {
    if (d.ok) ctx.log.info({ local: d.value.delivered.length, queued: d.value.outboundId, copy: d.value.copy?.id }, 'message sent');
  }
  let next = 0;
  return prepared.map((p) => (p instanceof EwsError ? p : done[next++]!));
}

/** A failed send's EWS error. */
export function sendFailure(error: unknown): EwsError {
  if (error instanceof EwsError) return error;
  if (error instanceof StoreError) {
    if (error.kind === 'conflict') return new EwsError('ErrorStaleObject');
    if (error.kind === 'not-found') return new EwsError('ErrorItemNotFound');
    return new EwsError('ErrorInvalidOperation', error.message);
  }
  throw error;
}

/** The caller's (or the draft's mailbox's) Sent Items, as the default place for the copy. */
export async function sentItemsOf(ctx: RequestContext, mailbox: Mailbox): Promise<ResolvedFolder> {
  const folder = await ctx.store.distinguishedFolder(mailbox.id, 'sentitems');
  if (!folder) throw new EwsError('ErrorFolderNotFound');
  await checkFolderAccess(ctx, mailbox, folder, 'sent-copy');
  return { mailbox, folder };
}

/** A stored item as a send plan's content: its properties, attachments with their bytes, and its original MIME when it has one. */
export async function storedContent(ctx: RequestContext, mailbox: Mailbox, item: Item): Promise<Pick<SendPlan, 'props' | 'attachments' | 'mime'>> {
  const mime = item.hasMime ? await ctx.store.itemMime(mailbox.id, item.id) : undefined;
  const attachments = item.attachments.length ? attachmentsOf(item.attachments, await ctx.store.attachmentContents(mailbox.id, item.id, undefined, mime)) : [];
  return { props: item.props, attachments, ...(mime ? { mime } : {}) };
}

/**
 * From and Sender. The message is from the address its From names, or from the mailbox it
 * belongs to when it names none. That must be the caller, or a principal who gave the caller
 * send-on-behalf rights (then Sender = the caller); anything else is ErrorSendAsDenied, never a
 * message that claims to be from someone it is not.
 */
async function whoSends(ctx: RequestContext, owner: Mailbox, props: MessageProps): Promise<{ from: Party; sender?: Party }> {
  const address = props.from?.address?.trim().toLowerCase() || owner.email;
  const me: Party = { name: ctx.account.displayName, address: ctx.account.email };
  if (address === ctx.account.email) return { from: { ...me, ...(props.from?.name ? { name: props.from.name } : {}) } };
  const principal = owner.email === address ? owner : await ctx.store.accountByEmail(address);
  if (!principal || !(await maySendOnBehalf(ctx, principal))) throw new EwsError('ErrorSendAsDenied');
  return { from: { name: props.from?.name || principal.displayName, address: principal.email }, sender: me };
}
