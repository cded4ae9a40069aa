import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, waitForPort } from './net.js';

/** Where Debian puts the binary; `dovecot-imapd` pulls in `dovecot-core`. */
const DOVECOT = '/usr/sbin/dovecot';
/** Debian's `mail` user: Dovecot refuses to run mail processes as root. */
const MAIL_UID = 8;
export const DOVECOT_PASSWORD = 'bench-password';

export class DovecotUnavailable extends Error {}

/** Installs `dovecot-imapd` with apt-get when it is missing (idempotent, non-interactive). */
export function ensureDovecotInstalled(log: (line: string) => void = () => {}): void {
  if (existsSync(DOVECOT) && existsSync('/usr/lib/dovecot/imap')) return;
  if (process.getuid?.() !== 0) throw new DovecotUnavailable('dovecot is not installed and installing it needs root (apt-get install dovecot-imapd)');
  if (spawnSync('which', ['apt-get']).status !== 0) throw new DovecotUnavailable('dovecot is not installed and there is no apt-get here');
  log('installing dovecot-imapd with apt-get (once)');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let r = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'dovecot-imapd'], { env, encoding: 'utf8' });
  if (r.status !== 0) {
    // The package lists may be missing or stale on a fresh machine.
    spawnSync('apt-get', ['update', '-qq'], { env, encoding: 'utf8' });
    r = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'dovecot-imapd'], { env, encoding: 'utf8' });
  }
  if (r.status !== 0 || !existsSync(DOVECOT)) throw new DovecotUnavailable(`apt-get install dovecot-imapd failed: ${(r.stderr ?? '').trim().slice(-300)}`);
}

export function dovecotVersion(): string {
  const r = spawnSync(DOVECOT, ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : 'unknown';
}

export interface RunningDovecot {
  host: string;
  port: number;
  pid: number;
  version: string;
  fsync: DovecotFsync;
  logFile: string;
  stop(): Promise<void>;
}

/**
 * Dovecot's `mail_fsync`. `optimized` (its default, and issue 7's setting) fsyncs the messages
 * it saves and expunges, but not flag changes: those sit in its index log until the kernel writes
 * them. `always` fsyncs after every write, flags included, which is what ewsd does for every
 * acknowledged change: the setting for comparing flag writes at equal durability.
 */
export type DovecotFsync = 'optimized' | 'always';
export const DOVECOT_FSYNC_MODES: readonly DovecotFsync[] = ['optimized', 'always'];

/**
 * Starts a private Dovecot on a loopback port, with its whole state (config, sockets, mail) in
 * `dir`, with `mail_fsync=optimized` unless told otherwise. Every directory above `dir` must be
 * traversable by the `mail` user.
 */
export async function startDovecot(dir: string, fsync: DovecotFsync = 'optimized'): Promise<RunningDovecot> {
  ensureDovecotInstalled();
  const port = await freePort();
  for (const sub of ['run', 'state', 'home']) mkdirSync(join(dir, sub), { recursive: true });
  // The mail processes run as `mail`: they must reach and own the homes under our temp dir.
  chmodSync(dir, 0o755);
  chownSync(join(dir, 'home'), MAIL_UID, MAIL_UID);
  const logFile = join(dir, 'dovecot.log');
  const conf = join(dir, 'dovecot.conf');
  writeFileSync(
    conf,
    `# Private benchmark instance written by bench/dovecot.ts
protocols = imap
listen = 127.0.0.1
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${logFile}
info_log_path = ${logFile}
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = sdbox:~/mail
mail_fsync = ${fsync}
first_valid_uid = ${MAIL_UID}
mail_max_userip_connections = 50
passdb {
  driver = static
  args = password=${DOVECOT_PASSWORD}
}
userdb {
  driver = static
  args = uid=${MAIL_UID} gid=${MAIL_UID} home=${dir}/home/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
`,
  );
  const child: ChildProcess = spawn(DOVECOT, ['-F', '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitForPort('127.0.0.1', port, 10_000, () => child.exitCode !== null);
  } catch (err) {
    child.kill('SIGKILL');
    const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-500) : '';
    throw new DovecotUnavailable(`dovecot did not start: ${(err as Error).message} ${stderr.trim()} ${log}`.trim());
  }
  return {
    host: '127.0.0.1',
    port,
    pid: child.pid!,
    version: dovecotVersion(),
    fsync,
    logFile,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
