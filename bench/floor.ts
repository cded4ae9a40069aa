import Database from 'better-sqlite3';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Corpus } from './corpus.js';
import { emptyResult, percentile, type WorkloadResult } from './stats.js';

export const FLOOR_BATCH = 100;

/**
 * The floor: the same messages inserted straight into SQLite by better-sqlite3, at ewsd's
 * durability (WAL, synchronous=FULL) and 100 messages per transaction, in a table shaped like a
 * mail store's (metadata columns, the MIME blob, a folder change counter, two indexes). No
 * server can store faster on this disk than this; ewsd's store workload is measured against it.
 */
export function runFloor(corpus: Corpus, dir: string): WorkloadResult {
  const db = new Database(join(dir, 'floor.sqlite'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec(`
      CREATE TABLE folders (id INTEGER PRIMARY KEY, change_counter INTEGER NOT NULL, item_count INTEGER NOT NULL);
      CREATE TABLE messages (
        id INTEGER PRIMARY KEY, folder_id INTEGER NOT NULL REFERENCES folders(id), change_number INTEGER NOT NULL,
        subject TEXT NOT NULL, sender TEXT NOT NULL, received INTEGER NOT NULL, size INTEGER NOT NULL,
        is_read INTEGER NOT NULL DEFAULT 0, mime BLOB NOT NULL);
      CREATE INDEX messages_by_received ON messages(folder_id, received);
      CREATE INDEX messages_by_change ON messages(folder_id, change_number);
      INSERT INTO folders VALUES (1, 0, 0);`);
    const bump = db.prepare('UPDATE folders SET change_counter = change_counter + 1, item_count = item_count + 1 WHERE id = 1 RETURNING change_counter');
    const insert = db.prepare('INSERT INTO messages (folder_id, change_number, subject, sender, received, size, mime) VALUES (1, ?, ?, ?, ?, ?, ?)');
    const insertBatch = db.transaction((batch: Corpus['messages']) => {
      for (const m of batch) {
        const { change_counter } = bump.get() as { change_counter: number };
        insert.run(change_counter, m.subject, m.fromAddress, m.date.getTime(), m.raw.length, m.raw);
      }
    });
    const result = emptyResult('store', 'sqlite', 1, FLOOR_BATCH);
    const latencies: number[] = [];
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < corpus.messages.length; i += FLOOR_BATCH) {
      const s = performance.now();
      insertBatch(corpus.messages.slice(i, i + FLOOR_BATCH));
      latencies.push(performance.now() - s);
    }
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    return {
      ...result,
      note: 'better-sqlite3 in the bench process, WAL + synchronous=FULL, 100 per transaction',
      messages: corpus.messages.length,
      requests: latencies.length,
      seconds,
      messagesPerSecond: corpus.messages.length / seconds,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      // In-process: its CPU is the bench process's own, and no separate server memory exists.
      serverCpuSeconds: (cpu.user + cpu.system) / 1e6,
      serverPeakRssBytes: 0,
    };
  } finally {
    db.close();
  }
}
