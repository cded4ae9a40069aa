/** A MIME parsing thread (parse-pool.ts): parses what it is sent with parseMime; each answer carries its request's id. */
import { parentPort } from 'node:worker_threads';
import { MimeParseError, parseMime } from './parse-mime.js';

parentPort!.on('message', (msg: { id: number; raw: Uint8Array }) => {
  const raw = Buffer.from(msg.raw.buffer, msg.raw.byteOffset, msg.raw.byteLength);
  parseMime(raw).then(
    (message) => parentPort!.postMessage({ id: msg.id, message }),
    (err: unknown) => parentPort!.postMessage({ id: msg.id, error: err instanceof Error ? err.message : String(err), parseError: err instanceof MimeParseError }),
  );
});
