import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { useTestServer } from './support/server.js';
import { REPO } from './support/soap.js';

const run = promisify(execFile);

describe('ExportItems / UploadItems through exchangelib', () => {
  const env = useTestServer('alice');

  it('account.export(items) then account.upload(data): the copies read back the same and re-export identically', async () => {
    let stdout: string;
    try {
      ({ stdout } = await run('/usr/bin/python3', [join(REPO, 'test', 'interop', 'exchangelib_export.py'), env.server.url, env.users.alice.email, env.users.alice.password], { timeout: 120_000 }));
    } catch (err) {
      const e = err as { stderr?: string; stdout?: string; message: string };
      throw new Error(`exchangelib_export.py failed: ${e.message}\n${e.stderr ?? ''}${e.stdout ?? ''}`);
    }
    const out = JSON.parse(stdout) as Record<string, unknown>;
    const all = (v: unknown) => [v, v, v];
    assert.deepEqual(out.exported, all(true));
    assert.deepEqual(out.uploaded, all(true));
    assert.deepEqual(out.copy_subjects, [0, 1, 2].map((i) => `export ${i} – ü`));
    assert.deepEqual(out.copy_bodies, [0, 1, 2].map((i) => `<p>body ${i} ✓</p>`));
    assert.deepEqual(out.copy_to, [0, 1, 2].map((i) => `to${i}@example.com`));
    assert.deepEqual(out.copy_cc_names, all('Cc'));
    assert.deepEqual(out.copy_categories, all(['ewsd', 'export']));
    assert.deepEqual(out.copy_importance, all('High'));
    assert.deepEqual(out.copy_flag, all(2));
    assert.deepEqual(out.copy_attachment_sizes, [[256], [512], [768]]);
    assert.deepEqual(out.same_created, all(true));
    assert.deepEqual(out.reexport_identical, all(true));
    assert.equal(out.update_same_id, true);
    assert.equal(out.update_new_changekey, true);
    assert.equal(out.after_update_subject, 'export 1 – ü');
    assert.equal(out.inbox_total, 3);
  });
});
