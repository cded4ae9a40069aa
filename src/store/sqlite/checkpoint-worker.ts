/** The checkpoint thread (checkpointer.ts): checkpoints the database after other connections commit. */
import BetterSqlite3 from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

const { file } = workerData as { file: string };

/** How often the database is looked at while commits come. */
const POLL_MS = 5;
/** With no commit for this long, it is looked at less often ({@link IDLE_POLL_MS}). */
const IDLE_AFTER_MS = 1000;
const IDLE_POLL_MS = 100;
/** At most one checkpoint this often: small commits (read flags) are then checkpointed together. */
const MIN_GAP_MS = 50;

const db = new BetterSqlite3(file);
// The checkpoint syncs the log before copying it and the database after: only then may a writer
// start the log over. That is what makes a checkpoint safe against a power cut.
db.pragma('synchronous = FULL');
// This connection never writes, so it would never checkpoint on its own anyway.
db.pragma('wal_autocheckpoint = 0');

// Commits made before this thread was up count too: the first look always checkpoints.
let seen = -1;
let lastCheckpoint = 0;
let lastChange = 0;
let timer: NodeJS.Timeout | undefined;
let stopped = false;

function look(): void {
  try {
    const version = dataVersion();
    if (version !== seen) {
      lastChange = Date.now();
      if (Date.now() - lastCheckpoint >= MIN_GAP_MS) {
        seen = version;
        db.pragma('wal_checkpoint(PASSIVE)');
        lastCheckpoint = Date.now();
      }
    }
  } catch {
    // A busy or failing checkpoint is tried again at the next commit; the writer's backstop bounds the log meanwhile.
  }
  if (stopped) return;
  // Every few milliseconds while commits come; an idle server is looked at ten times a second, not two hundred.
  timer = setTimeout(look, Date.now() - lastChange < IDLE_AFTER_MS ? POLL_MS : IDLE_POLL_MS);
}

look();

parentPort!.on('message', (msg: unknown) => {
  if (msg !== 'stop') return;
  stopped = true;
  clearTimeout(timer);
  db.close();
  parentPort!.close();
});

function dataVersion(): number {
  return db.pragma('data_version', { simple: true }) as number;
}
