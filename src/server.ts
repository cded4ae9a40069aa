import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import { Authenticator } from './auth/authenticator.js';
import { itemsLocalDelivery } from './delivery/items-local-delivery.js';
import { startMimeThreads, stopMimeThreads } from './mime/parse-pool.js';
import type { LocalDelivery } from './delivery/local-delivery.js';
import { OutboundQueue } from './delivery/outbound-queue.js';
import { DEFAULT_RETRY, RetryPolicy, type RetryPolicyOptions } from './delivery/retry-policy.js';
import { DEFAULT_SMTP_MAX_BYTES, startSmtpInbound, type SmtpInbound } from './delivery/smtp-inbound.js';
import { SmtpRelay, type RelayConfig } from './delivery/smtp-relay.js';
import { createEwsServer, DEFAULT_MAX_BODY_BYTES } from './http/ews-server.js';
import { createLogger, type Logger } from './log.js';
import { SqliteStore } from './store/sqlite/sqlite-store.js';
import type { Store } from './store/store.js';
import { DEFAULT_TOMBSTONE_RETENTION_MS, startTombstonePurger } from './store/tombstone-purger.js';
import { startSpaceReclaimer } from './store/space-reclaimer.js';

export interface ServerConfig {
  host: string;
  port: number;
  dataDir: string;
  logLevel?: string;
  maxBodyBytes?: number;
  log?: Logger;
  /** SMTP in on `host`; absent: no SMTP listener. */
  smtp?: { port: number; maxMessageBytes?: number };
  /** The smart host for remote recipients; absent: their mail waits in the queue. */
  relay?: RelayConfig;
  retry?: Partial<RetryPolicyOptions>;
  /** How often the queue worker looks for mail queued by other processes (default 10 s). */
  outboundPollMs?: number;
  /** How long deletions stay reportable to SyncFolderItems/SyncFolderHierarchy (default 30 days). */
  tombstoneRetentionMs?: number;
  /** Puts messages into local Inboxes; message items by default (tests plug in fakes). */
  localDelivery?: (store: Store) => LocalDelivery;
  /** Worker threads parsing MIME off the event loop (mime/parse-pool.ts); 0 parses on it. Default {@link DEFAULT_MIME_THREADS}. */
  mimeThreads?: number;
}

/**
 * One core is left to the event loop, which reads every request and runs SQLite: one fewer thread
 * than the cores, at least one, at most two (more was never measured). On a 2-core machine one
 * thread stores ~8% more per second than two with 4 clients (same with 1 client, ~40 MB less RSS);
 * threads against none, 40-75% more.
 */
export const DEFAULT_MIME_THREADS = Math.max(1, Math.min(2, availableParallelism() - 1));

export interface RunningServer {
  /** `http://host:port/EWS/Exchange.asmx` */
  url: string;
  port: number;
  /** The SMTP listener's port, when it runs. */
  smtpPort: number | undefined;
  store: Store;
  /** The outbound queue: `enqueue()` commits a message for remote recipients and wakes the worker. */
  outbound: OutboundQueue;
  localDelivery: LocalDelivery;
  /**
   * Stops accepting (HTTP and SMTP), lets in-flight work finish (for at most `graceMs`, then
   * connections are cut), stops the queue worker, then closes the store.
   */
  close(graceMs?: number): Promise<void>;
}

/** How long a shutdown waits for in-flight requests. */
const DEFAULT_GRACE_MS = 30_000;

/** The composition root: store, local delivery, outbound queue, then the HTTP and SMTP listeners. */
export async function startServer(config: ServerConfig): Promise<RunningServer> {
  const log = config.log ?? createLogger(config.logLevel ?? 'info');
  const store = SqliteStore.open(config.dataDir, { checkpointThread: true });
  const localDelivery = (config.localDelivery ?? itemsLocalDelivery)(store);
  const outbound = new OutboundQueue({
    store,
    localDelivery,
    relay: config.relay ? new SmtpRelay(config.relay) : undefined,
    retry: new RetryPolicy({ ...DEFAULT_RETRY, ...config.retry }),
    log,
    ...(config.outboundPollMs !== undefined ? { pollMs: config.outboundPollMs } : {}),
  });
  const http = createEwsServer({
    store,
    authenticator: new Authenticator(store),
    log,
    maxBodyBytes: config.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    mailer: outbound,
  });
  let smtp: SmtpInbound | undefined;
  // Started last before the steps that can fail, so the catch below always has them to stop.
  startMimeThreads(config.mimeThreads ?? DEFAULT_MIME_THREADS);
  try {
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(config.port, config.host, () => {
        http.off('error', reject);
        resolve();
      });
    });
    if (config.smtp) {
      smtp = await startSmtpInbound({
        host: config.host,
        port: config.smtp.port,
        maxMessageBytes: config.smtp.maxMessageBytes ?? DEFAULT_SMTP_MAX_BYTES,
        localDelivery,
        log,
      });
    }
    await outbound.start();
  } catch (err) {
    await outbound.stop();
    await smtp?.close();
    if (http.listening) await new Promise<void>((resolve) => http.close(() => resolve()));
    await store.close();
    await stopMimeThreads();
    throw err;
  }
  const purger = startTombstonePurger(store, config.tombstoneRetentionMs ?? DEFAULT_TOMBSTONE_RETENTION_MS, log);
  const reclaimer = startSpaceReclaimer(store, log);
  const port = (http.address() as AddressInfo).port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  let closing: Promise<void> | undefined;
  // Once closing, a keep-alive connection is closed as soon as its request is answered, so
  // shutdown does not wait for idle clients to time out.
  http.on('request', (_req, res) => res.on('finish', () => closing && setImmediate(() => http.closeIdleConnections())));
  return {
    url: `http://${host}:${port}/EWS/Exchange.asmx`,
    port,
    smtpPort: smtp?.port,
    store,
    outbound,
    localDelivery,
    close(graceMs = DEFAULT_GRACE_MS) {
      closing ??= (async () => {
        await Promise.all([
          smtp?.close(),
          new Promise<void>((resolve) => {
            const force = setTimeout(() => {
              log.warn({ graceMs }, 'requests still running at the end of the grace period; closing their connections');
              http.closeAllConnections();
            }, graceMs).unref();
            http.close(() => {
              clearTimeout(force);
              resolve();
            });
            http.closeIdleConnections();
          }),
        ]);
        purger.stop();
        await reclaimer.stop();
        await outbound.stop();
        await store.close();
        await stopMimeThreads();
      })();
      return closing;
    },
  };
}
