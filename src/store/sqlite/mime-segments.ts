import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { promisify } from 'node:util';
import { closeSync, fdatasync, fsyncSync, mkdirSync, openSync, readlinkSync, readSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Database, Statement } from 'better-sqlite3';
import type { NewItem } from '../../domain/item.js';

/** Where an item's MIME lies: `length` bytes at `offset` of segment `segmentId`. */
export interface MimeLocation {
  segmentId: number;
  offset: number;
  length: number;
}

/** The item_mime columns that hold or locate an item's MIME: `bytes` before schema step 21, a location since. */
export interface MimeRow {
  bytes: Buffer;
  segment_id: number | null;
  byte_offset: number | null;
  byte_length: number | null;
}

export function mimeLocation(row: MimeRow): MimeLocation | undefined {
  return row.segment_id === null ? undefined : { segmentId: row.segment_id, offset: row.byte_offset!, length: row.byte_length! };
}

export interface MimeSegmentOptions {
  /** A writer starts a new segment once its current one holds this many bytes. */
  segmentBytes?: number;
  /** How long the file of a segment emptied by reclaim() stays, for readers in other processes that looked a location up just before. */
  unlinkGraceMs?: number;
  /** A writer's segment whose file has not changed for this long is sealed whatever its pid says (see #sealAbandoned). */
  staleWriterMs?: number;
}

const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;
const DEFAULT_UNLINK_GRACE_MS = 10 * 60_000;
const DEFAULT_STALE_WRITER_MS = 24 * 60 * 60_000;
/** How much one reclaim() step moves out of a mostly dead segment: a pause of a few ms, not one of seconds. */
const MOVE_BYTES_PER_STEP = 4 * 1024 * 1024;
/** Read descriptors kept open (the least recently used is closed first): far below any file-descriptor limit. */
const OPEN_READERS = 32;

/** Segment ids skipped at most, in a row, because a file of that name exists (see #newSegmentFile). */
const MAX_SKIPPED_IDS = 10_000;

const fdatasyncAsync = promisify(fdatasync);

/**
 * Where this process's pid means something: the host and the pid namespace. A writer tagged with
 * another scope (a container sharing the data directory, another host on shared storage) cannot
 * be checked by its pid, so its death is not judged by it (see #sealAbandoned).
 */
const PID_SCOPE = createHash('sha256').update(`${hostname()}\0${pidNamespace()}`).digest('hex').slice(0, 12);

/** The writers of this process that are open, by tag: a segment tagged with one of them is still being appended to. */
const liveWriters = new Set<string>();

/**
 * Item MIME kept in append-only segment files beside the database (`<db>-mime/<id>.seg`),
 * referred to by item_mime rows (segment, offset, length).
 *
 * Why: written into SQLite, every 4 KB page of a blob cost two system calls and a checksum in the
 * log and was copied again by the checkpoint. Here an item's MIME is one positional write, synced
 * (fdatasync, on libuv's pool: place()) before the transaction that writes the rows referring to
 * it begins, so a row never points at bytes that are not on disk. Bytes whose rows were never
 * committed (a refused entry, a rolled-back transaction) stay behind unreferenced and go when
 * their segment is compacted.
 *
 * Each store instance appends to a segment of its own (one row of mime_segments, tagged with its
 * pid, a random token and where that pid is valid), so processes sharing the data directory never
 * append to the same file. A segment is sealed when its writer moves on to a new one, closes, or
 * is found dead (its pid gone, on this host and in this pid namespace); only sealed
 * segments are compacted. The triggers of schema step 21 keep each segment's live count and bytes.
 */
export class MimeSegments {
  readonly #dir: string;
  readonly #segmentBytes: number;
  readonly #graceMs: number;
  readonly #staleMs: number;
  readonly #tag = `${process.pid}:${randomBytes(6).toString('hex')}:${PID_SCOPE}`;
  #current: { id: number; fd: number; size: number } | undefined;
  /** place() calls waiting for their sync: the segment they wrote to must not be sealed (and so compacted) before their rows commit. */
  #placing = 0;
  readonly #readers = new Map<number, number>();
  /** The segment directory exists and its entry in the data directory is synced. */
  #dirReady = false;

  constructor(
    private readonly db: Database,
    private readonly sql: (text: string) => Statement,
    dbFile: string,
    options: MimeSegmentOptions = {},
  ) {
    this.#dir = segmentDirectory(dbFile);
    this.#segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    this.#graceMs = options.unlinkGraceMs ?? DEFAULT_UNLINK_GRACE_MS;
    this.#staleMs = options.staleWriterMs ?? DEFAULT_STALE_WRITER_MS;
    liveWriters.add(this.#tag);
  }

  /**
   * Appends MIME for rows that a later commit will write, and syncs it on a thread of libuv's pool,
   * so the event loop goes on meanwhile; the caller commits the rows once this resolves. Outside a
   * transaction only (inside one it places nothing, and the caller keeps the MIME in its rows).
   */
  async place(mimes: readonly Buffer[]): Promise<MimeLocation[]> {
    if (this.db.inTransaction || mimes.length === 0) return [];
    this.#openSegment();
    const segment = this.#current!;
    const placed = mimes.map((mime) => this.#appendTo(segment, mime));
    this.#placing++;
    try {
      await fdatasyncAsync(segment.fd);
    } finally {
      this.#placing--;
    }
    return placed;
  }

  /** place() for the MIME of items about to be stored: where each item's went, by the item. */
  async placeItems(items: readonly NewItem[]): Promise<Map<NewItem, MimeLocation>> {
    const withMime = items.filter((item): item is NewItem & { mime: Buffer } => item.mime !== undefined);
    const placed = await this.place(withMime.map((item) => item.mime));
    return new Map(placed.map((at, i) => [withMime[i]!, at]));
  }

  #appendTo(segment: { id: number; fd: number; size: number }, bytes: Buffer): MimeLocation {
    const offset = segment.size;
    for (let done = 0; done < bytes.length; ) done += writeSync(segment.fd, bytes, done, bytes.length - done, offset + done);
    segment.size += bytes.length;
    return { segmentId: segment.id, offset, length: bytes.length };
  }

  /** The bytes at `location`; `start`/`end` cut a range of them without reading the rest. */
  read(location: MimeLocation, start = 0, end = location.length): Buffer {
    const length = Math.max(0, Math.min(end, location.length) - start);
    const out = Buffer.allocUnsafe(length);
    const fd = this.#reader(location.segmentId);
    for (let done = 0; done < length; ) {
      const n = readSync(fd, out, done, length - done, location.offset + start + done);
      if (n === 0) throw new Error(`MIME segment ${location.segmentId} ends before ${location.offset + start + length}`);
      done += n;
    }
    return out;
  }

  /** The MIME a row of item_mime holds or locates. */
  bytesOf(row: MimeRow): Buffer {
    const at = mimeLocation(row);
    return at ? this.read(at) : row.bytes;
  }

  /**
   * One bounded step of giving space back; true when it did something and more may follow soon.
   * In order: seals the segments of writers that are gone, removes the files of segments emptied
   * a grace period ago, marks empty sealed segments for removal, and moves up to 4 MB of the
   * items still in the emptiest sealed segment that is less than half live into this writer's own.
   */
  async reclaim(now = Date.now()): Promise<boolean> {
    this.#sealAbandoned(now);
    let worked = this.#unlinkDropped(now);
    worked = this.sql('UPDATE mime_segments SET dropped_at = ? WHERE sealed_size IS NOT NULL AND dropped_at IS NULL AND live_count <= 0').run(now).changes > 0 || worked;
    const victim = this.sql(
      `SELECT id FROM mime_segments WHERE sealed_size IS NOT NULL AND dropped_at IS NULL AND live_count > 0 AND live_bytes * 2 < sealed_size
       ORDER BY live_bytes LIMIT 1`,
    ).get() as { id: number } | undefined;
    return (victim !== undefined && (await this.#moveSome(victim.id))) || worked;
  }

  /** Seals this writer's segment (others may compact it from now on) and closes every file. */
  close(): void {
    if (this.#current && this.db.open) this.#seal(this.#current.id, this.#current.size);
    if (this.#current) closeSync(this.#current.fd);
    this.#current = undefined;
    for (const fd of this.#readers.values()) closeSync(fd);
    this.#readers.clear();
    liveWriters.delete(this.#tag);
  }

  #openSegment(): void {
    // Another process sealed it, taking this writer for gone (see #sealAbandoned): it is no longer
    // ours to append to, so move on. Not while syncs are pending on its descriptor: a few more
    // appends to a sealed segment are harmless (its file goes only once no row refers to it).
    if (this.#current && this.#placing === 0 && !this.#stillMine(this.#current.id)) {
      closeSync(this.#current.fd);
      this.#current = undefined;
    }
    if (this.#current && (this.#current.size < this.#segmentBytes || this.#placing > 0)) return;
    if (this.#current) {
      this.#seal(this.#current.id, this.#current.size);
      closeSync(this.#current.fd);
      this.#current = undefined;
    }
    if (!this.#dirReady) {
      mkdirSync(this.#dir, { recursive: true });
      syncPath(join(this.#dir, '..'));
    }
    const { id, fd } = this.#newSegmentFile();
    syncPath(this.#dir);
    this.#dirReady = true;
    this.#current = { id, fd, size: 0 };
  }

  /**
   * A new segment: its row first (a crash before the file exists leaves a row with no file, which
   * reclaim() drops), then its file, which must not exist yet. One may: a database restored from
   * an older backup than its segment directory hands out ids again that the newer files already
   * use. Such a file is left alone (it is no segment of this database, and may be all that is left
   * of items written after the backup) and the next id taken: AUTOINCREMENT never repeats one.
   */
  #newSegmentFile(): { id: number; fd: number } {
    for (let skipped = 0; ; skipped++) {
      const { id } = this.sql('INSERT INTO mime_segments (writer) VALUES (?) RETURNING id').get(this.#tag) as { id: number };
      try {
        return { id, fd: openSync(this.#path(id), 'wx') };
      } catch (err) {
        this.sql('DELETE FROM mime_segments WHERE id = ?').run(id);
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || skipped >= MAX_SKIPPED_IDS) throw err;
      }
    }
  }

  #seal(id: number, size: number): void {
    this.sql('UPDATE mime_segments SET writer = NULL, sealed_size = ? WHERE id = ?').run(size, id);
  }

  #stillMine(id: number): boolean {
    const row = this.sql('SELECT writer FROM mime_segments WHERE id = ?').get(id) as { writer: string | null } | undefined;
    return row?.writer === this.#tag;
  }

  /**
   * Seals the segments whose writer is gone without sealing them: a closed instance of this
   * process, or a process of this host and pid namespace that died. A writer elsewhere cannot be
   * checked by its pid (nor can a pid that was reused), so any segment whose file has not changed
   * for a day is sealed too. Sealing a writer that is in fact alive costs nothing: it sees the
   * seal before its next append and starts a new segment (#openSegment).
   */
  #sealAbandoned(now: number): void {
    const open = this.sql('SELECT id, writer FROM mime_segments WHERE writer IS NOT NULL').all() as Array<{ id: number; writer: string }>;
    for (const s of open) {
      if (s.id === this.#current?.id) continue;
      const [pidText, , scope] = s.writer.split(':');
      const pid = Number(pidText);
      // Tags from before scopes (pid:token) were all written on one host.
      const here = scope === undefined || scope === PID_SCOPE;
      // One of this writer's own that is not its current one: its file is made right after its row, so this is a leftover.
      const dead = here && (s.writer === this.#tag || (pid === process.pid ? !liveWriters.has(s.writer) : !processAlive(pid)));
      const file = fileStat(this.#path(s.id));
      if (dead || file.modifiedMs <= now - this.#staleMs) this.#seal(s.id, file.size);
    }
  }

  #unlinkDropped(now: number): boolean {
    const due = this.sql('SELECT id, live_count FROM mime_segments WHERE dropped_at IS NOT NULL AND dropped_at <= ?').all(now - this.#graceMs) as Array<{ id: number; live_count: number }>;
    for (const { id, live_count } of due) {
      if (live_count > 0) {
        // Referred to again since it was found empty (no path does this today): it stays.
        this.sql('UPDATE mime_segments SET dropped_at = NULL WHERE id = ?').run(id);
        continue;
      }
      const fd = this.#readers.get(id);
      if (fd !== undefined) closeSync(fd);
      this.#readers.delete(id);
      try {
        unlinkSync(this.#path(id));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      this.sql('DELETE FROM mime_segments WHERE id = ?').run(id);
    }
    return due.length > 0;
  }

  /**
   * Copies the first 4 MB of a segment's live items into this writer's segment, synced off the
   * event loop as place() does, then points their rows there in one commit. A row deleted
   * meanwhile is simply not there to point.
   */
  async #moveSome(from: number): Promise<boolean> {
    const rows = this.sql('SELECT byte_offset AS offset, byte_length AS length FROM item_mime WHERE segment_id = ? GROUP BY byte_offset ORDER BY byte_offset').iterate(from) as IterableIterator<{ offset: number; length: number }>;
    const moving: Array<{ offset: number; bytes: Buffer }> = [];
    let total = 0;
    for (const r of rows) {
      moving.push({ offset: r.offset, bytes: this.read({ segmentId: from, offset: r.offset, length: r.length }) });
      total += r.length;
      if (total >= MOVE_BYTES_PER_STEP) break;
    }
    if (moving.length === 0) return false;
    const placed = await this.place(moving.map((m) => m.bytes));
    const repoint = this.sql('UPDATE item_mime SET segment_id = ?, byte_offset = ? WHERE segment_id = ? AND byte_offset = ?');
    const run = this.db.transaction(() => moving.forEach((m, i) => repoint.run(placed[i]!.segmentId, placed[i]!.offset, from, m.offset)));
    run.immediate();
    return true;
  }

  #reader(segmentId: number): number {
    let fd = this.#readers.get(segmentId);
    if (fd !== undefined) {
      this.#readers.delete(segmentId);
    } else {
      fd = openSync(this.#path(segmentId), 'r');
      if (this.#readers.size >= OPEN_READERS) {
        const [oldest, oldFd] = this.#readers.entries().next().value as [number, number];
        this.#readers.delete(oldest);
        closeSync(oldFd);
      }
    }
    this.#readers.set(segmentId, fd);
    return fd;
  }

  #path(id: number): string {
    return segmentPath(this.#dir, id);
  }
}

/** The directory of a database's segment files. */
export function segmentDirectory(dbFile: string): string {
  return `${dbFile}-mime`;
}

export function segmentPath(dir: string, id: number): string {
  return join(dir, `${id}.seg`);
}

/** fsyncs a file or a directory by its path (a new file's directory entry is durable only once its directory is synced). */
export function syncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** A file's size and last change; a missing file (a row whose file was never made) is empty and old. */
function fileStat(path: string): { size: number; modifiedMs: number } {
  try {
    const st = statSync(path);
    return { size: st.size, modifiedMs: st.mtimeMs };
  } catch {
    return { size: 0, modifiedMs: 0 };
  }
}

/** The pid namespace's identity on Linux (`pid:[4026531836]`); elsewhere none, the host alone scopes pids. */
function pidNamespace(): string {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return '';
  }
}

function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
