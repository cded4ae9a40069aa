/**
 * `buffer` if it holds `size` bytes, else a new buffer at least twice as large (the content is not
 * copied). The bench's clients keep one buffer per use (a request being written, an answer being
 * read, decoded MIME) and grow it this way: a fresh buffer of 0.5-5 MB per request had V8 run
 * full collections for the external memory alone.
 */
export function withRoom(buffer: Buffer<ArrayBuffer>, size: number): Buffer<ArrayBuffer> {
  return size <= buffer.length ? buffer : Buffer.allocUnsafeSlow(Math.max(size, 2 * buffer.length));
}
