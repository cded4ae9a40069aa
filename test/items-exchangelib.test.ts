import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { useTestServer, type TestUser } from './support/server.js';
import { REPO } from './support/soap.js';

const run = promisify(execFile);
const PYTHON = '/usr/bin/python3';

/** Runs test/interop/exchangelib_items.py (asynchronously: the server shares this process) and returns its JSON. */
async function exchangelibItems(url: string, user: TestUser): Promise<Record<string, unknown>> {
  try {
    const { stdout } = await run(PYTHON, [join(REPO, 'test', 'interop', 'exchangelib_items.py'), url, user.email, user.password], { timeout: 120_000 });
    return JSON.parse(stdout) as Record<string, unknown>;
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new Error(`exchangelib_items.py failed: ${e.message}\n${e.stderr ?? ''}${e.stdout ?? ''}`);
  }
}

describe('message items through exchangelib 4.9', () => {
  const env = useTestServer('alice');

  it('bulk_create, fetch, bulk_update, save, order_by/slicing, attach/detach, move, copy, bulk_delete', async () => {
    const out = await exchangelibItems(env.server.url, env.users.alice);
    const subjects = [0, 1, 2, 3, 4].map((i) => `draft ${i}`);
    assert.deepEqual(out.created, [true, true, true, true, true]);
    assert.deepEqual(out.fetched_subjects, subjects);
    assert.deepEqual(out.fetched_to, [0, 1, 2, 3, 4].map((i) => `to${i}@example.com`));
    assert.deepEqual(out.fetched_is_draft, [true, true, true, true, true]);
    assert.equal(out.fetched_body, '<p>body 0</p>');
    assert.deepEqual(out.fetched_categories, ['ewsd']);
    assert.equal(out.fetched_has_mime, true);
    assert.equal(out.drafts_total, 5);
    assert.deepEqual(out.updated_same_ids, [true, true, true, true, true]);
    assert.deepEqual(out.after_update, subjects.map((s) => `${s} (edited)`));
    assert.equal(out.unread_after_save, 4, 'exchangelib creates messages unread; one was then marked read');
    assert.deepEqual(out.ordered, ['draft 0 (edited)', 'draft 1 (edited)', 'draft 2 (edited)']);
    assert.equal(out.count, 5);
    assert.deepEqual(out.filtered, ['draft 1 (edited)']);
    assert.equal(out.filtered_importance, 5);
    assert.deepEqual(out.attachment_names, ['hello.txt']);
    assert.equal(out.attachment_content, 'hello world');
    assert.equal(out.attachments_after_detach, 0);
    assert.deepEqual(out.inbox_after_move, ['draft 2 (edited)']);
    assert.deepEqual(out.inbox_after_copy, ['draft 2 (edited)', 'draft 3 (edited)']);
    assert.deepEqual(out.deleted, [true, true, true, true]);
    assert.equal(out.drafts_after_delete, 0);
    assert.deepEqual(out.deleted_again, [true, true, true, true], 'deleting ids that no longer exist succeeds');
    assert.deepEqual(out.fetch_deleted, ['ErrorItemNotFound', 'ErrorItemNotFound']);
  });
});
