import { Worker } from 'node:worker_threads';
import type { MimeMessage } from './mime-message.js';
import { MimeParseError, parseMime, type ParseOptions } from './parse-mime.js';

/**
 * MIME parsing on worker threads, off the event loop.
 *
 * A CreateItem of 100 messages spends about a quarter of its server time parsing MIME, all of
 * it on the one thread that also reads requests and writes SQLite; with several clients at once
 * that thread is the limit while the machine's other cores idle. Here each message is parsed by
 * parse-mime.ts on one of a few threads. The result is plain data (structured clone), the same
 * object parseMime returns in the thread. A thread that dies fails nothing: what it held is
 * parsed again on the event loop, and so is everything after it.
 */
class ParsePool {
  readonly #threads: Thread[] = [];
  #next = 0;

  constructor(size: number) {
    for (let i = 0; i < size; i++) this.#threads.push(new Thread());
  }

  parse(raw: Buffer, options: ParseOptions): Promise<MimeMessage> {
    let least: Thread | undefined;
    for (const t of this.#threads) if (t.alive && (!least || t.pending.size < least.pending.size)) least = t;
    return least ? least.parse(++this.#next, raw, options) : parseMime(raw, options);
  }

  get running(): number {
    return this.#threads.filter((t) => t.alive).length;
  }

  async close(): Promise<void> {
    await Promise.all(this.#threads.map((t) => t.close()));
  }
}

interface Pending {
  raw: Buffer;
  options: ParseOptions;
  resolve: (m: MimeMessage) => void;
  reject: (e: Error) => void;
}

interface Answer {
  id: number;
  message?: MimeMessage;
  error?: string;
  parseError?: boolean;
}

class Thread {
  readonly pending = new Map<number, Pending>();
  alive = true;
  readonly #worker: Worker;

  constructor() {
    this.#worker = new Worker(new URL('./parse-worker.js', import.meta.url));
    // Never what keeps the process running.
    this.#worker.unref();
    this.#worker.on('message', (a: Answer) => this.#answer(a));
    this.#worker.on('error', () => this.#died());
    this.#worker.on('exit', () => this.#died());
  }

  parse(id: number, raw: Buffer, options: ParseOptions): Promise<MimeMessage> {
    return new Promise((resolve, reject) => {
      this.pending.set(id, { raw, options, resolve, reject });
      this.#worker.postMessage({ id, raw, options });
    });
  }

  close(): Promise<number> {
    return this.#worker.terminate();
  }

  #answer(a: Answer): void {
    const p = this.pending.get(a.id);
    if (!p) return;
    this.pending.delete(a.id);
    if (a.message) p.resolve(revive(a.message));
    else p.reject(a.parseError ? new MimeParseError(a.error!) : new Error(a.error));
  }

  /** The thread is gone (crashed or terminated): what it held is parsed here instead. */
  #died(): void {
    this.alive = false;
    const held = [...this.pending.values()];
    this.pending.clear();
    for (const p of held) parseMime(p.raw, p.options).then(p.resolve, p.reject);
  }
}

/** Structured clone hands Buffers back as plain Uint8Arrays; the rest of the code expects Buffers. */
function revive(m: MimeMessage): MimeMessage {
  for (const a of m.attachments) a.content = Buffer.from(a.content.buffer, a.content.byteOffset, a.content.byteLength);
  return m;
}

let pool: ParsePool | undefined;
let users = 0;

/** Starts the threads (once per process; each call must be matched by {@link stopMimeThreads}). */
export function startMimeThreads(size: number): void {
  users++;
  if (size > 0) pool ??= new ParsePool(size);
}

/** Stops the threads once the last user has stopped. */
export async function stopMimeThreads(): Promise<void> {
  users = Math.max(0, users - 1);
  if (users > 0 || !pool) return;
  const closing = pool;
  pool = undefined;
  await closing.close();
}

/** How many MIME threads are running (0 when stopped, never started, or all of them died). */
export function runningMimeThreads(): number {
  return pool?.running ?? 0;
}

/** parseMime, on a thread when they run (see {@link ParsePool}). */
export function parseMimeOffThread(raw: Buffer, options: ParseOptions = {}): Promise<MimeMessage> {
  return pool ? pool.parse(raw, options) : parseMime(raw, options);
}
