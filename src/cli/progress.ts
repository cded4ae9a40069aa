/**
 * A one-line progress bar on stderr, drawn only when stderr is a terminal (pipes and logs get
 * just the summary). Redrawn at most ten times a second.
 */
export class Progress {
  readonly #tty: boolean;
  readonly #started = Date.now();
  #lastDraw = 0;
  #drawn = false;

  constructor(
    private readonly label: string,
    /** Total work, in the unit of `done` (bytes or items; 0 when unknown). */
    private readonly total: number,
    stream: NodeJS.WriteStream = process.stderr,
    /** What `items` counts, in the plural. */
    private readonly unit = 'items',
  ) {
    this.#tty = stream.isTTY === true;
  }

  update(done: number, items: number, bytes: number): void {
    if (!this.#tty) return;
    const now = Date.now();
    if (now - this.#lastDraw < 100) return;
    this.#lastDraw = now;
    const width = 30;
    const ratio = this.total > 0 ? Math.min(done / this.total, 1) : 0;
    const filled = Math.round(ratio * width);
    const bar = `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`;
    const rate = formatRate(bytes, now - this.#started);
    process.stderr.write(`\r${this.label} [${bar}] ${Math.floor(ratio * 100)}% ${items} ${this.unit} ${formatBytes(bytes)} ${rate}\x1b[K`);
    this.#drawn = true;
  }

  /** Clears the bar so the summary starts on a clean line. */
  done(): void {
    if (this.#drawn) process.stderr.write('\r\x1b[K');
  }

  elapsedMs(): number {
    return Date.now() - this.#started;
  }
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

export function formatRate(bytes: number, ms: number): string {
  return `${formatBytes(Math.round(bytes / Math.max(ms / 1000, 0.001)))}/s`;
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
