import type { Store } from '../store/store.js';

/** Puts a received or bounced message into a local mailbox's Inbox (durably, before resolving). */
export interface LocalDelivery {
  /** Addresses (lower-cased) that have a mailbox on this server. */
  isLocal(address: string): Promise<boolean>;
  /** Delivers raw RFC 5322 bytes into each mailbox's Inbox as one transaction; unread; DateTimeReceived = now. */
  deliver(recipients: string[], raw: Buffer): Promise<void>;
}

/** Local delivery cannot happen right now; the message must stay with whoever holds it (SMTP 451, queue retry). */
export class LocalDeliveryUnavailable extends Error {
  override readonly name = 'LocalDeliveryUnavailable';
}

/**
 * The stand-in until message items exist: it knows which addresses are local, but refuses to
 * deliver, loudly and temporarily, so that no message is accepted and then lost. The items-backed
 * implementation replaces it through `ServerConfig.localDelivery`.
 */
export function unavailableLocalDelivery(store: Store): LocalDelivery {
  return {
    async isLocal(address) {
      return (await store.accountByEmail(address.toLowerCase())) !== undefined;
    },
    async deliver() {
      throw new LocalDeliveryUnavailable('local delivery not available yet (message items are not part of this build)');
    },
  };
}
