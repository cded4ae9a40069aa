/**
 * Stores a batch's items while the last of their MIME parses are still running.
 *
 * CreateItem's parses start while the request is being read (early-mime.ts), but the MIME thread
 * falls behind the reader: timed in the server, a batch of 100 waited another 10-60 ms for its
 * last parses once the operation ran, and only then spent ~20 ms writing. Here the items already
 * parsed are written while the rest parse: each write takes the run of settled parses that
 * follows the last one written, in request order, and at least `minRun` of them (or all that
 * are left; by default a quarter or half of the batch, see runFor), so a batch costs a few
 * commits rather than one per item.
 *
 * Each write is its own store call, so its own transaction: every item is whole, and the batch
 * is acknowledged only when the last write has committed. A failed parse (an EwsError) is not
 * written; its place in the answer keeps the error. `parses` must never reject.
 */
export async function storeAsParsed<P, E extends P, R>(
  parses: ReadonlyArray<Promise<P>>,
  isFailure: (parsed: P) => parsed is E,
  write: (items: Array<Exclude<P, E>>) => Promise<R[]>,
  minRun?: number,
): Promise<Array<R | E>> {
  batchesStoring++;
  try {
    return await storeRuns(parses, isFailure, write, minRun);
  } finally {
    batchesStoring--;
  }
}

/** Batches in storeAsParsed in this process right now. */
let batchesStoring = 0;

/**
 * The smallest run for the next write, decided as each run begins: a quarter of the batch when
 * this is the only batch being stored, as its writes then overlap its own parses. Half when
 * others are being stored too: the cores are busy anyway, and each commit costs an fsync that
 * blocks the event loop for every request and rewrites the same index pages. Measured in session
 * 13 (docs/BENCHMARKS.md).
 */
function runFor(n: number): number {
  return Math.ceil(n / (batchesStoring > 1 ? 2 : 4));
}

async function storeRuns<P, E extends P, R>(
  parses: ReadonlyArray<Promise<P>>,
  isFailure: (parsed: P) => parsed is E,
  write: (items: Array<Exclude<P, E>>) => Promise<R[]>,
  minRun: number | undefined,
): Promise<Array<R | E>> {
  const n = parses.length;
  const settled: Array<{ value: P } | undefined> = new Array(n);
  parses.forEach((p, i) => void p.then((value) => (settled[i] = { value })));
  const results: Array<R | E> = new Array(n);
  let from = 0;
  while (from < n) {
    await Promise.all(parses.slice(from, Math.min(n, from + Math.max(1, minRun ?? runFor(n)))));
    let to = from;
    while (to < n && settled[to]) to++;
    const run = settled.slice(from, to).map((s) => s!.value);
    const good = run.filter((v): v is Exclude<P, E> => !isFailure(v));
    const written = good.length ? await write(good) : [];
    let next = 0;
    run.forEach((v, k) => (results[from + k] = isFailure(v) ? v : written[next++]!));
    from = to;
  }
  return results;
}
