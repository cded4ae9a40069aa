import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { generateCorpus, type Corpus } from './corpus.js';
import { Recorder, startCanned } from './canned-ews.js';
import { cannedDriver, dovecotDriver, ewsdDriver } from './drivers.js';
import { startDovecot, type DovecotFsync, type RunningDovecot } from './dovecot.js';
import { startEwsd, type RunningEwsd } from './ewsd-process.js';
import { runFloor } from './floor.js';
import { describeMachine } from './machine.js';
import { sampleTree } from './proc-stats.js';
import type { ServerDriver } from './session.js';
import { formatMarkdown, formatTables, renderSvg, type BenchReport } from './report.js';
import { emptyResult, type WorkloadResult } from './stats.js';
import { EWSD_ONLY, WORKLOADS, runSide, summary, type SideRunOptions, type Workload } from './workloads.js';

export type Mode = 'tiny' | 'quick' | 'full';

/**
 * Corpus size, sync rounds, `minSeconds` (how long list, fetch, flag and changes keep making
 * passes, see SideRunOptions) and warm-up (see warmUp) per mode: quick stays under a minute, full
 * under ten on 2 cores.
 */
export const MODES: Record<Mode, { messages: number; syncRounds: number; minSeconds: number; warmup: number }> = {
  tiny: { messages: 20, syncRounds: 3, minSeconds: 0, warmup: 0 },
  quick: { messages: 400, syncRounds: 10, minSeconds: 1, warmup: 200 },
  full: { messages: 5000, syncRounds: 50, minSeconds: 3, warmup: 1000 },
};

export interface BenchOptions {
  mode: Mode;
  /** Overrides the mode's corpus size. */
  messages?: number;
  only?: Workload | 'floor';
  concurrencies?: number[];
  /** Messages stored in each account before the workloads (untimed), to measure at a mailbox size. */
  fill?: number;
  /**
   * With `fill`: restarts ewsd once each fill is stored, and warms the new process up as at the
   * start, so that what a workload shows is the mailbox's size and not the high-water mark of the
   * fill's own requests (several clients storing at once). Dovecot needs no restart: each IMAP
   * session gets an imap process of its own, started after the fill.
   */
  restartAfterFill?: boolean;
  /** Overrides the mode's warm-up: messages put through every workload once on each server, untimed, before the measured runs (0: none). */
  warmup?: number;
  /** Runs of each side per concurrency (each on a fresh account); the run with the median msgs/s is reported. */
  runs?: number;
  /** Where the JSON and SVG go. */
  outDir: string;
  repoRoot: string;
  /** The checkout whose bin/ewsd.js is measured (default: repoRoot), to compare builds. */
  ewsdRoot?: string;
  seed?: number;
  /** Names what was measured (e.g. a branch): goes into the file names, the JSON and the chart. */
  label?: string;
  /** Writes a V8 CPU profile of the ewsd process into this directory (`node --cpu-prof`). */
  profileDir?: string;
  /**
   * Also measures the EWS protocol floor (canned-ews.ts): after the servers' runs, one more ewsd
   * run records every answer, and a server that only replays them is measured like the others.
   */
  protocolFloor?: boolean;
  /** Overrides the mode's `minSeconds` for the repeatable workloads. */
  minSeconds?: number;
  /** Dovecot's mail_fsync (default optimized); named beside Dovecot's version in the report when not the default. */
  dovecotFsync?: DovecotFsync;
  log?: (line: string) => void;
}

export interface BenchOutcome {
  report: BenchReport;
  jsonFile: string;
  svgFile: string;
  markdownFile: string;
  table: string;
}

/**
 * The whole benchmark: one corpus, ewsd (a child process on a fresh data directory) and a private
 * Dovecot side by side, each workload at each concurrency, then the SQLite floor. Dovecot missing
 * is not fatal: its rows say why, and `report.dovecotUnavailable` tells callers.
 */
export async function runBench(opts: BenchOptions): Promise<BenchOutcome> {
  const log = opts.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const t0 = performance.now();
  const loadAtStart = loadavg()[0]!;
  const mode = MODES[opts.mode];
  const selected = new Set<Workload>(opts.only === undefined ? WORKLOADS : opts.only === 'floor' ? [] : [opts.only]);
  const withFloor = opts.only === undefined || opts.only === 'floor';
  // Only a fill has something to restart after.
  const restartAfterFill = Boolean(opts.fill) && opts.restartAfterFill === true;
  const concurrencies = opts.concurrencies ?? [1, 4];
  const runs = Math.max(1, opts.runs ?? 1);
  const work = mkdtempSync(join(tmpdir(), 'ewsd-bench-'));
  // Dovecot's mail processes run as `mail` and must traverse into work/dovecot.
  chmodSync(work, 0o755);
  let ewsd: RunningEwsd | undefined;
  let dovecot: RunningDovecot | undefined;
  let dovecotUnavailable: string | undefined;
  const results: WorkloadResult[] = [];
  // Interrupted (Ctrl-C): stop both servers and remove the temp dir (hundreds of MB) before leaving.
  const interrupted = (signal: NodeJS.Signals) => {
    log(`${signal}: stopping the servers and removing ${work}`);
    void Promise.allSettled([ewsd?.stop(), dovecot?.stop()]).then(() => {
      rmSync(work, { recursive: true, force: true });
      process.exit(130);
    });
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    const count = opts.messages ?? mode.messages;
    const warmup = selected.size > 0 ? Math.min(opts.warmup ?? mode.warmup, count) : 0;
    log(`generating ${count} messages`);
    const corpus = await generateCorpus(count, opts.seed);
    log(`corpus: ${count} messages, ${(corpus.totalBytes / 2 ** 20).toFixed(1)} MB`);
    const machine = describeMachine(work, opts.repoRoot, loadAtStart);

    if (selected.size > 0) {
      ewsd = await startEwsd(
        opts.ewsdRoot ?? opts.repoRoot,
        join(work, 'ewsd'),
        opts.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.profileDir}`] : [],
      );
      try {
        dovecot = await startDovecot(join(work, 'dovecot'), opts.dovecotFsync);
        machine.dovecot = `Dovecot ${dovecot.version}${dovecot.fsync === 'optimized' ? '' : `, mail_fsync=${dovecot.fsync}`}`;
      } catch (err) {
        dovecotUnavailable = (err as Error).message;
        log(`dovecot unavailable: ${dovecotUnavailable}`);
      }
      const warmUpOpts: SideRunOptions = { corpus: subCorpus(corpus, warmup), concurrency: 1, selected: new Set(WORKLOADS), syncRounds: 1, minSeconds: 0, fill: 0, log };
      if (warmup > 0) await warmUp(ewsd, dovecot, warmUpOpts);
      const running = ewsd;
      const afterFill = async (driver: ServerDriver): Promise<void> => {
        if (driver.name !== 'ewsd') return;
        const before = running.pid;
        await running.restart();
        log(`  ewsd restarted on the filled store (pid ${before} -> ${running.pid})${warmup > 0 ? `, warmed up again (${warmup} messages)` : ''}`);
        if (warmup > 0) await runSide(ewsdDriver(running), { ...warmUpOpts, log: () => {} });
      };
      for (const concurrency of concurrencies) {
        const sideOpts: SideRunOptions = {
          corpus,
          concurrency,
          selected,
          syncRounds: mode.syncRounds,
          minSeconds: opts.minSeconds ?? mode.minSeconds,
          fill: opts.fill ?? 0,
          ...(restartAfterFill ? { afterFill } : {}),
          log,
        };
        const ewsdRuns: WorkloadResult[][] = [];
        const dovecotRuns: WorkloadResult[][] = [];
        for (let run = 1; run <= runs; run++) {
          log(`ewsd, ${concurrency} client(s)${runs > 1 ? `, run ${run} of ${runs}` : ''}`);
          ewsdRuns.push(await runSide(ewsdDriver(ewsd), sideOpts));
          if (dovecot) {
            log(`dovecot, ${concurrency} client(s)${runs > 1 ? `, run ${run} of ${runs}` : ''}`);
            dovecotRuns.push(await runSide(dovecotDriver(dovecot), sideOpts));
          }
        }
        results.push(...medianRuns(ewsdRuns));
        if (dovecot) {
          results.push(...medianRuns(dovecotRuns));
        } else {
          for (const w of WORKLOADS) if (selected.has(w) && !EWSD_ONLY.has(w)) results.push({ ...emptyResult(w, 'dovecot', concurrency, 0), status: 'skipped', note: dovecotUnavailable });
        }
        if (opts.protocolFloor) results.push(...(await protocolFloorRun(ewsd, join(work, `floor-c${concurrency}.records`), sideOpts)));
      }
    }
    if (withFloor) {
      // As many runs as each server gets, the median kept: one fast or slow moment of the VM's
      // fsync would otherwise decide the figure the store is held against.
      const floorRuns: WorkloadResult[][] = [];
      for (let run = 1; run <= runs; run++) {
        log(`floor: raw better-sqlite3 inserts${runs > 1 ? `, run ${run} of ${runs}` : ''}`);
        const dir = join(work, `floor-${run}`);
        mkdirSync(dir);
        const floor = runFloor(corpus, dir);
        log(`  sqlite store: ${summary(floor)}`);
        floorRuns.push([floor]);
      }
      results.push(...medianRuns(floorRuns));
    }
    const ewsdPeak = ewsd ? sampleTree(ewsd.pid).rootHwmBytes : undefined;
    const report: BenchReport = {
      date: new Date().toISOString(),
      mode: opts.mode,
      machine,
      corpus: { seed: corpus.seed, messages: count, bytes: corpus.totalBytes },
      ...(opts.fill ? { fill: opts.fill } : {}),
      ...(restartAfterFill ? { restartedAfterFill: true } : {}),
      warmup,
      ...(opts.label ? { label: opts.label } : {}),
      ...(opts.ewsdRoot && opts.ewsdRoot !== opts.repoRoot ? { ewsdRoot: opts.ewsdRoot } : {}),
      ...(dovecotUnavailable ? { dovecotUnavailable } : {}),
      ...(ewsdPeak ? { ewsdLifetimePeakRssBytes: ewsdPeak } : {}),
      seconds: (performance.now() - t0) / 1000,
      results,
    };
    mkdirSync(opts.outDir, { recursive: true });
    const jsonFile = join(opts.outDir, `${[report.date.slice(0, 10), opts.mode, opts.only, opts.fill ? `fill${opts.fill}${restartAfterFill ? '-restarted' : ''}` : undefined, opts.dovecotFsync && opts.dovecotFsync !== 'optimized' ? `dovecot-fsync-${opts.dovecotFsync}` : undefined, opts.label].filter(Boolean).join('-')}.json`);
    const svgFile = join(opts.outDir, 'latest.svg');
    const markdownFile = jsonFile.replace(/\.json$/, '.md');
    writeFileSync(jsonFile, JSON.stringify(report, null, 2) + '\n');
    const svg = renderSvg(report);
    // latest.svg is what the docs show; the dated copy keeps each run's chart beside its JSON.
    writeFileSync(svgFile, svg);
    writeFileSync(jsonFile.replace(/\.json$/, '.svg'), svg);
    writeFileSync(markdownFile, formatMarkdown(report) + '\n');
    return { report, jsonFile, svgFile, markdownFile, table: formatTables(report) };
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    await Promise.allSettled([ewsd?.stop(), dovecot?.stop()]);
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Puts the first messages of the corpus through every workload once on each server, on an account
 * of its own, untimed. ewsd runs on V8: a fresh process spends its first few thousand messages
 * compiling its hot functions (on V8's helper threads: 3x the steady state's CPU per CreateItem
 * there), and the first measured run would otherwise report that instead of the server a mailbox
 * talks to for days. Dovecot gets the same, for its processes and caches.
 */
async function warmUp(ewsd: RunningEwsd, dovecot: RunningDovecot | undefined, sideOpts: SideRunOptions): Promise<void> {
  sideOpts.log(`warm-up (untimed): ${sideOpts.corpus.messages.length} messages through every workload, on each server`);
  const quiet = { ...sideOpts, log: () => {} };
  await runSide(ewsdDriver(ewsd), quiet);
  if (dovecot) await runSide(dovecotDriver(dovecot), quiet);
}

function subCorpus(corpus: Corpus, count: number): Corpus {
  const messages = corpus.messages.slice(0, count);
  return { ...corpus, messages, totalBytes: messages.reduce((n, m) => n + m.raw.length, 0) };
}

/**
 * The protocol floor at one concurrency: a recording run on ewsd (not reported), then the canned
 * server answering the same requests. Export and upload are left out (their answers are the
 * largest and IMAP has no counterpart to compare with).
 */
async function protocolFloorRun(ewsd: RunningEwsd, recordsFile: string, sideOpts: SideRunOptions): Promise<WorkloadResult[]> {
  if (sideOpts.fill > 0) throw new Error('--protocol-floor cannot be combined with --fill (the records would hold the whole fill)');
  const selected = new Set([...sideOpts.selected].filter((w) => !EWSD_ONLY.has(w)));
  const recorder = new Recorder(recordsFile);
  try {
    sideOpts.log(`ews-floor, ${sideOpts.concurrency} client(s): recording ewsd's answers`);
    await runSide(ewsdDriver(ewsd, recorder.record), { ...sideOpts, selected, log: () => {} });
  } finally {
    recorder.close();
  }
  const canned = await startCanned(recordsFile);
  try {
    sideOpts.log(`ews-floor, ${sideOpts.concurrency} client(s): replaying them`);
    return await runSide(cannedDriver(canned), { ...sideOpts, selected });
  } finally {
    await canned.stop();
    rmSync(recordsFile, { force: true });
  }
}

/**
 * Of several runs of the same workloads (runs[i][k] is workload k of run i), keeps per workload
 * the run with the median throughput, so one disturbed run does not decide the figure. A
 * workload that did not succeed in every run is reported by its first unsuccessful run.
 */
function medianRuns(runs: WorkloadResult[][]): WorkloadResult[] {
  if (runs.length === 1) return runs[0]!;
  return runs[0]!.map((_, k) => {
    const same = runs.map((r) => r[k]!);
    const failed = same.find((r) => r.status !== 'ok');
    if (failed) return failed;
    const sorted = [...same].sort((a, b) => a.messagesPerSecond - b.messagesPerSecond);
    return { ...sorted[Math.floor((sorted.length - 1) / 2)]!, runs: same.length };
  });
}
