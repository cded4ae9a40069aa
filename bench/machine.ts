import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { cpus, freemem, release, totalmem } from 'node:os';

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  freeMemoryGiB: number;
  kernel: string;
  /** 1-minute load average when the run started: other work on the machine skews every figure. */
  loadAverage: number;
  node: string;
  sqlite: string;
  /** File system and device of the directory the servers store into. */
  disk: string;
  dovecot?: string;
  commit?: string;
}

function quiet(cmd: string, args: string[]): string | undefined {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/** `loadAverage` is taken by the caller before it starts working (generating the corpus loads a core). */
export function describeMachine(dataDir: string, repoRoot: string, loadAverage: number): MachineInfo {
  const db = new Database(':memory:');
  const sqlite = (db.prepare('select sqlite_version() as v').get() as { v: string }).v;
  db.close();
  const commit = quiet('git', ['-C', repoRoot, 'rev-parse', '--short', 'HEAD']);
  const dirty = quiet('git', ['-C', repoRoot, 'status', '--porcelain', '--untracked-files=no']);
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    freeMemoryGiB: Math.round((freemem() / 2 ** 30) * 10) / 10,
    kernel: release(),
    loadAverage: Math.round(loadAverage * 100) / 100,
    node: process.version,
    sqlite,
    disk: quiet('findmnt', ['-n', '-o', 'FSTYPE,SOURCE', '--target', dataDir])?.replace(/\s+/g, ' ') ?? 'unknown',
    ...(commit ? { commit: commit + (dirty ? '+dirty' : '') } : {}),
  };
}
