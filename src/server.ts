import type { AddressInfo } from 'node:net';
import { Authenticator } from './auth/authenticator.js';
import { createEwsServer, DEFAULT_MAX_BODY_BYTES } from './http/ews-server.js';
import { createLogger, type Logger } from './log.js';
import { SqliteStore } from './store/sqlite/sqlite-store.js';
import type { Store } from './store/store.js';

export interface ServerConfig {
  host: string;
  port: number;
  dataDir: string;
  logLevel?: string;
  maxBodyBytes?: number;
  log?: Logger;
}

export interface RunningServer {
  /** `http://host:port/EWS/Exchange.asmx` */
  url: string;
  port: number;
  store: Store;
  /**
   * Stops accepting, lets in-flight requests finish (for at most `graceMs`, then their
   * connections are cut), then closes the store.
   */
  close(graceMs?: number): Promise<void>;
}

/** How long a shutdown waits for in-flight requests. */
const DEFAULT_GRACE_MS = 30_000;

/** The composition root: store, then HTTP listener. */
export async function startServer(config: ServerConfig): Promise<RunningServer> {
  const log = config.log ?? createLogger(config.logLevel ?? 'info');
  const store = SqliteStore.open(config.dataDir);
  const http = createEwsServer({ store, authenticator: new Authenticator(store), log, maxBodyBytes: config.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES });
  try {
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(config.port, config.host, () => {
        http.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await store.close();
    throw err;
  }
  const port = (http.address() as AddressInfo).port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  let closing: Promise<void> | undefined;
  // Once closing, a keep-alive connection is closed as soon as its request is answered, so
  // shutdown does not wait for idle clients to time out.
  http.on('request', (_req, res) => res.on('finish', () => closing && setImmediate(() => http.closeIdleConnections())));
  return {
    url: `http://${host}:${port}/EWS/Exchange.asmx`,
    port,
    store,
    close(graceMs = DEFAULT_GRACE_MS) {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          const force = setTimeout(() => {
            log.warn({ graceMs }, 'requests still running at the end of the grace period; closing their connections');
            http.closeAllConnections();
          }, graceMs).unref();
          http.close(() => {
            clearTimeout(force);
            resolve();
          });
          http.closeIdleConnections();
        });
        await store.close();
      })();
      return closing;
    },
  };
}
