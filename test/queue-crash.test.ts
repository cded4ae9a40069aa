import assert from 'node:assert/strict';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { SmtpPeer } from './support/smtp-peer.js';
import { sleep, waitFor, within } from './support/wait.js';

const EWSD = fileURLToPath(new URL('../../bin/ewsd.js', import.meta.url));

/** `ewsd serve` as its own process; resolves once it says it is serving. */
async function serve(dataDir: string, relayPort: number): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      EWSD, 'serve', '--port', '0', '--no-smtp', '--data', dataDir, '--log-level', 'warn',
      '--smtp-relay', `127.0.0.1:${relayPort}`, '--smtp-relay-tls', 'none',
      '--smtp-retry-initial', '100ms', '--smtp-queue-poll', '100ms',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (t: string) => (stderr += t));
  await waitFor('ewsd serve to start', () => {
    if (child.exitCode !== null) throw new Error(`ewsd serve exited: ${stderr}`);
    return stderr.includes('serving EWS');
  });
  return child;
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

function message(n: number): Buffer {
  return Buffer.from(`From: alice@example.com\r\nTo: bob@remote.test, carol@remote.test\r\nSubject: crash test ${n}\r\nMessage-ID: <crash-${n}@example.com>\r\n\r\nmessage ${n}\r\n`);
}

describe('outbound queue across kill -9', () => {
  it('keeps queued mail through a crash and delivers every message exactly once after restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ewsd-crash-'));
    const relay = await SmtpPeer.start();
    const relayPort = relay.port;
    await relay.close(); // the relay is unreachable at first
    const children: ChildProcess[] = [];
    const store = SqliteStore.open(dataDir);
    try {
      const first = await serve(dataDir, relayPort);
      children.push(first);
      // Another process (this test) queues mail in the same store, as a send operation would.
      for (let n = 1; n <= 5; n++) await store.enqueueOutbound({ sender: 'alice@example.com', recipients: ['bob@remote.test', 'carol@remote.test'], raw: message(n) });
      await waitFor('every message to fail once against the closed relay', async () => {
        const queued = await store.listOutbound();
        return queued.length === 5 && queued.every((m) => m.attempts >= 1 && /ECONNREFUSED/.test(m.lastError ?? ''));
      });

      const { stdout } = await promisify(execFile)(process.execPath, [EWSD, 'queue', 'list', '--data', dataDir], { timeout: 10_000 });
      assert.equal(stdout.match(/^#\d+ from alice@example\.com/gm)?.length, 5);
      assert.match(stdout, /^ {2}bob@remote\.test: pending \(.*ECONNREFUSED.*\)$/m);

      first.kill('SIGKILL');
      await exited(first);
      const retry = await promisify(execFile)(process.execPath, [EWSD, 'queue', 'retry', '--data', dataDir], { timeout: 10_000 });
      assert.match(retry.stdout, /^\d+ messages? due now$/m);
      await relay.open(relayPort);
      const second = await serve(dataDir, relayPort);
      children.push(second);

      await waitFor('the queue to empty', async () => (await store.listOutbound()).length === 0, 20_000);
      await sleep(500); // a duplicate would arrive now
      const subjects = relay.received.map((m) => /Subject: (.*)\r\n/.exec(m.raw.toString())![1]).sort();
      assert.deepEqual(subjects, [1, 2, 3, 4, 5].map((n) => `crash test ${n}`));
      for (const m of relay.received) assert.deepEqual([...m.to].sort(), ['bob@remote.test', 'carol@remote.test']);

      second.kill('SIGTERM');
      await within('ewsd to stop on SIGTERM', exited(second), 10_000);
      assert.equal(second.exitCode, 0, 'a clean shutdown on SIGTERM');
    } finally {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      await Promise.all(children.map(exited));
      await relay.close();
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('re-sends a message whose transfer was cut by kill -9 before the relay said 250, once', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ewsd-crash-'));
    const relay = await SmtpPeer.start();
    relay.stallDataMs = 60_000;
    const children: ChildProcess[] = [];
    const store = SqliteStore.open(dataDir);
    try {
      const first = await serve(dataDir, relay.port);
      children.push(first);
      await store.enqueueOutbound({ sender: 'alice@example.com', recipients: ['bob@remote.test'], raw: message(6) });
      await waitFor('the relay to hold the end of DATA', () => relay.stalled === 1);
      first.kill('SIGKILL');
      await exited(first);
      relay.stallDataMs = 0;
      // The dead worker's claim (a 15-minute lease) is released by the next server at once.
      const second = await serve(dataDir, relay.port);
      children.push(second);
      await waitFor('the queue to empty', async () => (await store.listOutbound()).length === 0, 20_000);
      await sleep(300);
      assert.deepEqual(relay.received.map((m) => m.to), [['bob@remote.test']]);
    } finally {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      await Promise.all(children.map(exited));
      await relay.close();
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
