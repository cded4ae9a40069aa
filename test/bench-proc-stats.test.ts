import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { sampleTree, scanTree, tree } from '../bench/proc-stats.js';

// The bench counts a server's CPU over its whole process tree (Dovecot is several processes).
// Walking down the children lists must find the same tree as reading every process's parent.
describe('bench process tree', () => {
  it('finds a process, its children and grandchildren, and nothing else', async () => {
    const root = spawn('sh', ['-c', 'sleep 30 & sh -c "sleep 30 & sleep 30 & wait" & wait'], { stdio: 'ignore', detached: true });
    try {
      const pids = (list: Array<{ pid: number }>) => list.map((p) => p.pid).sort((a, b) => a - b);
      let walked: number[] = [];
      for (let i = 0; i < 100 && walked.length < 5; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        walked = pids(tree(root.pid!));
      }
      assert.equal(walked.length, 5, 'sh, sleep, sh, sleep, sleep');
      assert.deepEqual(walked, pids(scanTree(root.pid!)));
      assert.ok(!walked.includes(process.pid));
      const sample = sampleTree(root.pid!);
      assert.ok(sample.rssBytes > 0 && sample.cpuSeconds >= 0);
    } finally {
      process.kill(-root.pid!, 'SIGKILL'); // the whole group: the grandchildren too
    }
  });
});
