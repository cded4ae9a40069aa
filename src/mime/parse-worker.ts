/** A MIME parsing thread (parse-pool.ts): parses what it is sent with parseMime; each answer carries its request's id. */
import { parentPort } from 'node:worker_threads';
import { installByteBlob } from './byte-blob.js';
import type { MimeMessage } from './mime-message.js';
import { MimeParseError, parseMime, type ParseOptions } from './parse-mime.js';

installByteBlob();

parentPort!.on('message', (msg: { id: number; raw: Uint8Array; options: ParseOptions }) => {
  const raw = Buffer.from(msg.raw.buffer, msg.raw.byteOffset, msg.raw.byteLength);
  parseMime(raw, msg.options).then(
    (message) => parentPort!.postMessage({ id: msg.id, message }, ownedBuffers(message)),
    (err: unknown) => parentPort!.postMessage({ id: msg.id, error: err instanceof Error ? err.message : String(err), parseError: err instanceof MimeParseError }),
  );
});

/**
 * The attachment buffers that can be handed to the event loop instead of copied: those that are
 * alone in their ArrayBuffer. A small Buffer may sit in Node's shared pool, and moving that pool
 * would pull it from under every other Buffer in it.
 */
function ownedBuffers(message: MimeMessage): ArrayBuffer[] {
  const owned = new Set<ArrayBuffer>();
  for (const { content } of message.attachments) {
    const buffer = content.buffer;
    if (buffer instanceof ArrayBuffer && content.byteOffset === 0 && content.byteLength === buffer.byteLength) owned.add(buffer);
  }
  return [...owned];
}
