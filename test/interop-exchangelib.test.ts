import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { useTestServer } from './support/server.js';
import { REPO } from './support/soap.js';

const run = promisify(execFile);
const PYTHON = '/usr/bin/python3';

/** Runs a script of test/interop with exchangelib and returns the JSON it prints. */
async function exchangelib(script: string, ...args: string[]): Promise<Record<string, unknown>> {
  try {
    const { stdout } = await run(PYTHON, [join(REPO, 'test', 'interop', script), ...args], { timeout: 120_000 });
    return JSON.parse(stdout) as Record<string, unknown>;
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${script} failed: ${e.message}\n${e.stderr ?? ''}${e.stdout ?? ''}`);
  }
}

describe('exchangelib 4.9 against ewsd', () => {
  const env = useTestServer('alice');

  it('connects without help, walks the folder tree, creates, renames and deletes a folder', async () => {
    const out = await exchangelib('exchangelib_folders.py', env.server.url, env.users.alice.email, env.users.alice.password);
    assert.equal(out.auth_type, 'basic');
    assert.equal(out.api_version, 'Exchange2019');
    assert.deepEqual(out.inbox, { name: 'Inbox', class: 'Inbox', total: 0 });
    assert.equal(out.root_name, 'Root');
    const tois = out.tois_children as string[];
    for (const name of ['Inbox', 'Sent Items', 'Deleted Items', 'Drafts', 'Calendar', 'Contacts', 'Tasks']) assert.ok(tois.includes(name), name);
    const walk = out.walk as string[];
    assert.ok(walk.includes('Top of Information Store') && walk.includes('Inbox') && walk.includes('Conflicts'));
    assert.equal(out.created_id, true);
    assert.deepEqual(out.inbox_children_after_create, ['Projects']);
    assert.equal(out.inbox_child_count, 1);
    assert.deepEqual(out.inbox_on_server, ['Projects']);
    assert.deepEqual(out.by_name_deep, ['Q1'], 'a restriction on folder:DisplayName, case-insensitive, Deep');
    assert.deepEqual(out.by_name_prefix, ['Projects'], 'Contains Prefixed IgnoreCase');
    assert.deepEqual(out.renamed, ['Projects 2026']);
    assert.deepEqual(out.trash_children_after_move, ['Projects 2026']);
    assert.deepEqual(out.trash_children_after_soft_delete, []);
    assert.deepEqual(out.inbox_children_after_delete, []);
    assert.deepEqual(out.inbox_on_server_at_end, []);
    assert.deepEqual(out.trash_on_server_at_end, []);
  });
});
