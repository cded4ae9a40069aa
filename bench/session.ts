import type { CorpusMessage } from './corpus.js';

/** An item as its server names it: an EWS ItemId, or an IMAP UID written as a string. */
export type ItemRef = string;

/** The server answered that it does not implement this operation yet (EWS: a fault naming it). */
export class NotImplemented extends Error {
  constructor(readonly operation: string) {
    super(`${operation} is not implemented yet`);
  }
}

/** The workloads that take items in batches, and how many items each request carries. */
export type BatchedWorkload = 'store' | 'list' | 'fetch' | 'flag' | 'delete' | 'export' | 'upload';

/**
 * One client connection to one server, speaking that server's protocol. Every method is one
 * request (or the fewest the protocol allows) so that latency is measured per request.
 */
export interface MailSession {
  /** Stores the messages in the inbox; returns their refs in order. */
  store(batch: readonly CorpusMessage[]): Promise<ItemRef[]>;
  /** Lists one page of the inbox (id + subject, from, date, size, read flag); returns the number of entries. */
  listPage(offset: number, size: number): Promise<number>;
  /** Returns the full MIME of each item, in order; the buffers may be the session's own, valid until its next call. */
  fetch(refs: readonly ItemRef[]): Promise<Buffer[]>;
  setRead(refs: readonly ItemRef[], read: boolean): Promise<void>;
  /** A marker of the inbox's current state, to ask later for what changed since. */
  syncState(): Promise<string>;
  /** Asks what changed since `state`; returns the number of changes reported. */
  changesSince(state: string): Promise<number>;
  delete(refs: readonly ItemRef[]): Promise<void>;
  /** ExportItems: each item's Data (base64). EWS only: IMAP has no counterpart. */
  exportItems?(refs: readonly ItemRef[]): Promise<string[]>;
  /** UploadItems into the inbox (CreateNew); returns the new refs. EWS only. */
  uploadItems?(data: readonly string[]): Promise<ItemRef[]>;
  close(): Promise<void>;
}

export interface ServerDriver {
  /** ews-floor: the protocol floor, ewsd's recorded answers replayed (canned-ews.ts). */
  name: 'ewsd' | 'dovecot' | 'ews-floor';
  /** The server's root process, for CPU and memory. */
  pid: number;
  /** Items per request, for each batched workload. */
  batch: Readonly<Record<BatchedWorkload, number>>;
  /** A syntactically valid ref of no item: sent to learn whether an operation exists when there is nothing to act on. */
  probeRef: ItemRef;
  /** Creates the account (when the server needs it) and returns the user name to open sessions with. */
  prepareUser(name: string): Promise<void>;
  open(user: string): Promise<MailSession>;
}
