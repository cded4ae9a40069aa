import type { Logger } from 'pino';
import type { Store } from './store.js';

export const DEFAULT_TOMBSTONE_RETENTION_MS = 30 * 86_400_000;
const PURGE_EVERY_MS = 3_600_000;

/**
 * Keeps deletion records (item and folder tombstones) for `retentionMs`, purging older ones at
 * start and then hourly. A sync state older than what remains is answered with
 * ErrorInvalidSyncStateData, so its client resyncs instead of missing deletions.
 */
export function startTombstonePurger(store: Store, retentionMs: number, log: Logger): { stop(): void } {
  const purge = () =>
    store.purgeTombstones(new Date(Date.now() - retentionMs)).then(
      (n) => n > 0 && log.info({ purged: n }, 'purged old tombstones'),
      (err: unknown) => log.error({ err }, 'tombstone purge failed'),
    );
  void purge();
  const timer = setInterval(() => void purge(), Math.min(PURGE_EVERY_MS, Math.max(1000, retentionMs))).unref();
  return { stop: () => clearInterval(timer) };
}
