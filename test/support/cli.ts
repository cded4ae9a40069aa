import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { REPO } from './soap.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Environment for a child ewsd: the caller's, minus any EWSD_* setting that would leak in, with
 * the SMTP listener on a free port so that servers started side by side never clash on 2525.
 */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('EWSD_')) env[k] = v;
  return { ...env, EWSD_SMTP_PORT: '0', ...extra };
}

/** Runs `node bin/ewsd.js ARGS` from the repository root, as a user would. */
export function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/ewsd.js', ...args], { cwd: REPO, env: cleanEnv(env) }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? 1) : 0;
      resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr });
    });
  });
}

/** A running `ewsd serve` child process. */
export interface ServeProcess {
  child: ChildProcess;
  url: string;
  /** Everything written to stderr / stdout so far. */
  stderr(): string;
  stdout(): string;
  /** Resolves when `pattern` has appeared on the given stream. */
  waitFor(stream: 'stdout' | 'stderr', pattern: RegExp): Promise<RegExpMatchArray>;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  /** SIGKILLs the process if it is still running. */
  kill(): void;
}

/** Starts `ewsd serve ARGS` and waits until it prints its endpoint. */
export async function serve(args: string[], env: Record<string, string> = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, ['bin/ewsd.js', 'serve', ...args], { cwd: REPO, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  const waiters: Array<() => void> = [];
  for (const name of ['stdout', 'stderr'] as const) {
    child[name]!.setEncoding('utf8').on('data', (chunk: string) => {
      out[name] += chunk;
      for (const w of [...waiters]) w();
    });
  }
  const exited = once(child, 'exit').then(([code]) => {
    for (const w of [...waiters]) w();
    return code as number | null;
  });
  let done = false;
  void exited.then(() => (done = true));
  const waitFor = (stream: 'stdout' | 'stderr', pattern: RegExp) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const m = out[stream].match(pattern);
        if (m) {
          waiters.splice(waiters.indexOf(check), 1);
          resolve(m);
        } else if (done || child.exitCode !== null) {
          waiters.splice(waiters.indexOf(check), 1);
          reject(new Error(`ewsd exited before printing ${pattern}; stderr: ${out.stderr}`));
        }
      };
      waiters.push(check);
      check();
    });
  const proc: ServeProcess = {
    child,
    url: '',
    stderr: () => out.stderr,
    stdout: () => out.stdout,
    waitFor,
    exited,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
  try {
    proc.url = (await waitFor('stderr', /serving EWS on (\S+)/))[1]!;
  } catch (err) {
    proc.kill();
    throw err;
  }
  return proc;
}
