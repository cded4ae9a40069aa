import type { ClaimedMessage, NewOutboundMessage, RecipientResult } from '../domain/outbound.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/store.js';
import type { LocalDelivery } from './local-delivery.js';
import { composeNdr, type Failure } from './ndr.js';
import { describeDuration, type RetryPolicy } from './retry-policy.js';
import type { Relay } from './smtp-relay.js';

export interface OutboundQueueOptions {
  store: Store;
  /** Where non-delivery reports for local senders go. */
  localDelivery: LocalDelivery;
  /** The smart host; without one, remote recipients wait (with the reason shown) until their retry time runs out. */
  relay: Relay | undefined;
  retry: RetryPolicy;
  log: Logger;
  /** How often to look for messages queued by another process (default 10 s). */
  pollMs?: number;
  /** How long a claimed message stays with this worker if it dies mid-pass (default 15 min). */
  leaseMs?: number;
  /** Name in the reports' Reporting-MTA and MAILER-DAEMON address. */
  reportingHost?: string;
}

export const NO_RELAY = 'no SMTP relay is configured: remote mail waits until ewsd serve runs with --smtp-relay host:port';

/**
 * The durable outbound queue and its single delivery worker.
 *
 * Exactly once per recipient: a message is committed before `enqueue` resolves; each pass claims
 * it (a lease, so a dead worker only delays it), offers only its still-pending recipients to the
 * relay, and commits every recipient's outcome the moment the relay has answered. The one
 * window left is between the relay's final 250 and that commit (a crash there re-sends to the
 * recipients of that one message on restart); nothing else awaits inside it.
 *
 * Workers are told apart by process id: several servers may share a store (a claim is taken in
 * an IMMEDIATE transaction, so no message is handed to two of them), and `start()` makes the
 * claims of a dead predecessor due at once.
 *
 * Without a relay, remote recipients stay pending with NO_RELAY as their reason (`ewsd queue list`
 * shows it) and bounce, like any deferral, when the retry time runs out. This was chosen over an
 * immediate bounce so that mail sent before a relay is configured is delivered once it is.
 */
export class OutboundQueue {
  readonly #o: Required<Omit<OutboundQueueOptions, 'relay' | 'reportingHost'>> & Pick<OutboundQueueOptions, 'relay' | 'reportingHost'>;
  #running: Promise<void> | undefined;
  #again = false;
  #timer: NodeJS.Timeout | undefined;
  #started = false;
  #stopping = false;

  constructor(options: OutboundQueueOptions) {
    this.#o = { pollMs: 10_000, leaseMs: 15 * 60_000, ...options };
  }

  /** Commits the message to the queue (durably) and wakes the worker. Resolves with its queue id. */
  async enqueue(message: NewOutboundMessage): Promise<number> {
    const id = await this.#o.store.enqueueOutbound(message);
    this.wake();
    return id;
  }

  async start(): Promise<void> {
    // Claims of workers that died (kill -9, power loss) are due again now rather than when their
    // lease lapses. A live worker's claims are left alone: two servers on one store never share a message.
    const gone = (await this.#o.store.outboundClaimOwners()).filter((pid) => pid === process.pid || !processAlive(pid));
    const released = await this.#o.store.releaseOutboundClaims(new Date(), gone);
    if (released > 0) this.#o.log.warn({ released }, 'outbound messages claimed by a previous run are due again');
    if (!this.#o.relay) this.#o.log.info('no SMTP relay configured: mail to remote recipients stays queued');
    this.#started = true;
    this.wake();
  }

  /** Runs a delivery pass now (or right after the current one). */
  wake(): void {
    if (!this.#started || this.#stopping) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    clearTimeout(this.#timer);
    this.#running = this.#run()
      .catch((err: unknown) => this.#o.log.error({ err }, 'outbound delivery pass failed'))
      .then(() => this.#arm())
      .catch((err: unknown) => this.#o.log.error({ err }, 'could not schedule the next outbound pass'))
      .finally(() => {
        this.#running = undefined;
        if (this.#again) {
          this.#again = false;
          this.wake();
        }
      });
  }

  /** Stops taking new passes and waits (at most `graceMs`) for the message in hand. */
  async stop(graceMs = 10_000): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#timer);
    if (!this.#running) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.#running, new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
  }

  async #run(): Promise<void> {
    for (;;) {
      this.#again = false;
      // One message per claim: only the message in hand is held in memory (they can be 25 MB each),
      // and only it is leased, so a stop or crash leaves nothing else waiting on a lapsed claim.
      const batch = await this.#o.store.claimOutbound(new Date(), this.#o.leaseMs, 1, process.pid);
      for (const message of batch) {
        if (this.#stopping) return; // its claim is released when the next worker starts
        await this.#deliver(message).catch((err: unknown) => this.#o.log.error({ err, queueId: message.id }, 'outbound message pass failed'));
      }
      if (batch.length === 0 || this.#stopping) return;
    }
  }

  /** Sleeps until the earliest due message, but never longer than the poll interval. */
  async #arm(): Promise<void> {
    if (this.#stopping) return;
    const next = await this.#o.store.nextOutboundAttempt();
    const delay = next === undefined ? this.#o.pollMs : Math.max(0, Math.min(next.getTime() - Date.now(), this.#o.pollMs));
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.wake(), delay);
    this.#timer.unref();
  }

  async #deliver(m: ClaimedMessage): Promise<void> {
    const { store, relay, retry, log } = this.#o;
    let results: RecipientResult[] = [];
    if (m.pending.length > 0) {
      results = relay
        ? await relay.send(m.sender, m.pending, m.raw)
        : m.pending.map((address) => ({ address, outcome: 'deferred' as const, detail: NO_RELAY }));
    }
    const now = Date.now();
    if (retry.expired(m.createdAt, now)) {
      const span = describeDuration(retry.options.retryForMs);
      results = results.map((r) => (r.outcome === 'deferred' ? { ...r, outcome: 'failed', detail: `4.4.7 no delivery within ${span}; last error: ${r.detail}` } : r));
    }
    const lastError = results.find((r) => r.outcome === 'deferred')?.detail ?? results.find((r) => r.outcome === 'failed')?.detail ?? null;
    // Committed at once: this is what makes a restart resume only the recipients still pending.
    await store.recordOutboundResults(m.id, results, new Date(retry.nextAttempt(m.createdAt, m.attempts, now)), lastError);
    for (const r of results) {
      const entry = { queueId: m.id, recipient: r.address, attempt: m.attempts, detail: r.detail };
      if (r.outcome === 'delivered') log.info(entry, 'outbound message relayed');
      else if (r.outcome === 'deferred') log.warn(entry, 'outbound delivery deferred');
      else log.warn(entry, 'outbound delivery failed');
    }
    const owed: Failure[] = [...m.failed, ...results.filter((r) => r.outcome === 'failed').map((r) => ({ address: r.address, reason: r.detail }))];
    if (owed.length > 0) await this.#bounce(m, owed);
  }

  /** Tells the sender; the failures stay owed (and are retried) until the report is delivered. */
  async #bounce(m: ClaimedMessage, failures: Failure[]): Promise<void> {
    const { store, localDelivery, log } = this.#o;
    const addresses = failures.map((f) => f.address);
    if (m.sender === '') {
      // A report about a report would loop (RFC 5321 section 4.5.5): log it and let it go.
      log.warn({ queueId: m.id, recipients: addresses }, 'undeliverable report dropped');
      await store.markOutboundBounced(m.id, addresses);
      return;
    }
    try {
      const ndr = await composeNdr({
        to: m.sender,
        original: m.raw,
        failures,
        arrivalDate: m.createdAt,
        ...(this.#o.reportingHost !== undefined ? { reportingHost: this.#o.reportingHost } : {}),
      });
      if (await localDelivery.isLocal(m.sender.toLowerCase())) await localDelivery.deliver([m.sender.toLowerCase()], ndr);
      else await store.enqueueOutbound({ sender: '', recipients: [m.sender], raw: ndr });
      // A crash between the report's delivery and this commit would report twice, never zero times.
      await store.markOutboundBounced(m.id, addresses);
      log.info({ queueId: m.id, sender: m.sender, recipients: addresses }, 'non-delivery report sent');
    } catch (err) {
      log.warn({ err, queueId: m.id, sender: m.sender }, 'non-delivery report not delivered yet; will retry');
    }
  }
}

/** Whether a process exists (EPERM: it does, but belongs to someone else). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
