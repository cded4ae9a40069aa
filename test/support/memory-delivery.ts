import { LocalDeliveryUnavailable, type LocalDelivery } from '../../src/delivery/local-delivery.js';

export interface Delivered {
  recipients: string[];
  raw: Buffer;
}

/**
 * A LocalDelivery for the transport's own tests: it knows a fixed set of local addresses and
 * keeps what it is given in memory. `unavailable` makes it refuse the way the pre-items stand-in does.
 */
export class MemoryDelivery implements LocalDelivery {
  readonly delivered: Delivered[] = [];
  unavailable = false;
  readonly #local: Set<string>;

  constructor(localAddresses: string[]) {
    this.#local = new Set(localAddresses.map((a) => a.toLowerCase()));
  }

  async isLocal(address: string): Promise<boolean> {
    return this.#local.has(address.toLowerCase());
  }

  async deliver(recipients: string[], raw: Buffer): Promise<void> {
    if (this.unavailable) throw new LocalDeliveryUnavailable('local delivery switched off by the test');
    for (const r of recipients) if (!this.#local.has(r)) throw new Error(`${r} is not local`);
    this.delivered.push({ recipients: [...recipients], raw: Buffer.from(raw) });
  }

  /** What reached one mailbox, oldest first. */
  inbox(address: string): Buffer[] {
    return this.delivered.filter((d) => d.recipients.includes(address.toLowerCase())).map((d) => d.raw);
  }
}
