/** Deterministic pseudo-random bytes (an LCG), so attachment fixtures are the same on every run. */
export function pseudoRandomBytes(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

/** Base64 in MIME's 76-character lines. */
export function base64Lines(buf: Buffer, eol = '\r\n'): string {
  return (buf.toString('base64').match(/.{1,76}/g) ?? []).join(eol);
}
