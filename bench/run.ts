import { formatSyncScenario, runSyncScenario } from './sync-scenario.js';
import { Command, Option } from 'commander';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DOVECOT_FSYNC_MODES, type DovecotFsync } from './dovecot.js';
import { runBench, type Mode } from './harness.js';
import { formatInterleaved, runInterleaved } from './interleave.js';
import { WORKLOADS } from './workloads.js';

/** The repository root: this file runs from dist/bench/. */
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const program = new Command('bench')
  .description('ewsd side by side with Dovecot: store, list, fetch, flag, changes, delete, and the SQLite floor')
  .option('--quick', 'small corpus, finishes in under a minute')
  .option('--tiny', 'a 20-message corpus, for smoke tests')
  .addOption(new Option('--only <workload>', 'run one workload (store still runs first when others need it)').choices([...WORKLOADS, 'floor']))
  .option('--messages <n>', 'corpus size (overrides the mode)', (v) => Number.parseInt(v, 10))
  .option('--concurrency <list>', 'comma-separated client counts', (v) => v.split(',').map((n) => Number.parseInt(n, 10)), [1, 4])
  .option('--fill <n>', 'messages stored in each account before the workloads (untimed): the mailbox size to measure at', (v) => Number.parseInt(v, 10), 0)
  .option('--restart-after-fill', 'with --fill: restart ewsd (and warm it up again) once the fill is stored, so that memory and latency show the mailbox, not the fill')
  .option('--warmup <n>', 'messages put through every workload on each server, untimed, before the measured runs (default 1000 full, 200 --quick, 0 --tiny)', (v) => Number.parseInt(v, 10))
  .option('--runs <n>', 'runs per server and concurrency; the median is reported', (v) => Number.parseInt(v, 10), 1)
  .option('--out <dir>', 'where the JSON and SVG go', resolve(REPO_ROOT, 'bench', 'results'))
  .option('--ewsd <dir>', 'measure the ewsd built in this checkout (its bin/ewsd.js) instead of this one')
  .option('--profile <dir>', 'write a V8 CPU profile of the ewsd process into this directory')
  .option('--protocol-floor', 'also measure the EWS protocol floor: ewsd\'s recorded answers replayed by a server that does nothing else')
  .option('--label <name>', 'names what is measured (e.g. a branch) in file names, JSON and chart')
  .addOption(new Option('--dovecot-fsync <mode>', "Dovecot's mail_fsync: always also fsyncs flag changes, as ewsd does").choices([...DOVECOT_FSYNC_MODES]).default('optimized'))
  .option('--min-seconds <s>', 'how long list, fetch, flag and changes keep making passes over their items (default 3 full, 1 --quick, 0 --tiny)', (v) => Number.parseFloat(v))
  .option('--seed <n>', 'corpus seed', (v) => Number.parseInt(v, 10))
  .option('--sync', 'run the sync scenario instead: full SyncFolderItems of a large folder page by page, then incremental syncs')
  .option('--sync-items <n>', 'folder size for the sync scenario (default: 100000 full, 5000 --quick, 200 --tiny)', (v) => Number.parseInt(v, 10))
  .option('--interleave <dir>', "A/B of the store workload: that checkout's build (A) against this one or --ewsd's (B), both running at once, rounds interleaved")
  .option('--rounds <n>', 'with --interleave: rounds (default 12, 4 --quick)', (v) => Number.parseInt(v, 10))
  .option('--per-round <n>', 'with --interleave: messages stored into each build per round (default 1000, 300 --quick)', (v) => Number.parseInt(v, 10));
program.parse();
const opts = program.opts<{ quick?: boolean; tiny?: boolean; only?: (typeof WORKLOADS)[number] | 'floor'; messages?: number; concurrency: number[]; runs: number; fill: number; restartAfterFill?: boolean; warmup?: number; out: string; seed?: number; ewsd?: string; profile?: string; label?: string; protocolFloor?: boolean; dovecotFsync: DovecotFsync; minSeconds?: number }>();
const mode: Mode = opts.tiny ? 'tiny' : opts.quick ? 'quick' : 'full';

const syncOpts = program.opts<{ sync?: boolean; syncItems?: number }>();
if (syncOpts.sync || syncOpts.syncItems !== undefined) {
  const items = syncOpts.syncItems ?? (mode === 'tiny' ? 200 : mode === 'quick' ? 5000 : 100_000);
  const result = await runSyncScenario(opts.ewsd ? resolve(opts.ewsd) : REPO_ROOT, items, (line) => process.stderr.write(`${line}\n`));
  process.stdout.write(formatSyncScenario(result));
  process.exit(0);
}

const abOpts = program.opts<{ interleave?: string; rounds?: number; perRound?: number }>();
if (abOpts.interleave) {
  const result = await runInterleaved({
    roots: [resolve(abOpts.interleave), opts.ewsd ? resolve(opts.ewsd) : REPO_ROOT],
    rounds: abOpts.rounds ?? (mode === 'full' ? 12 : 4),
    perRound: abOpts.perRound ?? (mode === 'full' ? 1000 : 300),
    concurrency: opts.concurrency.at(-1) ?? 4,
    warmup: opts.warmup ?? (mode === 'full' ? 3000 : 300),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(formatInterleaved(result));
  process.exit(0);
}

if (opts.restartAfterFill && !opts.fill) program.error('--restart-after-fill needs --fill');

const outcome = await runBench({
  mode,
  outDir: resolve(opts.out),
  repoRoot: REPO_ROOT,
  concurrencies: opts.concurrency,
  runs: opts.runs,
  fill: opts.fill,
  ...(opts.restartAfterFill ? { restartAfterFill: true } : {}),
  ...(opts.only ? { only: opts.only } : {}),
  ...(opts.messages ? { messages: opts.messages } : {}),
  ...(opts.warmup !== undefined ? { warmup: opts.warmup } : {}),
  ...(opts.ewsd ? { ewsdRoot: resolve(opts.ewsd) } : {}),
  ...(opts.profile ? { profileDir: resolve(opts.profile) } : {}),
  ...(opts.protocolFloor ? { protocolFloor: true } : {}),
  dovecotFsync: opts.dovecotFsync,
  ...(opts.minSeconds !== undefined ? { minSeconds: opts.minSeconds } : {}),
  ...(opts.label ? { label: opts.label.replace(/[^\w.-]+/g, '-') } : {}),
  ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
});
const { report } = outcome;
process.stdout.write(
  `\newsd benchmark, ${mode} run: ${report.corpus.messages} messages (${(report.corpus.bytes / 2 ** 20).toFixed(1)} MB), ` +
    `${report.machine.cpus} CPUs, Node ${report.machine.node}, ${report.machine.dovecot ?? (report.dovecotUnavailable ? `Dovecot unavailable: ${report.dovecotUnavailable}` : 'no servers started')}\n\n` +
    (report.machine.loadAverage > report.machine.cpus / 2
      ? `warning: the load average was ${report.machine.loadAverage} on ${report.machine.cpus} CPUs when the run started; other work skews these figures\n\n`
      : '') +
    outcome.table +
    `\nratio = ewsd msgs/s / Dovecot msgs/s (above 1 means ewsd is faster); took ${report.seconds.toFixed(1)} s\n` +
    `wrote ${outcome.jsonFile}\nwrote ${outcome.markdownFile}\nwrote ${outcome.svgFile}\n` +
    (opts.profile ? `ewsd CPU profile in ${resolve(opts.profile)} (open it in Chrome DevTools)\n` : ''),
);
