import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { storeAsParsed } from '../src/ews/items/store-as-parsed.js';

class Failed {
  constructor(readonly why: string) {}
}
const isFailed = (p: string | Failed): p is Failed => p instanceof Failed;

/** A parse that the test settles by hand. */
function deferred(): { promise: Promise<string | Failed>; settle: (v: string | Failed) => void } {
  let settle!: (v: string | Failed) => void;
  const promise = new Promise<string | Failed>((resolve) => (settle = resolve));
  return { promise, settle };
}

/** Lets every settled parse, and the writes they allow, run. */
const drain = () => new Promise((resolve) => setImmediate(resolve));

/** A store that records each write and answers each item with `stored:<item>`. */
function recordingStore() {
  const writes: string[][] = [];
  return { writes, write: async (items: string[]) => (writes.push(items), items.map((i) => `stored:${i}`)) };
}

describe('storeAsParsed: CreateItem writes items as their parses come back', () => {
  it('answers every item in request order; failures keep their place and are never written', async () => {
    const parses = ['a', new Failed('bad b'), 'c', 'd', new Failed('bad e'), 'f'].map((v) => Promise.resolve(v));
    const store = recordingStore();
    const results = await storeAsParsed(parses, isFailed, store.write);
    assert.deepEqual(results, ['stored:a', new Failed('bad b'), 'stored:c', 'stored:d', new Failed('bad e'), 'stored:f']);
    assert.deepEqual(store.writes.flat(), ['a', 'c', 'd', 'f']);
  });

  it('writes the parsed items while later parses are still running, in order, in runs of at least minRun', async () => {
    const parses = Array.from({ length: 8 }, deferred);
    const store = recordingStore();
    const done = storeAsParsed(
      parses.map((p) => p.promise),
      isFailed,
      store.write,
      3,
    );
    // Two parsed: fewer than minRun, so nothing is written yet.
    parses[0]!.settle('i0');
    parses[1]!.settle('i1');
    await drain();
    assert.deepEqual(store.writes, []);
    // A third, and two more: the run written takes every parsed item up to the first parse still
    // running (i4), past minRun, and not i5 beyond it.
    parses[2]!.settle('i2');
    parses[3]!.settle('i3');
    parses[5]!.settle('i5');
    await drain();
    assert.deepEqual(store.writes, [['i0', 'i1', 'i2', 'i3']]);
    // i4 and i5 ready, i6 still running: fewer than minRun, so they wait.
    parses[4]!.settle('i4');
    await drain();
    assert.equal(store.writes.length, 1);
    parses[6]!.settle(new Failed('bad i6'));
    parses[7]!.settle('i7');
    const results = await done;
    assert.deepEqual(store.writes, [['i0', 'i1', 'i2', 'i3'], ['i4', 'i5', 'i7']]);
    assert.deepEqual(results, ['stored:i0', 'stored:i1', 'stored:i2', 'stored:i3', 'stored:i4', 'stored:i5', new Failed('bad i6'), 'stored:i7']);
  });

  it('answers only once the last write is done', async () => {
    const second = deferred();
    let finishSecond!: () => void;
    let calls = 0;
    const done = storeAsParsed([Promise.resolve('a'), second.promise], isFailed, async (items: string[]) => {
      if (++calls === 2) await new Promise<void>((resolve) => (finishSecond = resolve));
      return items;
    }, 1);
    let answered = false;
    void done.then(() => (answered = true));
    await drain();
    assert.equal(calls, 1, 'the first item is written before the second is parsed');
    second.settle('b');
    await drain();
    assert.equal(calls, 2);
    assert.equal(answered, false);
    finishSecond();
    assert.deepEqual(await done, ['a', 'b']);
  });

  it('a batch of failures writes nothing', async () => {
    const store = recordingStore();
    const results = await storeAsParsed([Promise.resolve(new Failed('x'))], isFailed, store.write);
    assert.deepEqual(results, [new Failed('x')]);
    assert.deepEqual(store.writes, []);
  });

  it('a failing write fails the request (the store error is not an item error)', async () => {
    await assert.rejects(
      storeAsParsed([Promise.resolve('a')], isFailed, async () => {
        throw new Error('disk full');
      }),
      /disk full/,
    );
  });

  it('writes runs of a quarter of the batch when it is the only one being stored, of half while others are', async () => {
    const alone = Array.from({ length: 8 }, deferred);
    const aloneStore = recordingStore();
    const aloneDone = storeAsParsed(alone.map((p) => p.promise), isFailed, aloneStore.write);
    alone.slice(0, 2).forEach((p, i) => p.settle(`a${i}`));
    await drain();
    assert.deepEqual(aloneStore.writes, [['a0', 'a1']], 'a quarter (2 of 8) is written at once');
    alone.slice(2).forEach((p, i) => p.settle(`a${i + 2}`));
    await aloneDone;

    // A batch that starts while another is being stored waits for half of itself before its first write.
    const [one, two] = [Array.from({ length: 8 }, deferred), Array.from({ length: 8 }, deferred)];
    const [oneStore, twoStore] = [recordingStore(), recordingStore()];
    const twoDone = storeAsParsed(two.map((p) => p.promise), isFailed, twoStore.write);
    const oneDone = storeAsParsed(one.map((p) => p.promise), isFailed, oneStore.write);
    one.slice(0, 2).forEach((p, i) => p.settle(`x${i}`));
    await drain();
    assert.deepEqual(oneStore.writes, [], 'a quarter is not enough while another batch is stored');
    one.slice(2, 4).forEach((p, i) => p.settle(`x${i + 2}`));
    await drain();
    assert.deepEqual(oneStore.writes, [['x0', 'x1', 'x2', 'x3']]);
    [...one.slice(4), ...two].forEach((p, i) => p.settle(`y${i}`));
    await Promise.all([oneDone, twoDone]);
  });
});
