import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EwsSession } from './clients/ews.js';
import { generateCorpus } from './corpus.js';
import { startEwsd, type RunningEwsd } from './ewsd-process.js';
import { sampleTree } from './proc-stats.js';
import { storeAcross } from './workloads.js';

/**
 * Two ewsd builds compared on the store workload, both alive at once.
 *
 * This machine's speed comes and goes every second or two (docs/BENCHMARKS.md, "The machine"), so
 * two builds measured one after the other differ by as much as a change worth making: whole runs,
 * even alternating, could not rank a 5% change. Here both servers run side by side and each
 * round stores `perRound` messages into one, then the other (the order alternating by round), so
 * both see the same phases. What counts is the per-round ratio, whose median and wins are
 * reported (two copies of one build gave medians of 1.01-1.05 with 6-7 wins of 12).
 */
export interface InterleaveOptions {
  /** Checkouts to compare (their bin/ewsd.js, built): the first is the baseline. */
  roots: readonly [string, string];
  rounds: number;
  /** Messages stored into each server per round (100 per CreateItem). */
  perRound: number;
  concurrency: number;
  /** Messages stored into each server first, untimed (compiling the hot code). */
  warmup: number;
  log?: (line: string) => void;
}

export interface InterleaveSide {
  root: string;
  messagesPerSecond: number;
  /** Server CPU (the process tree) per CreateItem of 100, in ms. */
  cpuMsPerRequest: number;
  /** Messages per second in each round. */
  rounds: number[];
}

export interface InterleaveResult {
  sides: [InterleaveSide, InterleaveSide];
  /** The median over rounds of the second build's rate over the first's. */
  medianRatio: number;
  /** Rounds in which the second build was the faster. */
  wins: number;
}

interface Side {
  root: string;
  server: RunningEwsd;
  dataDir: string;
  sessions: EwsSession[];
  wallMs: number;
  cpuSeconds: number;
  stored: number;
  rounds: number[];
}

const BATCH = 100;

export async function runInterleaved(opts: InterleaveOptions): Promise<InterleaveResult> {
  const log = opts.log ?? (() => {});
  // Messages are stored again from the start of the corpus once it runs out (each server keeps them all).
  const corpus = (await generateCorpus(Math.max(opts.warmup, opts.perRound) + opts.perRound)).messages;
  const sides: Side[] = [];
  try {
    for (const root of opts.roots) {
      const dataDir = mkdtempSync(join(tmpdir(), 'ewsd-interleave-'));
      const server = await startEwsd(root, dataDir);
      sides.push({ root, server, dataDir, sessions: [], wallMs: 0, cpuSeconds: 0, stored: 0, rounds: [] });
      const users = Array.from({ length: opts.concurrency }, (_, i) => `ab${i}@bench.test`);
      for (const user of users) await server.addUser(user, 'bench');
      const side = sides.at(-1)!;
      side.sessions = users.map((user) => new EwsSession(server.url, user, 'bench'));
      for (const s of side.sessions) await s.signIn();
    }
    for (const side of sides) await storeAcross(side.sessions, corpus, 0, opts.warmup, BATCH);
    log(`warmed up with ${opts.warmup} messages each`);
    let at = 0;
    for (let round = 0; round < opts.rounds; round++) {
      for (const side of round % 2 === 0 ? sides : [...sides].reverse()) {
        const cpu = sampleTree(side.server.pid).cpuSeconds;
        const start = performance.now();
        await storeAcross(side.sessions, corpus, at, opts.perRound, BATCH);
        const ms = performance.now() - start;
        side.wallMs += ms;
        side.cpuSeconds += sampleTree(side.server.pid).cpuSeconds - cpu;
        side.stored += opts.perRound;
        side.rounds.push(Math.round((opts.perRound / ms) * 1000));
      }
      log(`round ${round + 1}: ${sides.map((s) => s.rounds.at(-1)).join(' / ')} msgs/s`);
      at = (at + opts.perRound) % corpus.length;
    }
  } finally {
    for (const side of sides) {
      for (const s of side.sessions) await s.close();
      await side.server.stop();
      rmSync(side.dataDir, { recursive: true, force: true });
    }
  }
  const [a, b] = sides as [Side, Side];
  const ratios = b.rounds.map((rate, i) => rate / a.rounds[i]!).sort((x, y) => x - y);
  return {
    sides: [summary(a), summary(b)],
    medianRatio: ratios[Math.floor(ratios.length / 2)] ?? Number.NaN,
    wins: ratios.filter((r) => r > 1).length,
  };
}

function summary(side: Side): InterleaveSide {
  return {
    root: side.root,
    messagesPerSecond: Math.round((side.stored / side.wallMs) * 1000),
    cpuMsPerRequest: (side.cpuSeconds * 1000) / (side.stored / BATCH),
    rounds: side.rounds,
  };
}

export function formatInterleaved(r: InterleaveResult): string {
  const [a, b] = r.sides;
  const line = (name: string, s: InterleaveSide) =>
    `${name} ${s.root}\n  ${s.messagesPerSecond} msgs/s, server CPU ${s.cpuMsPerRequest.toFixed(1)} ms per CreateItem of 100; rounds: ${s.rounds.join(' ')}\n`;
  return (
    line('A', a) +
    line('B', b) +
    `B/A per round: median ${r.medianRatio.toFixed(3)}, B faster in ${r.wins} of ${b.rounds.length} rounds ` +
    `(two copies of one build gave medians of 1.01-1.05 and 6-7 wins of 12 here: trust a change when both are well beyond that)\n`
  );
}
