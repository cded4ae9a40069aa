import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, waitForPort } from './net.js';

const run = promisify(execFile);

export interface RunningEwsd {
  /** The server's URL and process: both change when it is restarted. */
  readonly url: string;
  readonly pid: number;
  dataDir: string;
  addUser(email: string, password: string): Promise<void>;
  /**
   * Stops the server and starts a new process on the same data directory (and node arguments),
   * as after a reboot: what the store holds stays, what the process had grown does not.
   */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

interface EwsdProcess {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * Runs ewsd as its own process (`node bin/ewsd.js serve`), the way it is deployed, so that its CPU
 * time and memory can be read apart from the benchmark client's. `nodeArgs` go to node itself
 * (e.g. `--cpu-prof --cpu-prof-dir=DIR`: the profile is written when the server exits).
 */
export async function startEwsd(repoRoot: string, dataDir: string, nodeArgs: readonly string[] = []): Promise<RunningEwsd> {
  const cli = join(repoRoot, 'bin', 'ewsd.js');
  let current = await spawnEwsd(cli, dataDir, nodeArgs);
  return {
    get url() {
      return current.url;
    },
    get pid() {
      return current.pid;
    },
    dataDir,
    async addUser(email, password) {
      // The CLI writes to the store directly, which is safe while the server runs (WAL).
      await run(process.execPath, [cli, 'user', 'add', email, '--password', password, '--data', dataDir]);
    },
    async restart() {
      await current.stop();
      current = await spawnEwsd(cli, dataDir, nodeArgs);
    },
    stop: () => current.stop(),
  };
}

async function spawnEwsd(cli: string, dataDir: string, nodeArgs: readonly string[]): Promise<EwsdProcess> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [...nodeArgs, cli, 'serve', '--host', '127.0.0.1', '--port', String(port), '--data', dataDir, '--log-level', 'warn', '--smtp-port', '0'],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, EWSD_LOG_LEVEL: 'warn' } },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitForPort('127.0.0.1', port, 15_000, () => child.exitCode !== null);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`ewsd did not start: ${(err as Error).message}\n${stderr}`);
  }
  return {
    url: `http://127.0.0.1:${port}/EWS/Exchange.asmx`,
    pid: child.pid!,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
