import { Worker } from 'node:worker_threads';

/**
 * WAL checkpoints on a thread of their own.
 *
 * In WAL mode every commit appends its pages to the -wal file, and a checkpoint later copies
 * them into the database file and syncs it. SQLite's own policy runs that checkpoint inside the
 * commit that takes the log past 1000 pages: for a CreateItem of 100 messages (~4 MB) that is
 * every commit, and the copy and its fsync were about a third of the request's SQLite time, spent
 * on the event loop. Here a thread with its own connection watches the database (PRAGMA
 * data_version, which moves when another connection commits) and checkpoints after commits, so
 * the event loop only appends to the log and syncs it, which is what durability needs.
 *
 * A PASSIVE checkpoint never waits for a lock and never blocks a reader or a writer. The
 * connection that writes keeps an automatic checkpoint at a higher mark
 * ({@link BACKSTOP_PAGES}): if this thread falls behind or dies, the log is still bounded.
 */
export class Checkpointer {
  readonly #worker: Worker;
  readonly #exited: Promise<void>;

  constructor(file: string) {
    this.#worker = new Worker(new URL('./checkpoint-worker.js', import.meta.url), { workerData: { file } });
    this.#exited = new Promise((resolve) => this.#worker.once('exit', () => resolve()));
    // Never what keeps the process running; and a thread that fails is not the store's failure: the backstop takes over.
    this.#worker.unref();
    this.#worker.on('error', () => undefined);
  }

  /** Stops the thread once its current checkpoint is done (at once if it has already stopped). */
  close(): Promise<void> {
    // Held now, so that the process waits for the thread's exit instead of ending with the close still pending.
    this.#worker.ref();
    this.#worker.postMessage('stop');
    return this.#exited;
  }
}

/** The writing connection's own automatic checkpoint, for when the thread falls behind: 4x SQLite's default. */
export const BACKSTOP_PAGES = 4000;
