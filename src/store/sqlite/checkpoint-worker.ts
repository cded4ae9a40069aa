/** The checkpoint thread (checkpointer.ts): checkpoints the database after other connections commit. */
import BetterSqlite3 from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

const { file, pollMs, minGapMs } = workerData as { file: string; pollMs: number; minGapMs: number };
const db = new BetterSqlite3(file);
// The checkpoint syncs the log before copying it and the database after: only then may a writer
// start the log over. That is what makes a checkpoint safe against a power cut.
db.pragma('synchronous = FULL');
// This connection never writes, so it would never checkpoint on its own anyway.
db.pragma('wal_autocheckpoint = 0');

// Commits made before this thread was up count too: the first look always checkpoints.
let seen = -1;
let lastCheckpoint = 0;

const timer = setInterval(() => {
  try {
    const version = dataVersion();
    if (version === seen || Date.now() - lastCheckpoint < minGapMs) return;
    seen = version;
    db.pragma('wal_checkpoint(PASSIVE)');
    lastCheckpoint = Date.now();
  } catch {
    // A busy or failing checkpoint is tried again at the next commit; the writer's backstop bounds the log meanwhile.
  }
}, pollMs);

parentPort!.on('message', (msg: unknown) => {
  if (msg !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort!.close();
});

function dataVersion(): number {
  return db.pragma('data_version', { simple: true }) as number;
}
