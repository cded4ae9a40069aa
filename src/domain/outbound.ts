/**
 * The outbound mail queue, as the domain sees it: a message accepted for sending to remote
 * recipients, waiting in the store until the relay has taken it for every recipient or a
 * non-delivery report has told the sender that it never will.
 */

/**
 * - `pending`: not yet taken by the relay (never tried, or deferred by a temporary failure);
 * - `delivered`: the relay answered 250 for it (the relay now owns the message);
 * - `failed`: permanently refused or out of retry time; the sender's report is still owed;
 * - `bounced`: the non-delivery report has been delivered to the sender.
 */
export type RecipientState = 'pending' | 'delivered' | 'failed' | 'bounced';

export interface NewOutboundMessage {
  /** Envelope sender (MAIL FROM); '' is the null sender of reports, which are never bounced. */
  sender: string;
  /** Envelope recipients; case-insensitive duplicates are dropped (each mailbox gets the message once), spelling kept. */
  recipients: string[];
  /** The RFC 5322 message exactly as it goes on the wire (no Bcc header). */
  raw: Buffer;
}

export interface OutboundRecipient {
  address: string;
  state: RecipientState;
  /** The last reply or error for this recipient (why it waits, or why it failed). */
  lastError: string | null;
}

/** A due message handed to one worker for one delivery pass. */
export interface ClaimedMessage {
  id: number;
  sender: string;
  raw: Buffer;
  createdAt: Date;
  /** Delivery passes so far, this one included. */
  attempts: number;
  /** Recipients still to offer to the relay. */
  pending: string[];
  /** Recipients that failed and whose non-delivery report is still owed, with the reason. */
  failed: { address: string; reason: string }[];
}

/** What one delivery pass learnt about one recipient. */
export interface RecipientResult {
  address: string;
  outcome: 'delivered' | 'failed' | 'deferred';
  /** The relay's reply or the local error, for `ewsd queue list` and the report. */
  detail: string;
}

/** A waiting message as `ewsd queue list` shows it (without its bytes). */
export interface OutboundSummary {
  id: number;
  sender: string;
  size: number;
  createdAt: Date;
  attempts: number;
  nextAttemptAt: Date;
  lastError: string | null;
  recipients: OutboundRecipient[];
}
