import type { Database, Statement } from 'better-sqlite3';
import type { ClaimedMessage, NewOutboundMessage, OutboundRecipient, OutboundSummary, RecipientResult, RecipientState } from '../../domain/outbound.js';

/** Schema of the outbound queue (migration step 10). Frozen once released: change it with a new step. */
export const OUTBOUND_SCHEMA = `
  CREATE TABLE outbound_messages (
    id              INTEGER PRIMARY KEY,
    sender          TEXT NOT NULL,              -- envelope MAIL FROM; '' = null sender (reports)
    raw             BLOB NOT NULL,
    created_at      INTEGER NOT NULL,           -- retry time is counted from here
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,           -- while claimed: when the claim lapses
    claimed_by      INTEGER,                    -- process id of the worker holding it, NULL when free
    last_error      TEXT
  );
  CREATE INDEX outbound_by_due ON outbound_messages(next_attempt_at);
  CREATE TABLE outbound_recipients (
    message_id INTEGER NOT NULL REFERENCES outbound_messages(id) ON DELETE CASCADE,
    address    TEXT NOT NULL,
    state      TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed', 'bounced')),
    last_error TEXT,
    PRIMARY KEY (message_id, address)
  ) WITHOUT ROWID;
`;

interface MessageRow {
  id: number;
  sender: string;
  raw: Buffer;
  created_at: number;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
}

interface SummaryRow extends Omit<MessageRow, 'raw'> {
  size: number;
}

interface RecipientRow {
  message_id: number;
  address: string;
  state: RecipientState;
  last_error: string | null;
}

/**
 * Adds a message to the queue. Runs inside the caller's transaction, so a send operation can
 * commit its Sent Items copy, its local deliveries and its queue entry together.
 */
export function insertOutbound(db: Database, message: NewOutboundMessage, now = Date.now()): number {
  // Each mailbox once; the spelling is kept as given (a local part may be case-sensitive, RFC 5321 2.4).
  const seen = new Set<string>();
  const recipients = message.recipients.filter((r) => !seen.has(r.toLowerCase()) && seen.add(r.toLowerCase()));
  if (recipients.length === 0) throw new Error('an outbound message needs at least one recipient');
  const row = db
    .prepare('INSERT INTO outbound_messages (sender, raw, created_at, next_attempt_at) VALUES (?, ?, ?, ?) RETURNING id')
    .get(message.sender, message.raw, now, now) as { id: number };
  const add = db.prepare('INSERT INTO outbound_recipients (message_id, address) VALUES (?, ?)');
  for (const address of recipients) add.run(row.id, address);
  return row.id;
}

/** The queue's SQL; every method that writes is one IMMEDIATE transaction, committed on return. */
export class OutboundQueries {
  constructor(
    private readonly db: Database,
    private readonly sql: (text: string) => Statement,
  ) {}

  enqueue(message: NewOutboundMessage): number {
    return this.db.transaction(() => insertOutbound(this.db, message)).immediate();
  }

  /**
   * Hands out up to `limit` due messages to worker `owner` (its process id). The claim is a lease:
   * the message's next attempt moves to `now + leaseMs`, so a worker that dies mid-pass only
   * delays it, and the attempt is counted before anything is sent.
   */
  claim(now: number, leaseMs: number, limit: number, owner: number): ClaimedMessage[] {
    const claim = this.db.transaction(() => {
      const rows = this.sql(
        `UPDATE outbound_messages SET claimed_by = ?, next_attempt_at = ?, attempts = attempts + 1
         WHERE id IN (SELECT id FROM outbound_messages WHERE next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?)
         RETURNING *`,
      ).all(owner, now + leaseMs, now, limit) as MessageRow[];
      return rows
        .sort((a, b) => a.id - b.id)
        .map((r) => {
          const recipients = this.sql('SELECT * FROM outbound_recipients WHERE message_id = ? ORDER BY address').all(r.id) as RecipientRow[];
          return {
            id: r.id,
            sender: r.sender,
            raw: r.raw,
            createdAt: new Date(r.created_at),
            attempts: r.attempts,
            pending: recipients.filter((x) => x.state === 'pending').map((x) => x.address),
            failed: recipients.filter((x) => x.state === 'failed').map((x) => ({ address: x.address, reason: x.last_error ?? 'delivery failed' })),
          };
        });
    });
    return claim.immediate();
  }

  /** The workers (process ids) holding claims. */
  claimOwners(): number[] {
    return (this.sql('SELECT DISTINCT claimed_by AS owner FROM outbound_messages WHERE claimed_by IS NOT NULL').all() as { owner: number }[]).map((r) => r.owner);
  }

  /** Lapses the claims of workers that are gone: their messages are due now. */
  releaseClaims(now: number, owners: number[]): number {
    const release = this.sql('UPDATE outbound_messages SET claimed_by = NULL, next_attempt_at = min(next_attempt_at, ?) WHERE claimed_by = ?');
    return this.db.transaction(() => owners.reduce((n, owner) => n + release.run(now, owner).changes, 0)).immediate();
  }

  /** Makes waiting messages (all, or those listed) due now; a claimed one is left to its worker. */
  retryNow(now: number, ids: number[] | undefined): number {
    if (ids === undefined) return this.sql('UPDATE outbound_messages SET next_attempt_at = ? WHERE claimed_by IS NULL AND next_attempt_at > ?').run(now, now).changes;
    const set = this.sql('UPDATE outbound_messages SET next_attempt_at = ? WHERE id = ? AND claimed_by IS NULL AND next_attempt_at > ?');
    return this.db.transaction(() => ids.reduce((n, id) => n + set.run(now, id, now).changes, 0)).immediate();
  }

  /** Records one pass's per-recipient outcomes and ends the claim; a finished message leaves the queue. */
  recordResults(messageId: number, results: RecipientResult[], nextAttemptAt: number, lastError: string | null): void {
    const record = this.db.transaction(() => {
      const set = this.sql('UPDATE outbound_recipients SET state = ?, last_error = ? WHERE message_id = ? AND address = ? AND state = ?');
      for (const r of results) {
        const state: RecipientState = r.outcome === 'delivered' ? 'delivered' : r.outcome === 'failed' ? 'failed' : 'pending';
        set.run(state, r.detail, messageId, r.address, 'pending');
      }
      this.sql('UPDATE outbound_messages SET claimed_by = NULL, next_attempt_at = ?, last_error = ? WHERE id = ?').run(nextAttemptAt, lastError, messageId);
      this.#removeIfFinished(messageId);
    });
    record.immediate();
  }

  /** The sender has been told about these failed recipients. */
  markBounced(messageId: number, addresses: string[]): void {
    const mark = this.db.transaction(() => {
      const set = this.sql("UPDATE outbound_recipients SET state = 'bounced' WHERE message_id = ? AND address = ? AND state = 'failed'");
      for (const a of addresses) set.run(messageId, a);
      this.#removeIfFinished(messageId);
    });
    mark.immediate();
  }

  nextAttemptAt(): number | undefined {
    const row = this.sql('SELECT min(next_attempt_at) AS at FROM outbound_messages').get() as { at: number | null };
    return row.at ?? undefined;
  }

  list(): OutboundSummary[] {
    const messages = this.sql(
      'SELECT id, sender, length(raw) AS size, created_at, attempts, next_attempt_at, last_error FROM outbound_messages ORDER BY id',
    ).all() as SummaryRow[];
    const recipients = this.sql('SELECT * FROM outbound_recipients ORDER BY message_id, address').all() as RecipientRow[];
    const byMessage = new Map<number, OutboundRecipient[]>();
    for (const r of recipients) {
      let list = byMessage.get(r.message_id);
      if (!list) byMessage.set(r.message_id, (list = []));
      list.push({ address: r.address, state: r.state, lastError: r.last_error });
    }
    return messages.map((m) => ({
      id: m.id,
      sender: m.sender,
      size: m.size,
      createdAt: new Date(m.created_at),
      attempts: m.attempts,
      nextAttemptAt: new Date(m.next_attempt_at),
      lastError: m.last_error,
      recipients: byMessage.get(m.id) ?? [],
    }));
  }

  /** A message stays while a recipient is still pending or still owed a report. */
  #removeIfFinished(messageId: number): void {
    this.sql(
      `DELETE FROM outbound_messages WHERE id = ?
         AND NOT EXISTS (SELECT 1 FROM outbound_recipients WHERE message_id = ? AND state IN ('pending', 'failed'))`,
    ).run(messageId, messageId);
  }
}
