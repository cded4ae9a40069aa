import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import type { Corpus, CorpusMessage } from './corpus.js';
import { TreeMonitor } from './proc-stats.js';
import { NotImplemented, type ItemRef, type MailSession, type ServerDriver } from './session.js';
import { emptyResult, percentile, type WorkloadResult } from './stats.js';

/** The workloads in the order they run: each leaves the mailbox as the next one needs it. */
export const WORKLOADS = ['store', 'list', 'fetch', 'flag', 'changes', 'export', 'upload', 'delete'] as const;
/** Workloads only ewsd has (EWS full-fidelity export/import; IMAP has no counterpart): reported alone. */
export const EWSD_ONLY: ReadonlySet<Workload> = new Set(['export', 'upload']);
export type Workload = (typeof WORKLOADS)[number];

/** What the IMAP and EWS sides of each workload are, for tables and docs. */
export const WORKLOAD_LABELS: Record<Workload | 'floor', string> = {
  store: 'CreateItem MimeContent | APPEND',
  list: 'FindItem page of 50 | FETCH headers',
  fetch: 'GetItem MimeContent x10 | UID FETCH BODY.PEEK[]',
  flag: 'UpdateItem IsRead | UID STORE +FLAGS \\Seen',
  changes: 'SyncFolderItems (1% changed) | FETCH CHANGEDSINCE',
  export: 'ExportItems x10 (ewsd only)',
  upload: 'UploadItems x10 CreateNew (ewsd only)',
  delete: 'DeleteItem HardDelete | STORE \\Deleted + UID EXPUNGE',
  floor: 'raw better-sqlite3 inserts (WAL+FULL, 100/txn)',
};

const PAGE = 50;

/** One request of a workload: runs on a session, returns how many messages it handled. */
type Task = (session: MailSession) => Promise<number>;

interface Plan {
  tasks: Task[];
  /** For a repeatable workload: the tasks of its next pass over the same items (pass 1, 2...). */
  nextPass?: (pass: number) => Task[];
  /** The number of passes is a multiple of this (default 1). */
  passMultiple?: number;
  itemsPerRequest: number;
  /** Bytes of item data the tasks moved (export/upload), read once they are done. */
  bytes?: () => number;
}

/** The mailbox as the workloads leave it for each other. */
interface MailboxState {
  /** Refs of stored messages, in corpus order (undefined where a store failed). */
  refs: (ItemRef | undefined)[];
  /** Messages stored before the workloads (not in `refs`). */
  filled: number;
  /** ExportItems Data of the stored messages, for the upload workload. */
  exported: string[];
}

/**
 * Stores `opts.fill` messages (the corpus over and over, the same bytes on both servers) with a
 * few parallel clients, untimed. The workloads then act on their own items in a mailbox that
 * already holds these, which shows whether costs grow with the mailbox.
 */
async function fillMailbox(driver: ServerDriver, user: string, opts: SideRunOptions): Promise<number> {
  const sessions = await Promise.all(Array.from({ length: FILL_CLIENTS }, () => driver.open(user)));
  try {
    return await storeAcross(sessions, opts.corpus.messages, 0, opts.fill, driver.batch.store);
  } finally {
    await Promise.all(sessions.map((s) => s.close()));
  }
}

/**
 * Stores messages [from, from + count) of `messages` (wrapping around at its end), `batch` per
 * request, each session taking the next batch from one queue; returns how many the server took.
 */
export async function storeAcross(sessions: readonly MailSession[], messages: readonly CorpusMessage[], from: number, count: number, batch: number): Promise<number> {
  const batches = chunks(count, batch);
  let next = 0;
  let stored = 0;
  await Promise.all(
    sessions.map(async (session) => {
      while (next < batches.length) {
        const [start, end] = batches[next++]!;
        const got = await session.store(Array.from({ length: end - start }, (_, k) => messages[(from + start + k) % messages.length]!));
        stored += got.length;
      }
    }),
  );
  return stored;
}

export interface SideRunOptions {
  corpus: Corpus;
  concurrency: number;
  selected: ReadonlySet<Workload>;
  /** Rounds of the changes workload (each one asks for the changes since the same state). */
  syncRounds: number;
  /**
   * A repeatable workload (list, fetch, flag, changes) makes further passes over the same items
   * until it has run this long. This machine (a Firecracker VM) runs at full speed for a second
   * or two, then at ~40% of it: a 0.2 s workload saw only one of the two, so the same build gave
   * ratios far apart from run to run. A few seconds see both, for ewsd and Dovecot alike.
   */
  minSeconds: number;
  /** Messages stored in the account before the workloads, untimed: the mailbox size to measure at. */
  fill: number;
  /** Runs once the fill is stored and flushed, before the first workload (--restart-after-fill). */
  afterFill?: (driver: ServerDriver) => Promise<void>;
  log: (line: string) => void;
}

const FILL_CLIENTS = 4;
let accounts = 0;

/**
 * Runs the selected workloads against one server at one concurrency, on a fresh account. The
 * store workload always runs first (unreported unless selected) since the others need its items.
 * A workload the server does not implement yet is reported as such and the run goes on.
 */
export async function runSide(driver: ServerDriver, opts: SideRunOptions): Promise<WorkloadResult[]> {
  const user = `bench-c${opts.concurrency}-${Date.now().toString(36)}-${++accounts}@example.com`;
  await driver.prepareUser(user);
  const state: MailboxState = { refs: [], filled: 0, exported: [] };
  if (opts.fill > 0) {
    const t0 = performance.now();
    state.filled = await fillMailbox(driver, user, opts);
    opts.log(`  ${driver.name} c=${opts.concurrency}: filled with ${state.filled} messages in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    // The fill leaves gigabytes of dirty pages for the kernel to write back; timed workloads
    // running meanwhile would measure that writeback (every fsync waits behind it), not the
    // mailbox size. Flush them first, as a mailbox that size would be at rest.
    execFileSync('sync');
    await opts.afterFill?.(driver);
  }
  const results: WorkloadResult[] = [];
  for (const workload of WORKLOADS) {
    // store feeds every other workload, export feeds upload; ewsd-only workloads have no Dovecot row.
    if (!opts.selected.has(workload) && workload !== 'store' && !(workload === 'export' && opts.selected.has('upload'))) continue;
    if (EWSD_ONLY.has(workload) && driver.name !== 'ewsd') continue;
    const result = await runWorkload(driver, user, workload, state, opts);
    opts.log(`  ${driver.name} c=${opts.concurrency} ${workload}: ${summary(result)}`);
    if (opts.selected.has(workload)) results.push(result);
  }
  return results;
}

/** One run's line in the log: how many messages, how fast, p50 and p99. */
export function summary(r: WorkloadResult): string {
  if (r.status !== 'ok') return `${r.status}${r.note ? ` (${r.note})` : ''}`;
  const mb = r.megabytesPerSecond !== undefined ? ` (${r.megabytesPerSecond.toFixed(1)} MB/s)` : '';
  return `${r.messages} msgs in ${r.seconds.toFixed(2)} s = ${r.messagesPerSecond.toFixed(0)}/s${mb}, p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms`;
}

async function runWorkload(driver: ServerDriver, user: string, workload: Workload, state: MailboxState, opts: SideRunOptions): Promise<WorkloadResult> {
  const result = emptyResult(workload, driver.name, opts.concurrency, 0);
  const sessions: MailSession[] = [];
  try {
    for (let i = 0; i < opts.concurrency; i++) sessions.push(await driver.open(user));
    const plan = await planWorkload(driver, workload, state, sessions[0]!, opts);
    result.itemsPerRequest = plan.itemsPerRequest;
    if (plan.tasks.length === 0) {
      return { ...result, status: 'skipped', note: 'no items to work on (the store workload stored none)' };
    }
    await measure(driver.pid, sessions, plan, opts.minSeconds, result);
    if (plan.bytes) {
      result.bytes = plan.bytes();
      result.megabytesPerSecond = result.bytes / 2 ** 20 / result.seconds;
    }
    if (workload === 'delete') state.refs = [];
    return result;
  } catch (err) {
    if (err instanceof NotImplemented) return { ...result, status: 'not implemented yet', note: `${err.operation} is not implemented yet` };
    if (err instanceof Prerequisite) return { ...result, status: 'skipped', note: err.message };
    return { ...result, status: 'error', note: describeError(err) };
  } finally {
    await Promise.allSettled(sessions.map((s) => s.close()));
  }
}

function describeError(err: unknown): string {
  const e = err as Error & { responseText?: string };
  // imapflow puts the server's words in responseText and only "Command failed" in the message.
  return (e.responseText ? `${e.message}: ${e.responseText}` : e.message).slice(0, 300);
}

/** A workload that cannot run because an earlier operation is missing. */
class Prerequisite extends Error {}

async function planWorkload(driver: ServerDriver, workload: Workload, state: MailboxState, first: MailSession, opts: SideRunOptions): Promise<Plan> {
  const refs = state.refs.filter((r): r is ItemRef => r !== undefined);
  const messages = opts.corpus.messages;
  const byRef = new Map<ItemRef, number>();
  state.refs.forEach((r, i) => r !== undefined && byRef.set(r, i));

  if (EWSD_ONLY.has(workload) && (!first.exportItems || !first.uploadItems)) {
    throw new Prerequisite('no counterpart in IMAP: ewsd only');
  }
  // With nothing stored, one request still tells whether the server implements the operation.
  if (refs.length === 0 && workload !== 'store') {
    await probe(driver, workload, first);
    return { tasks: [], itemsPerRequest: 0 };
  }

  switch (workload) {
    case 'store': {
      const n = driver.batch.store;
      state.refs = new Array(messages.length).fill(undefined);
      return {
        itemsPerRequest: n,
        tasks: chunks(messages.length, n).map(([from, to]) => async (s) => {
          const got = await s.store(messages.slice(from, to));
          got.forEach((ref, k) => (state.refs[from + k] = ref));
          return got.length;
        }),
      };
    }
    case 'list': {
      // As many pages as the workload's own items fill, spread over the whole folder so that a
      // filled mailbox is also read at deep offsets.
      const pages = Math.ceil(refs.length / PAGE);
      const total = refs.length + state.filled;
      const stride = Math.max(PAGE, Math.floor(total / pages / PAGE) * PAGE);
      const pass = (): Task[] => Array.from({ length: pages }, (_, i) => (s) => s.listPage(i * stride, PAGE));
      return { itemsPerRequest: PAGE, tasks: pass(), nextPass: pass };
    }
    case 'fetch': {
      const n = driver.batch.fetch;
      const pass = (): Task[] =>
        chunks(refs.length, n).map(([from, to], k) => async (s) => {
          const batch = refs.slice(from, to);
          const bodies = await s.fetch(batch);
          // Every 10th request checks that the server gives back the very bytes it was given.
          if (k % 10 === 0) {
            bodies.forEach((b, j) => {
              const original = messages[byRef.get(batch[j]!)!]!.raw;
              if (!b.equals(original)) throw new Error(`message ${byRef.get(batch[j]!)} came back different (${b.length} bytes, stored ${original.length})`);
            });
          }
          return bodies.length;
        });
      return { itemsPerRequest: n, tasks: pass(), nextPass: pass };
    }
    case 'flag': {
      const n = driver.batch.flag;
      // Even passes mark every item read, odd ones unread again: marking read what is read already
      // would be a no-op for IMAP but a new version for EWS. Passes come in pairs, so the items end
      // unread as they started, which the changes workload and the protocol floor's replay (the
      // same requests as recorded) rely on.
      const pass = (k: number): Task[] => chunks(refs.length, n).map(([from, to]): Task => async (s) => (await s.setRead(refs.slice(from, to), k % 2 === 0), to - from));
      return { itemsPerRequest: n, tasks: pass(0), nextPass: pass, passMultiple: 2 };
    }
    case 'changes': {
      // Set up, untimed: learn the current state, then mark 1% of the items read (all are unread:
      // stored so, and every flag pass ends with them unread).
      const baseline = await first.syncState();
      const changed = spread(refs, Math.max(1, Math.ceil(refs.length / 100)));
      try {
        for (const [from, to] of chunks(changed.length, driver.batch.flag)) await first.setRead(changed.slice(from, to), true);
      } catch (err) {
        if (err instanceof NotImplemented) throw new Prerequisite(`needs ${err.operation} to make the changes`);
        throw err;
      }
      const pass = (): Task[] =>
        Array.from({ length: opts.syncRounds }, () => async (s) => {
          const n = await s.changesSince(baseline);
          if (n < changed.length) throw new Error(`${n} changes reported, ${changed.length} made`);
          return n;
        });
      return { itemsPerRequest: changed.length, tasks: pass(), nextPass: pass };
    }
    case 'export': {
      const n = driver.batch.export;
      let bytes = 0;
      state.exported = new Array(refs.length);
      return {
        itemsPerRequest: n,
        bytes: () => bytes,
        tasks: chunks(refs.length, n).map(([from, to]) => async (s) => {
          const data = await s.exportItems!(refs.slice(from, to));
          data.forEach((d, k) => {
            state.exported[from + k] = d;
            bytes += Math.floor((d.length * 3) / 4);
          });
          return data.length;
        }),
      };
    }
    case 'upload': {
      const n = driver.batch.upload;
      const data = state.exported.filter((d) => d !== undefined);
      if (data.length === 0) throw new Prerequisite('needs the export workload');
      let bytes = 0;
      return {
        itemsPerRequest: n,
        bytes: () => bytes,
        tasks: chunks(data.length, n).map(([from, to]) => async (s) => {
          const batch = data.slice(from, to);
          const ids = await s.uploadItems!(batch);
          bytes += batch.reduce((sum, d) => sum + Math.floor((d.length * 3) / 4), 0);
          return ids.length;
        }),
      };
    }
    case 'delete': {
      const n = driver.batch.delete;
      return { itemsPerRequest: n, tasks: chunks(refs.length, n).map(([from, to]) => async (s) => (await s.delete(refs.slice(from, to)), to - from)) };
    }
  }
}

/** Sends one request of `workload` with no real item; NotImplemented propagates, anything else means "it exists". */
async function probe(driver: ServerDriver, workload: Workload, s: MailSession): Promise<void> {
  const call: Record<Exclude<Workload, 'store'>, () => Promise<unknown>> = {
    list: () => s.listPage(0, PAGE),
    fetch: () => s.fetch([driver.probeRef]),
    flag: () => s.setRead([driver.probeRef], true),
    changes: () => s.syncState(),
    export: () => s.exportItems!([driver.probeRef]),
    upload: () => Promise.resolve(),
    delete: () => s.delete([driver.probeRef]),
  };
  try {
    await call[workload as Exclude<Workload, 'store'>]();
  } catch (err) {
    if (err instanceof NotImplemented) throw err;
  }
}

/**
 * Runs the plan's tasks on `sessions.length` concurrent clients, each taking the next task when
 * done. A repeatable plan makes another pass while less than `minSeconds` have gone by (or its
 * pass count is not yet a multiple of `passMultiple`); a pass starts once the last one is done.
 */
async function measure(pid: number, sessions: MailSession[], plan: Plan, minSeconds: number, result: WorkloadResult): Promise<void> {
  const latencies: number[] = [];
  let tasks = plan.tasks;
  let pass = 0;
  let next = 0;
  let messages = 0;
  let failure: unknown;
  const monitor = new TreeMonitor(pid);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let running = 0;
  const passDone: Array<() => void> = [];
  const another = () => plan.nextPass !== undefined && ((pass + 1) % (plan.passMultiple ?? 1) !== 0 || performance.now() - t0 < minSeconds * 1000);
  const take = async (): Promise<Task | undefined> => {
    if (failure !== undefined) return undefined;
    while (next === tasks.length) {
      if (failure !== undefined || !another()) return undefined;
      if (running > 0) {
        await new Promise<void>((resolve) => passDone.push(resolve));
        continue;
      }
      tasks = plan.nextPass!(++pass);
      next = 0;
    }
    running += 1;
    return tasks[next++];
  };
  await Promise.all(
    sessions.map(async (session) => {
      // take() hands out nothing after a failure; a task it handed out always runs (or `running` would never drain).
      for (let task = await take(); task; task = await take()) {
        const start = performance.now();
        try {
          const handled = await task(session); // not `messages += await ...`: that would read `messages` before the await
          messages += handled;
          latencies.push(performance.now() - start);
        } catch (err) {
          failure ??= err;
        } finally {
          running -= 1;
          if (running === 0) for (const wake of passDone.splice(0)) wake();
        }
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const server = monitor.stop();
  if (failure !== undefined) throw failure;
  Object.assign(result, {
    messages,
    requests: latencies.length,
    seconds,
    messagesPerSecond: messages / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    serverCpuSeconds: server.cpuSeconds,
    serverPeakRssBytes: server.peakRssBytes,
    clientCpuSeconds: (cpu.user + cpu.system) / 1e6,
  });
}

/** [from, to) ranges of `size` over `length` items. */
function chunks(length: number, size: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < length; i += size) out.push([i, Math.min(length, i + size)]);
  return out;
}

/** `count` items spread evenly over the list (changes hit old and new items alike). */
function spread<T>(list: readonly T[], count: number): T[] {
  const step = list.length / count;
  return Array.from({ length: count }, (_, i) => list[Math.floor(i * step)]!);
}
