/**
 * Reused buffers for response bodies of a few hundred kilobytes and up (GetItem with MIME
 * content, ExportItems, attachments).
 *
 * Each such body used to be a fresh Buffer. Its memory lives outside the V8 heap, and V8 answers
 * fast-growing external memory with garbage collections, full ones included: fetching MIME
 * content, ten messages per request, set off a mark-compact about every 90 requests on a 12 MB heap,
 * and GC took a fifth of the server's time. A body buffer is taken from here and given back once
 * the response has been handed to the kernel ('finish'); a response that never finishes (the
 * client went away) just leaves its buffer to the garbage collector.
 */

/** Bodies smaller than this are allocated as before: Node's own pool serves them cheaply. */
const MIN_POOLED_BYTES = 64 * 1024;
/** Bodies larger than this are never kept: a rare 30 MB export must not stay resident. */
const MAX_POOLED_BYTES = 8 * 1024 * 1024;
/** What the kept buffers may add up to: room for every response of a few clients in flight. */
const MAX_KEPT_BYTES = 16 * 1024 * 1024;

export class ResponseBuffers {
  readonly #free: Buffer[] = [];
  #keptBytes = 0;

  /**
   * A buffer of exactly `size` bytes (a view of a kept buffer when one is large enough) and, when
   * it is one of ours, the function that gives it back; call that only when nothing will read
   * the buffer any more.
   */
  take(size: number): { buffer: Buffer; release?: () => void } {
    if (size < MIN_POOLED_BYTES || size > MAX_POOLED_BYTES) return { buffer: Buffer.allocUnsafe(size) };
    const at = this.#free.findIndex((b) => b.length >= size);
    // Grown in steps of 256 KB so that sizes close to each other share buffers.
    let whole: Buffer;
    if (at === -1) {
      whole = Buffer.allocUnsafeSlow(Math.min(MAX_POOLED_BYTES, Math.ceil(size / 262_144) * 262_144));
    } else {
      whole = this.#free.splice(at, 1)[0]!;
      this.#keptBytes -= whole.length;
    }
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      if (this.#keptBytes + whole.length > MAX_KEPT_BYTES) return;
      this.#free.push(whole);
      this.#keptBytes += whole.length;
    };
    return { buffer: whole.subarray(0, size), release };
  }
}
