/**
 * The message that goes out when an item is sent: RFC 5322 bytes, its envelope and the
 * properties of the sender's saved copy. No XML, no SQL: the EWS operations decide what is sent
 * and by whom, the store commits it.
 */
import type { Attachment, EmailAddress, Item, MessageProps, NewAttachment, NewItem } from '../domain/item.js';
import { isValidEmail } from '../domain/mailbox.js';
import { generateMessageId } from '../mime/compose-mime.js';
import type { AttachmentContent } from '../store/store.js';
import { composeAttached, itemFromMime, keptWithMime, type MimeItem } from './mime-mapping.js';
import { MimeParseError } from '../mime/parse-mime.js';

export interface Party {
  name?: string;
  address: string;
}

export interface OutgoingInput {
  /** The message's properties (the draft's, or those of a message created and sent at once). */
  props: MessageProps;
  attachments: readonly NewAttachment[];
  /** MIME to send as given (CreateItem t:MimeContent, or a draft created from MIME and unchanged since). */
  mime?: Buffer;
  /** Whom the message is from: the sending mailbox, or the principal a delegate acts for. */
  from: Party;
  /** The delegate, when one sends on behalf of `from`. */
  sender?: Party;
  now: Date;
}

export interface Outgoing {
  /** The bytes as they go out and into every local Inbox: no Bcc header. */
  raw: Buffer;
  /** Envelope recipients: To + Cc + Bcc, each address once (case-insensitively), spelling kept. */
  recipients: string[];
  /** Envelope sender (MAIL FROM): the delegate when there is one (they hear of failures), else From. */
  envelopeSender: string;
  /** The sender's saved copy (Bcc kept, Message-ID recorded as InternetMessageId). */
  copy: NewItem;
}

/** Something about the message itself makes it unsendable (no recipient, a recipient without a usable address). */
export class UnsendableMessage extends Error {
  override readonly name = 'UnsendableMessage';
}

/** Builds the outgoing message. Throws {@link UnsendableMessage}. */
export async function prepareOutgoing(input: OutgoingInput): Promise<Outgoing> {
  const recipients = envelopeRecipients(input.props);
  const props: MessageProps = structuredClone(input.props);
  props.from = party(input.from);
  if (input.sender) props.sender = party(input.sender);
  else delete props.sender;
  props.isDraft = false;
  props.isRead = true;
  props.isSubmitted = false;
  props.isFromMe = true;
  props.dateTimeSent = input.now;
  props.dateTimeReceived = input.now;
  props.internetMessageId ||= generateMessageId(input.from);
  props.conversationTopic ??= props.subject;
  const attachments = [...input.attachments];
  const raw = input.mime ? completeHeaders(input.mime, props, input.now) : await composeAttached({ props, attachments });
  if (input.mime) props.internetMessageHeaders = headersOf(raw, props.internetMessageHeaders);
  return { raw, recipients, envelopeSender: (input.sender ?? input.from).address, copy: { props, attachments, mime: raw } };
}

/** Local recipients' copies: what they would get over SMTP (the sent bytes), unread, received now. The message is read once. */
export async function receivedCopies(raw: Buffer, recipientAddresses: readonly string[], now: Date): Promise<NewItem[]> {
  if (recipientAddresses.length === 0) return [];
  let parsed: MimeItem;
  try {
    parsed = await itemFromMime(raw);
  } catch (err) {
    if (!(err instanceof MimeParseError)) throw err;
    throw new UnsendableMessage(`the message cannot be read back: ${err.message}`);
  }
  return recipientAddresses.map((address) => {
    const props = structuredClone(parsed.props);
    props.isRead = false;
    props.isDraft = false;
    props.isFromMe = props.from?.address?.toLowerCase() === address.toLowerCase();
    props.dateTimeReceived = now;
    props.conversationTopic ??= props.subject;
    return keptWithMime({ props, attachments: parsed.attachments }, raw, parsed);
  });
}

/** A stored item's attachments, with their contents, as attachments of a new item. */
export function attachmentsOf(attachments: readonly Attachment[], contents: Map<number, AttachmentContent>): NewAttachment[] {
  const out: NewAttachment[] = [];
  for (const a of attachments) {
    const c = contents.get(a.id);
    if (!c) continue;
    if (c.kind === 'file') {
      const file: NewAttachment = { kind: 'file', name: a.name, contentType: a.contentType ?? 'application/octet-stream', isInline: a.isInline, content: c.content };
      if (a.contentId) file.contentId = a.contentId;
      if (a.contentLocation) file.contentLocation = a.contentLocation;
      out.push(file);
    } else {
      const item: NewAttachment = { kind: 'item', name: a.name, isInline: a.isInline, item: c.item };
      if (a.contentType) item.contentType = a.contentType;
      if (a.contentId) item.contentId = a.contentId;
      out.push(item);
    }
  }
  return out;
}

/** Whether a stored item counts as a message for sending (IPM.Note and its subclasses). */
export function isSendable(item: Pick<Item, 'props'>): boolean {
  return /^ipm\.note(\.|$)/i.test(item.props.itemClass);
}

function envelopeRecipients(p: MessageProps): string[] {
  const all = [...p.to, ...p.cc, ...p.bcc];
  if (all.length === 0) throw new UnsendableMessage('The message has no recipients: add at least one To, Cc or Bcc recipient.');
  const seen = new Set<string>();
  const out: string[] = [];
  for (const r of all) {
    const address = r.address?.trim() ?? '';
    if (!isValidEmail(address)) throw new UnsendableMessage(`The recipient '${r.name ?? address}' has no valid SMTP address.`);
    if (seen.has(address.toLowerCase())) continue;
    seen.add(address.toLowerCase());
    out.push(address);
  }
  return out;
}

function party(p: Party): EmailAddress {
  return p.name ? { name: p.name, address: p.address } : { address: p.address };
}

/**
 * MIME sent as given, except: Bcc headers removed (the envelope carries them), and Message-ID,
 * Date, From (and Sender for a delegate) added when missing (RFC 5322 requires Date and From; the Message-ID is the one
 * recorded on the saved copy).
 */
function completeHeaders(mime: Buffer, props: MessageProps, now: Date): Buffer {
  const text = mime.toString('latin1');
  const m = /\r?\n\r?\n/.exec(text);
  const headEnd = m ? m.index : text.length;
  const eol = text.slice(0, headEnd + 2).includes('\r\n') ? '\r\n' : '\n';
  const lines = text.slice(0, headEnd).split(/\r?\n/);
  const kept: string[] = [];
  let dropping = false;
  for (const line of lines) {
    if (/^[ \t]/.test(line)) {
      if (!dropping) kept.push(line); // a folded line belongs to the header above it
      continue;
    }
    // Bcc travels in the envelope only; X-Unsent marks a draft, and this one is being sent.
    dropping = /^(bcc|x-unsent)\s*:/i.test(line);
    if (!dropping) kept.push(line);
  }
  const has = (name: string) => kept.some((l) => l.toLowerCase().startsWith(`${name}:`));
  const added: string[] = [];
  if (!has('from')) added.push(`From: ${formatParty(props.from!)}`);
  // A delegate's message says who actually sent it (RFC 5322 3.6.2).
  if (props.sender && !has('sender')) added.push(`Sender: ${formatParty(props.sender)}`);
  if (!has('date')) added.push(`Date: ${now.toUTCString().replace('GMT', '+0000')}`);
  if (!has('message-id')) added.push(`Message-ID: ${props.internetMessageId}`);
  const head = [...added, ...kept].join(eol);
  return Buffer.concat([Buffer.from(head, 'latin1'), mime.subarray(Buffer.byteLength(text.slice(0, headEnd), 'latin1'))]);
}

/** An address for a header we add ourselves: an ASCII name quoted, a non-ASCII one left out. */
function formatParty(a: EmailAddress): string {
  if (!a.name || !/^[\x20-\x7e]*$/.test(a.name)) return `<${a.address}>`;
  return `"${a.name.replace(/["\\]/g, '\\$&')}" <${a.address}>`;
}

/** The saved copy's Internet headers follow the sent bytes (a removed Bcc is gone from them too). */
function headersOf(raw: Buffer, parsed: MessageProps['internetMessageHeaders']): MessageProps['internetMessageHeaders'] {
  const head = raw.toString('latin1', 0, Math.min(raw.length, 64 * 1024));
  const names = new Set(
    head
      .split(/\r?\n\r?\n/)[0]!
      .split(/\r?\n/)
      .filter((l) => !/^[ \t]/.test(l))
      .map((l) => l.split(':')[0]!.trim().toLowerCase()),
  );
  return parsed.filter((h) => names.has(h.name.toLowerCase()));
}
