import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { segmentDirectory, segmentPath, syncPath } from './mime-segments.js';
import { databaseFile } from './sqlite-store.js';

const COPY_CHUNK = 1024 * 1024;

export interface BackupSummary {
  databaseBytes: number;
  segments: number;
  /** Segment bytes copied: those the snapshot refers to (the tail of a segment written since is not). */
  segmentBytes: number;
  ms: number;
}

export interface BackupHooks {
  /** Runs once the database is copied and before the segment files are (tests use it to move the ground meanwhile). */
  afterSnapshot?: () => void | Promise<void>;
  /** Told after every megabyte of segment bytes copied: how many so far, out of how many, and in how many segments. */
  onProgress?: (copied: number, total: number, segments: number) => void;
}

/**
 * Copies the data directory `source` (a running server's, too) to `dest`: the database as one
 * consistent snapshot and, of the segment files, the bytes that snapshot refers to.
 *
 * The snapshot is `VACUUM INTO`, a single read transaction: a server writing meanwhile is neither
 * blocked nor seen halfway (its log only grows meanwhile: checkpoints cannot pass a reader). It
 * holds the database without the MIME, so it is quick next to the segments. Segment files are
 * append-only and a byte a row refers to is never rewritten, so they are copied after it, each up
 * to the end of the last item the snapshot places in it. Reclaiming space may remove a segment
 * the snapshot still uses, but only a grace period (10 minutes) after it was emptied: every
 * segment file is opened before the snapshot, and an open file stays readable once removed. The
 * copy is built beside `dest` and renamed into place once synced, so `dest` never holds half a
 * backup; `dest` is opened by `ewsd serve --data` as it is (its segments are sealed, none has a
 * writer).
 */
export async function backupDataDirectory(source: string, dest: string, hooks: BackupHooks = {}): Promise<BackupSummary> {
  const started = performance.now();
  const sourceDb = databaseFile(source);
  const from = segmentDirectory(sourceDb);
  if (!existsSync(sourceDb)) throw new Error(`no ewsd store in ${source}`);
  if (existsSync(dest) && (!statSync(dest).isDirectory() || readdirSync(dest).length > 0)) throw new Error(`${dest} exists and is not an empty directory`);

  const work = join(dirname(dest), `.${basename(dest)}.partial-${randomBytes(4).toString('hex')}`);
  const readers = new Map<number, number>();
  let db: Database | undefined;
  try {
    mkdirSync(work, { recursive: true });
    db = new BetterSqlite3(sourceDb, { fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    openSegments(from, readers);
    const copyDb = databaseFile(work);
    db.prepare('VACUUM INTO ?').run(copyDb);
    db.close();
    db = undefined;

    const segments = sealSegments(copyDb);
    const used = new Set(segments.map((s) => s.id));
    for (const [id, fd] of readers) {
      if (used.has(id)) continue;
      closeSync(fd);
      readers.delete(id);
    }
    await hooks.afterSnapshot?.();
    let segmentBytes = 0;
    if (segments.length > 0) {
      const to = segmentDirectory(copyDb);
      mkdirSync(to);
      const total = segments.reduce((n, s) => n + s.end, 0);
      for (const [i, { id, end }] of segments.entries()) {
        const before = segmentBytes;
        segmentBytes += copyPrefix(readers.get(id) ?? openSegment(from, id), segmentPath(to, id), end, id, (n) => hooks.onProgress?.(before + n, total, i + 1));
      }
      syncPath(to);
    }
    syncPath(copyDb);
    syncPath(work);
    if (existsSync(dest)) rmSync(dest, { recursive: true });
    renameSync(work, dest);
    syncPath(dirname(dest));
    return { databaseBytes: statSync(databaseFile(dest)).size, segments: segments.length, segmentBytes, ms: performance.now() - started };
  } catch (err) {
    rmSync(work, { recursive: true, force: true });
    throw err;
  } finally {
    db?.close();
    for (const fd of readers.values()) closeSync(fd);
  }
}

/** Opens every segment file there is, by id (see backupDataDirectory: an open file outlives its removal). */
function openSegments(dir: string, into: Map<number, number>): void {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    const m = /^(\d+)\.seg$/.exec(name);
    if (!m) continue;
    try {
      into.set(Number(m[1]), openSync(join(dir, name), 'r'));
    } catch (err) {
      // Removed between the listing and the open: reclaimed, so no snapshot to come refers to it.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}

function openSegment(dir: string, id: number): number {
  try {
    return openSync(segmentPath(dir, id), 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`segment file ${id} of the snapshot is missing from ${dir}`);
    throw err;
  }
}

/**
 * In the copy: the segments its items refer to, with the end of the last one in each, marked
 * sealed at that size (the copy of the file stops there, and no writer of the copy appends to
 * it); segments none of its items refer to are forgotten, since their files are not copied.
 * Left in rollback-journal mode, so the copy is one file until a server opens it.
 */
function sealSegments(copyDb: string): Array<{ id: number; end: number }> {
  const db = new BetterSqlite3(copyDb, { fileMustExist: true });
  try {
    db.pragma('journal_mode = DELETE');
    const hasSegments = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'mime_segments'").get() !== undefined;
    if (!hasSegments) return [];
    const segments = db
      .prepare('SELECT segment_id AS id, MAX(byte_offset + byte_length) AS end FROM item_mime WHERE segment_id IS NOT NULL GROUP BY segment_id ORDER BY segment_id')
      .all() as Array<{ id: number; end: number }>;
    db.transaction(() => {
      db.prepare('DELETE FROM mime_segments WHERE id NOT IN (SELECT segment_id FROM item_mime WHERE segment_id IS NOT NULL)').run();
      const seal = db.prepare('UPDATE mime_segments SET writer = NULL, sealed_size = ?, dropped_at = NULL WHERE id = ?');
      for (const s of segments) seal.run(s.end, s.id);
    })();
    return segments;
  } finally {
    db.close();
  }
}

/** Copies the first `length` bytes of the open file `fd` to a new file `to`, synced; returns `length`. */
function copyPrefix(fd: number, to: string, length: number, id: number, copied: (bytes: number) => void): number {
  const out = openSync(to, 'wx');
  try {
    const buffer = Buffer.allocUnsafe(Math.min(COPY_CHUNK, Math.max(1, length)));
    for (let at = 0; at < length; ) {
      const n = readSync(fd, buffer, 0, Math.min(buffer.length, length - at), at);
      if (n === 0) throw new Error(`segment file ${id} ends at ${at} bytes, before the ${length} its items need`);
      for (let done = 0; done < n; ) done += writeSync(out, buffer, done, n - done, at + done);
      at += n;
      copied(at);
    }
    fsyncSync(out);
  } finally {
    closeSync(out);
  }
  return length;
}
