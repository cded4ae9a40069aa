import type { Logger } from 'pino';
import type { Account } from '../domain/mailbox.js';
import type { Store } from '../store/store.js';

/** What an operation knows about the request it serves. */
export interface RequestContext {
  /** The authenticated caller. */
  readonly account: Account;
  readonly store: Store;
  readonly requestId: string;
  readonly log: Logger;
  /**
   * Wakes the outbound queue worker once a send has committed queue rows (absent in tools and
   * tests that run operations without a server: the worker's poll then finds the mail).
   */
  readonly mailer?: Mailer;
  /** Filled in by the batch helper, read by the request log line. */
  readonly stats: RequestStats;
}

export interface Mailer {
  wake(): void;
}

export interface RequestStats {
  items: number;
  classes: { Success: number; Warning: number; Error: number };
}

export function newStats(): RequestStats {
  return { items: 0, classes: { Success: 0, Warning: 0, Error: 0 } };
}
