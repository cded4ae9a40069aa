import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { cli } from './support/cli.js';
import { startTestServer, type TestServer, type TestUser } from './support/server.js';
import { REPO } from './support/soap.js';

const run = promisify(execFile);
const PYTHON = '/usr/bin/python3';

describe('sending through exchangelib 4.9 between two local users', () => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  before(async () => {
    server = await startTestServer();
    alice = await server.addUser('alice@example.com');
    bob = await server.addUser('bob@example.com');
    const granted = await cli(['delegate', 'add', alice.email, bob.email, '--folders', 'drafts', '--send-on-behalf', '--data', server.dataDir]);
    assert.equal(granted.code, 0, granted.stderr);
  });
  after(() => server.stop());

  it('send(), send(save_copy=False), send_and_save(), bulk_send(), draft send, and a delegate send', async () => {
    let out: Record<string, unknown>;
    try {
      const { stdout } = await run(PYTHON, [join(REPO, 'test', 'interop', 'exchangelib_send.py'), server.url, alice.email, alice.password, bob.email, bob.password], {
        timeout: 120_000,
      });
      out = JSON.parse(stdout) as Record<string, unknown>;
    } catch (err) {
      const e = err as { stderr?: string; stdout?: string; message: string };
      throw new Error(`exchangelib_send.py failed: ${e.message}\n${e.stderr ?? ''}${e.stdout ?? ''}`);
    }
    assert.deepEqual(out.bulk_send, [true, true, true]);
    assert.equal(out.drafts_left, 0);
    assert.deepEqual(out.sent, ['el bulk 0', 'el bulk 1', 'el bulk 2', 'el draft v2', 'el saved draft', 'el send', 'el send_and_save']);
    assert.deepEqual(out.bob_inbox, ['el bulk 0', 'el bulk 1', 'el bulk 2', 'el draft v2', 'el saved draft', 'el send', 'el send only', 'el send_and_save']);
    assert.deepEqual(out.bob_unread, Array(8).fill(false));
    assert.deepEqual(out.bob_from, ['alice@example.com']);
    assert.equal(out.bob_has_bcc, false, 'a Bcc recipient is never visible to the others');
    assert.equal(out.delegate_from, 'alice@example.com');
    assert.equal(out.delegate_sender, 'bob@example.com');
    assert.equal(out.delegate_copy_in_alice_sent, 1);
    assert.equal(out.drafts_after_delegate, 0);
  });
});
