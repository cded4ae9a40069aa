import type { Logger } from 'pino';
import type { Store } from './store.js';

const IDLE_MS = 10 * 60_000;
/** Between two steps while there is work: each step is a pause of a few ms, so requests keep flowing. */
const BUSY_MS = 50;

/**
 * Gives back the space of deleted content (store.reclaimSpace), a bounded step at a time: at
 * start, then every ten minutes, and step after step while there is more to do.
 */
export function startSpaceReclaimer(store: Store, log: Logger): { stop(): Promise<void> } {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  const step = () => {
    running = store.reclaimSpace().then(
      (more) => schedule(more ? BUSY_MS : IDLE_MS),
      (err: unknown) => {
        log.error({ err }, 'reclaiming space failed');
        schedule(IDLE_MS);
      },
    );
  };
  const schedule = (ms: number) => {
    if (!stopped) timer = setTimeout(step, ms).unref();
  };
  schedule(0);
  return {
    /** Resolves once a step under way has finished, so the store can be closed after it. */
    stop: () => {
      stopped = true;
      clearTimeout(timer);
      return running;
    },
  };
}
