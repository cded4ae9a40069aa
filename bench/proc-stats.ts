import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time and memory of a server's whole process tree, read from /proc. Dovecot is several
 * processes (master, auth, login, one imap per connection); ewsd is one. Counting the tree,
 * including the time of children already reaped (cutime/cstime), is what makes the two comparable.
 */

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

export interface ProcInfo {
  pid: number;
  ppid: number;
  /** utime + stime + cutime + cstime, in clock ticks. */
  ticks: number;
  rssKb: number;
  hwmKb: number;
}

function readProc(pid: number): ProcInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(fields[1]);
    const ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
    return { pid, ppid, ticks, rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') };
  } catch {
    return undefined; // the process ended between readdir and read
  }
}

/** The pids a process has started, from each of its threads' children list. */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return children; // it ended meanwhile
  }
  for (const task of tasks) {
    try {
      for (const c of readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ')) if (c.trim()) children.push(Number(c));
    } catch {
      // the thread ended meanwhile
    }
  }
  return children;
}

/** Whether the kernel lists children per thread (CONFIG_PROC_CHILDREN); without it, every process is read. */
const perThreadChildren = existsSync(`/proc/self/task/${process.pid}/children`);

/**
 * The processes of a tree. Walked from the root down its children lists: reading every process
 * of the machine (~70 here, twice each) every 100 ms cost the bench process ~3.7 ms a time, CPU
 * taken from the two cores the server under test runs on.
 */
export function tree(rootPid: number): ProcInfo[] {
  if (!perThreadChildren) return scanTree(rootPid);
  const members: ProcInfo[] = [];
  const seen = new Set<number>();
  for (const pending = [rootPid]; pending.length > 0; ) {
    const pid = pending.pop()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    const info = readProc(pid);
    if (!info) continue;
    members.push(info);
    pending.push(...childrenOf(pid));
  }
  return members;
}

/** The processes of a tree, found by reading every process's parent. */
export function scanTree(rootPid: number): ProcInfo[] {
  const all: ProcInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const info = readProc(Number(name));
    if (info) all.push(info);
  }
  const members = new Set([rootPid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of all) if (!members.has(p.pid) && members.has(p.ppid)) (members.add(p.pid), (grew = true));
  }
  return all.filter((p) => members.has(p.pid));
}

export interface TreeSample {
  cpuSeconds: number;
  rssBytes: number;
  /** Peak RSS of the root process itself (VmHWM): exact for a one-process server. */
  rootHwmBytes: number;
}

export function sampleTree(rootPid: number): TreeSample {
  const procs = tree(rootPid);
  const root = procs.find((p) => p.pid === rootPid);
  return {
    cpuSeconds: procs.reduce((s, p) => s + p.ticks, 0) / clockTicks(),
    rssBytes: procs.reduce((s, p) => s + p.rssKb, 0) * 1024,
    rootHwmBytes: (root?.hwmKb ?? 0) * 1024,
  };
}

/**
 * Watches a process tree during one workload: CPU seconds spent and the peak of the summed RSS,
 * sampled every 100 ms (VmHWM would be the peak over the server's whole life, not this workload's).
 */
export class TreeMonitor {
  readonly #pid: number;
  readonly #startCpu: number;
  #peak = 0;
  readonly #timer: NodeJS.Timeout;

  constructor(pid: number) {
    this.#pid = pid;
    const s = sampleTree(pid);
    this.#startCpu = s.cpuSeconds;
    this.#peak = s.rssBytes;
    this.#timer = setInterval(() => this.#sample(), 100);
    this.#timer.unref();
  }

  #sample(): TreeSample {
    const s = sampleTree(this.#pid);
    this.#peak = Math.max(this.#peak, s.rssBytes);
    return s;
  }

  stop(): { cpuSeconds: number; peakRssBytes: number } {
    clearInterval(this.#timer);
    const s = this.#sample();
    return { cpuSeconds: s.cpuSeconds - this.#startCpu, peakRssBytes: this.#peak };
  }
}
