import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { spawnSync } from 'node:child_process';
import { simpleParser } from './support/mail-parse.js';
import type { OutboundSummary } from '../src/domain/outbound.js';
import { OutboundQueue, NO_RELAY } from '../src/delivery/outbound-queue.js';
import { RetryPolicy, type RetryPolicyOptions } from '../src/delivery/retry-policy.js';
import { SmtpRelay, type RelayConfig } from '../src/delivery/smtp-relay.js';
import { createLogger } from '../src/log.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { MemoryDelivery } from './support/memory-delivery.js';
import { SmtpPeer } from './support/smtp-peer.js';
import { sleep, waitFor } from './support/wait.js';

const ALICE = 'alice@example.com';

interface Ctx {
  store: SqliteStore;
  queue: OutboundQueue;
  delivery: MemoryDelivery;
  dataDir: string;
}

/** A real store on a temp dir, a queue worker with a fast retry policy; always cleaned up. */
async function withQueue(
  options: { relay?: Partial<RelayConfig> & { port: number }; retry?: Partial<RetryPolicyOptions>; start?: boolean },
  body: (ctx: Ctx) => Promise<void>,
): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ewsd-queue-'));
  const store = SqliteStore.open(dataDir);
  const delivery = new MemoryDelivery([ALICE]);
  const queue = new OutboundQueue({
    store,
    localDelivery: delivery,
    relay: options.relay ? new SmtpRelay({ host: '127.0.0.1', security: 'none', connectionTimeoutMs: 3000, ...options.relay }) : undefined,
    retry: new RetryPolicy({ initialMs: 40, maxIntervalMs: 200, retryForMs: 60_000, ...options.retry }),
    log: createLogger(process.env.EWSD_TEST_LOG ?? 'silent'),
    pollMs: 100,
    reportingHost: 'ewsd.test',
  });
  try {
    if (options.start !== false) await queue.start();
    await body({ store, queue, delivery, dataDir });
  } finally {
    await queue.stop();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The id of a process that has exited (a crashed worker). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', ''], { timeout: 10_000 });
  assert.ok(child.pid);
  return child.pid;
}

function message(subject: string, to = 'bob@remote.test'): Buffer {
  return Buffer.from(
    `From: Alice <${ALICE}>\r\nTo: ${to}\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '')}@example.com>\r\n` +
      `Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello from ${subject}.\r\n`,
  );
}

/** The queued messages matching `test`, or undefined while there are none (for waitFor). */
const queuedWhere = (store: SqliteStore, test: (m: OutboundSummary) => boolean) => async () => {
  const found = (await store.listOutbound()).filter(test);
  return found.length > 0 ? found : undefined;
};

const emptied = (store: SqliteStore) => async () => (await store.listOutbound()).length === 0;

describe('outbound queue and SMTP relay', () => {
  it('relays a queued message once, byte for byte, and leaves the queue empty', async () => {
    const relay = await SmtpPeer.start();
    try {
      await withQueue({ relay: { port: relay.port } }, async ({ store, queue }) => {
        const raw = message('first');
        await queue.enqueue({ sender: ALICE, recipients: ['bob@remote.test', 'Carol@Remote.test', 'bob@remote.test'], raw });
        await waitFor('the queue to empty', emptied(store));
        assert.equal(relay.received.length, 1);
        assert.equal(relay.received[0]!.from, ALICE);
        assert.deepEqual(relay.received[0]!.to.sort(), ['Carol@Remote.test', 'bob@remote.test']);
        assert.equal(relay.received[0]!.raw.toString(), raw.toString());
        await sleep(300);
        assert.equal(relay.received.length, 1, 'no second copy');
      });
    } finally {
      await relay.close();
    }
  });

  it('retries 4xx replies with backoff and delivers exactly once', async () => {
    const relay = await SmtpPeer.start();
    relay.deferData = 2;
    try {
      await withQueue({ relay: { port: relay.port } }, async ({ store, queue }) => {
        await queue.enqueue({ sender: ALICE, recipients: ['bob@remote.test'], raw: message('retried') });
        await waitFor('the queue to empty', emptied(store));
        assert.equal(relay.dataAttempts, 3);
        assert.equal(relay.received.length, 1);
      });
    } finally {
      await relay.close();
    }
  });

  it('shows why a message waits while the relay is down, and delivers it once when it is back', async () => {
    const relay = await SmtpPeer.start();
    const port = relay.port;
    await relay.close();
    try {
      await withQueue({ relay: { port } }, async ({ store, queue }) => {
        await queue.enqueue({ sender: ALICE, recipients: ['bob@remote.test'], raw: message('down') });
        const [waiting] = await waitFor('a failed attempt', queuedWhere(store, (m) => m.attempts >= 2));
        assert.match(waiting!.lastError ?? '', /ECONNREFUSED/);
        assert.equal(waiting!.recipients[0]!.state, 'pending');
        await relay.open(port);
        await waitFor('the queue to empty', emptied(store));
        assert.equal(relay.received.length, 1);
      });
    } finally {
      await relay.close();
    }
  });

  it('tries again at once when asked to (ewsd queue retry), instead of waiting out the backoff', async () => {
    const relay = await SmtpPeer.start();
    const port = relay.port;
    await relay.close();
    try {
      await withQueue({ relay: { port }, retry: { initialMs: 3_600_000, maxIntervalMs: 3_600_000, retryForMs: 86_400_000 } }, async ({ store, queue }) => {
        await queue.enqueue({ sender: ALICE, recipients: ['bob@remote.test'], raw: message('flushed') });
        const [waiting] = await waitFor('a failed attempt', queuedWhere(store, (m) => m.lastError !== null));
        assert.ok(waiting!.nextAttemptAt.getTime() > Date.now() + 3_000_000, 'an hour of backoff');
        await relay.open(port);
        assert.equal(await store.retryOutboundNow(new Date()), 1);
        await waitFor('the queue to empty', emptied(store)); // the worker polls every 100 ms here
        assert.equal(relay.received.length, 1);
      });
    } finally {
      await relay.close();
    }
  });

  it('bounces a 5xx recipient with a delivery report in the sender Inbox, and delivers to the others', async () => {
    const relay = await SmtpPeer.start();
    relay.rcptReplies.set('nobody@remote.test', 550);
    try {
      await withQueue({ relay: { port: relay.port } }, async ({ store, queue, delivery }) => {
        await queue.enqueue({ sender: ALICE, recipients: ['bob@remote.test', 'nobody@remote.test'], raw: message('partly') });
        await waitFor('the queue to empty', emptied(store));
        assert.deepEqual(relay.received.map((m) => m.to), [['bob@remote.test']]);
        const [ndr] = delivery.inbox(ALICE);
        assert.ok(ndr, 'a report reached the sender');
        const report = await simpleParser(ndr);
        assert.match(report.contentType, /^multipart\/report; report-type=delivery-status/);
        assert.equal(report.subject, 'Undeliverable: partly');
        assert.match(report.status, /Final-Recipient: rfc822; nobody@remote\.test/);
        assert.match(report.status, /Status: 5\.1\.1/);
        assert.doesNotMatch(report.status, /bob@remote\.test/);
        assert.match(report.headers, /Subject: partly/);
        assert.equal(delivery.delivered.length, 1);
      });
    } finally {
      await relay.close();
    }
  });

  it('bounces with 5xx to every recipient (DATA refused permanently is final too)', async () => {
    const relay = await SmtpPeer.start();
    relay.rcptReplies.set('x@remote.test', 550);
    relay.rcptReplies.set('y@remote.test', 550);
    try {
      await withQueue({ relay: { port: relay.port } }, async ({ store, queue, delivery }) => {
        await queue.enqueue({ sender: ALICE, recipients: ['x@remote.test', 'y@remote.test'], raw: message('all refused') });
        await waitFor('the queue to empty', emptied(store));
        assert.equal(relay.received.length, 0);
        const report = await simpleParser(delivery.inbox(ALICE)[0]!);
        assert.match(report.status, /x@remote\.test/);
        assert.match(report.status, /y@remote\.test/);
      });
    } finally {
      await relay.close();
    }
  });

  it('bounces an address SMTP cannot carry at once instead of retrying it', async () => {
    const relay = await SmtpPeer.start();
    try {
      await withQueue({ relay: { port: relay.port } }, async ({ store, queue, delivery }) => {
        await queue.enqueue({ sender: ALICE, recipients: ['bad address@remote.test', 'bob@remote.test'], raw: message('unsendable') });
        await waitFor('the queue to empty', emptied(store));
        const report = await simpleParser(delivery.inbox(ALICE)[0]!);
        assert.match(report.status, /Final-Recipient: rfc822; bad address@remote\.test\r?\nAction: failed\r?\nStatus: 5\.1\.3/);
        assert.doesNotMatch(report.status, /bob@/);
        assert.deepEqual(relay.received.map((m) => m.to), [['bob@remote.test']], 'nothing went to a mangled address');
      });
    } finally {
      await relay.close();
    }
  });

  it('bounces when the retry time runs out (4.4.7), having never reached the relay', async () => {
    const relay = await SmtpPeer.start();
    const port = relay.port;
    await relay.close();
    await withQueue({ relay: { port }, retry: { retryForMs: 400 } }, async ({ store, queue, delivery }) => {
      await queue.enqueue({ sender: ALICE, recipients: ['bob@remote.test'], raw: message('expired') });
      await waitFor('the queue to empty', emptied(store));
      const report = await simpleParser(delivery.inbox(ALICE)[0]!);
      assert.match(report.status, /Status: 4\.4\.7/);
      assert.match(report.text, /no delivery within 400 ms; last error: .*ECONNREFUSED/);
    });
  });

  it('without a relay, remote mail waits with the reason shown (and is not bounced early)', async () => {
    await withQueue({}, async ({ store, queue, delivery }) => {
      await queue.enqueue({ sender: ALICE, recipients: ['bob@remote.test'], raw: message('no relay') });
      const [waiting] = await waitFor('an attempt', queuedWhere(store, (m) => m.attempts >= 1 && m.lastError !== null));
      assert.equal(waiting!.lastError, NO_RELAY);
      assert.equal(waiting!.recipients[0]!.lastError, NO_RELAY);
      await sleep(200);
      assert.equal((await store.listOutbound()).length, 1);
      assert.equal(delivery.delivered.length, 0);
    });
  });

  it('keeps a failure owed until its report can be delivered', async () => {
    const relay = await SmtpPeer.start();
    relay.rcptReplies.set('nobody@remote.test', 550);
    try {
      await withQueue({ relay: { port: relay.port } }, async ({ store, queue, delivery }) => {
        delivery.unavailable = true;
        await queue.enqueue({ sender: ALICE, recipients: ['nobody@remote.test'], raw: message('owed') });
        const [owed] = await waitFor('the failure', queuedWhere(store, (m) => m.recipients[0]!.state === 'failed'));
        assert.match(owed!.recipients[0]!.lastError ?? '', /^550/);
        delivery.unavailable = false;
        await waitFor('the queue to empty', emptied(store));
        assert.equal(delivery.inbox(ALICE).length, 1);
        assert.equal(relay.received.length, 0);
      });
    } finally {
      await relay.close();
    }
  });

  it('after a crash, resumes only the recipients still pending', async () => {
    const relay = await SmtpPeer.start();
    try {
      await withQueue({ relay: { port: relay.port }, start: false }, async ({ store, queue }) => {
        const id = await store.enqueueOutbound({ sender: ALICE, recipients: ['bob@remote.test', 'carol@remote.test'], raw: message('resumed') });
        // A previous worker got bob's 250 committed, then died holding the claim for its next pass.
        const dead = deadPid();
        const [claimed] = await store.claimOutbound(new Date(), 60 * 60_000, 10, dead);
        assert.equal(claimed!.id, id);
        await store.recordOutboundResults(id, [{ address: 'bob@remote.test', outcome: 'delivered', detail: '250 ok' }], new Date(), null);
        await store.claimOutbound(new Date(), 60 * 60_000, 10, dead);
        assert.equal((await store.claimOutbound(new Date(), 1000, 10, process.pid)).length, 0, 'held by the dead worker');
        await queue.start();
        await waitFor('the queue to empty', emptied(store));
        assert.deepEqual(relay.received.map((m) => m.to), [['carol@remote.test']]);
      });
    } finally {
      await relay.close();
    }
  });

  it('leaves the claims of a live worker (another server on the same store) alone', async () => {
    const relay = await SmtpPeer.start();
    try {
      await withQueue({ relay: { port: relay.port }, start: false }, async ({ store, queue }) => {
        await store.enqueueOutbound({ sender: ALICE, recipients: ['bob@remote.test'], raw: message('held') });
        assert.equal((await store.claimOutbound(new Date(), 60 * 60_000, 10, process.ppid)).length, 1);
        await queue.start();
        await sleep(300);
        assert.equal(relay.received.length, 0);
        assert.equal((await store.listOutbound()).length, 1);
      });
    } finally {
      await relay.close();
    }
  });

  it('authenticates at the relay; wrong credentials keep the message queued', async () => {
    const relay = await SmtpPeer.start({ auth: { user: 'ewsd', pass: 'relay-secret' } });
    try {
      await withQueue({ relay: { port: relay.port, user: 'ewsd', password: 'wrong' } }, async ({ store, queue }) => {
        await queue.enqueue({ sender: ALICE, recipients: ['bob@remote.test'], raw: message('bad auth') });
        const [waiting] = await waitFor('a failed attempt', queuedWhere(store, (m) => m.lastError !== null));
        assert.match(waiting!.lastError ?? '', /535/);
        assert.equal(waiting!.recipients[0]!.state, 'pending');
      });
      await withQueue({ relay: { port: relay.port, user: 'ewsd', password: 'relay-secret' } }, async ({ store, queue }) => {
        await queue.enqueue({ sender: ALICE, recipients: ['bob@remote.test'], raw: message('good auth') });
        await waitFor('the queue to empty', emptied(store));
        assert.equal(relay.received.length, 1);
      });
    } finally {
      await relay.close();
    }
  });

  it('uses STARTTLS when required, and TLS from the start', async () => {
    for (const tls of ['starttls', 'tls'] as const) {
      const relay = await SmtpPeer.start({ tls });
      try {
        await withQueue({ relay: { port: relay.port, security: tls, verifyCertificate: false } }, async ({ store, queue }) => {
          await queue.enqueue({ sender: ALICE, recipients: ['bob@remote.test'], raw: message(`over ${tls}`) });
          await waitFor('the queue to empty', emptied(store));
          assert.equal(relay.received.length, 1);
        });
      } finally {
        await relay.close();
      }
    }
    // A relay that does not offer STARTTLS is not sent to in the clear when STARTTLS is required.
    const plain = await SmtpPeer.start();
    try {
      await withQueue({ relay: { port: plain.port, security: 'starttls' } }, async ({ store, queue }) => {
        await queue.enqueue({ sender: ALICE, recipients: ['bob@remote.test'], raw: message('no starttls') });
        await waitFor('a failed attempt', queuedWhere(store, (m) => m.lastError !== null));
        assert.equal(plain.received.length, 0);
      });
    } finally {
      await plain.close();
    }
  });

  it('reports to a remote sender through the queue, and never reports a report', async () => {
    const relay = await SmtpPeer.start();
    relay.rcptReplies.set('nobody@remote.test', 550);
    relay.rcptReplies.set('gone@remote.test', 550);
    try {
      await withQueue({ relay: { port: relay.port } }, async ({ store, queue }) => {
        // A remote sender (e.g. forwarded mail) whose own address is refused: one report, no loop.
        await queue.enqueue({ sender: 'gone@remote.test', recipients: ['nobody@remote.test'], raw: message('remote sender') });
        await waitFor('the queue to empty', emptied(store));
        await sleep(200);
        assert.equal(relay.received.length, 0);
        assert.equal(relay.connections, 2, 'the message, then its report; no report about the report');
        assert.equal((await store.listOutbound()).length, 0);
      });
    } finally {
      await relay.close();
    }
  });
});
