import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatInterleaved, runInterleaved } from '../bench/interleave.js';
import { REPO } from './support/soap.js';

describe('bench: interleaved A/B of two builds', () => {
  it('stores into both servers round by round and compares them round by round', async () => {
    const lines: string[] = [];
    const result = await runInterleaved({ roots: [REPO, REPO], rounds: 3, perRound: 150, concurrency: 2, warmup: 100, log: (l) => lines.push(l) });
    for (const side of result.sides) {
      assert.equal(side.root, REPO);
      assert.equal(side.rounds.length, 3);
      assert.ok(side.rounds.every((r) => r > 0));
      assert.ok(side.messagesPerSecond > 0);
      assert.ok(side.cpuMsPerRequest > 0, 'the server CPU of the stores is read');
    }
    assert.ok(Number.isFinite(result.medianRatio) && result.medianRatio > 0);
    assert.ok(result.wins >= 0 && result.wins <= 3);
    assert.equal(lines.filter((l) => l.startsWith('round ')).length, 3);
    assert.match(formatInterleaved(result), /B\/A per round: median \d+\.\d{3}, B faster in \d of 3 rounds/);
  });
});
