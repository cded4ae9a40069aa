import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** One message of an mbox file or .eml directory: its raw bytes and where it came from. */
export interface SourceMessage {
  raw: Buffer;
  /** Bytes consumed from the source so far (for progress). */
  position: number;
  /** Human-readable origin for error messages: `file:offset` or the .eml path. */
  origin: string;
  /** The date on an mbox "From " line (when the message reached the mailbox it came from). */
  receivedAt?: Date;
}

const CHUNK = 4 * 1024 * 1024;
const SEPARATOR = Buffer.from('\nFrom ', 'latin1');

/**
 * Messages of an mbox file (mboxo / mboxrd), streamed: a message starts at a line beginning with
 * "From " (the From_ line, dropped); ">From " lines are unescaped by one ">". Memory stays at
 * about one message plus one read chunk.
 */
export function* readMbox(path: string): Generator<SourceMessage> {
  const fd = openSync(path, 'r');
  try {
    let pending = Buffer.alloc(0);
    let pendingStart = 0; // file offset of pending[0]
    let eof = false;
    let fileOffset = 0;
    const fill = (): void => {
      const chunk = Buffer.allocUnsafe(CHUNK);
      const n = readSync(fd, chunk, 0, CHUNK, fileOffset);
      if (n === 0) eof = true;
      fileOffset += n;
      pending = pending.length ? Buffer.concat([pending, chunk.subarray(0, n)]) : chunk.subarray(0, n);
    };
    fill();
    if (pending.length && !pending.subarray(0, 5).equals(Buffer.from('From '))) {
      throw new Error(`${path} is not an mbox file (it does not start with a "From " line)`);
    }
    for (;;) {
      // Find the next separator after the current From_ line.
      let next = pending.indexOf(SEPARATOR, 1);
      while (next < 0 && !eof) {
        fill();
        next = pending.indexOf(SEPARATOR, 1);
      }
      if (pending.length === 0) return;
      const end = next < 0 ? pending.length : next + 1;
      const message = pending.subarray(0, end);
      const lineEnd = message.indexOf(0x0a);
      const fromLine = message.subarray(0, lineEnd < 0 ? message.length : lineEnd).toString('latin1');
      let body = lineEnd < 0 ? Buffer.alloc(0) : message.subarray(lineEnd + 1);
      // The blank line before the next From_ line belongs to the mbox, not to the message.
      if (next >= 0 && body.length && body[body.length - 1] === 0x0a) body = body.subarray(0, body.length - (body[body.length - 2] === 0x0d ? 2 : 1));
      const out: SourceMessage = { raw: unescapeFrom(body), position: pendingStart + end, origin: `${path}:${pendingStart}` };
      const date = fromLineDate(fromLine);
      if (date) out.receivedAt = date;
      yield out;
      pendingStart += end;
      pending = Buffer.from(pending.subarray(end));
      if (next < 0) return;
    }
  } finally {
    closeSync(fd);
  }
}

function unescapeFrom(b: Buffer): Buffer {
  if (!b.includes('>From ', 0, 'latin1')) return b;
  return Buffer.from(b.toString('latin1').replace(/^>(>*From )/gm, '$1'), 'latin1');
}

/** "From sender@example.com Tue Feb  3 10:11:12 2026" -> the date (local time, as mbox writers use). */
function fromLineDate(line: string): Date | undefined {
  const m = /^From \S+\s+(.+)$/.exec(line.trim());
  if (!m) return undefined;
  const d = new Date(m[1]!.replace(/\s+/g, ' '));
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** The .eml files of a directory (not recursive), in name order so reruns see the same sequence. */
export function* readEmlDirectory(dir: string): Generator<SourceMessage> {
  const files = readdirSync(dir).filter((f) => f.toLowerCase().endsWith('.eml')).sort();
  let position = 0;
  for (const f of files) {
    const path = join(dir, f);
    const fd = openSync(path, 'r');
    try {
      const size = statSync(path).size;
      const raw = Buffer.allocUnsafe(size);
      let got = 0;
      while (got < size) {
        const n = readSync(fd, raw, got, size - got, got);
        if (n === 0) break;
        got += n;
      }
      position += got;
      yield { raw: raw.subarray(0, got), position, origin: path };
    } finally {
      closeSync(fd);
    }
  }
}

export function emlDirectorySize(dir: string): number {
  return readdirSync(dir).filter((f) => f.toLowerCase().endsWith('.eml')).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
}
