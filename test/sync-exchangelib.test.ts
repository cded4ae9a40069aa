import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { useTestServer } from './support/server.js';
import { REPO } from './support/soap.js';

const run = promisify(execFile);

interface SyncOut {
  created: string[];
  first: Array<[string, string, string]>;
  state_set: boolean;
  new_id: string;
  second: unknown[][];
  third: unknown[][];
  corrupt: string;
  hierarchy: string[];
  hierarchy_next: unknown[][];
  sub_id: string;
}

describe('SyncFolderItems and SyncFolderHierarchy through exchangelib 4.9', () => {
  const env = useTestServer('alice');

  it('sync_items pages, then reports read flag, update, delete and create; sync_hierarchy lists and follows folders', async () => {
    let out: SyncOut;
    try {
      const { stdout } = await run('/usr/bin/python3', [join(REPO, 'test', 'interop', 'exchangelib_sync.py'), env.server.url, env.users.alice.email, env.users.alice.password], { timeout: 120_000 });
      out = JSON.parse(stdout) as SyncOut;
    } catch (err) {
      const e = err as { stderr?: string; stdout?: string; message: string };
      throw new Error(`exchangelib_sync.py failed: ${e.message}\n${e.stderr ?? ''}${e.stdout ?? ''}`);
    }
    assert.deepEqual(out.first.map((c) => [c[0], c[1]]), out.created.map((id) => ['create', id]));
    assert.equal(out.state_set, true);
    assert.deepEqual(out.second, [
      ['read_flag_change', out.created[0], true],
      ['update', out.created[1], 'sync 1 (edited)'],
      ['delete', out.created[2]],
      ['create', out.new_id, 'sync new'],
    ]);
    assert.deepEqual(out.third, []);
    assert.equal(out.corrupt, 'ErrorInvalidSyncStateData');
    for (const name of ['Inbox', 'Drafts', 'Sent Items', 'Calendar', 'Contacts']) assert.ok(out.hierarchy.includes(name), `${name} in ${out.hierarchy.join(', ')}`);
    assert.deepEqual(out.hierarchy_next, [['create', out.sub_id, 'Synced folder']]);
  });
});
