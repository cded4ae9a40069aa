import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { freePort, waitForPort } from './net.js';

/**
 * The EWS protocol floor: a server that does no mail work at all. A recording pass against ewsd
 * writes every request's key and ewsd's answer to a file; this server, in its own process as
 * ewsd runs, then answers the same requests with those bytes (found by the request's SHA-1, read
 * from the file). What is left is what any EWS server pays on this machine for HTTP, the SOAP
 * bytes and base64, and what the client pays to read them.
 *
 * Records file: per request, 20 bytes of key, 4 bytes (big-endian) of answer length, the answer.
 */
export function requestKey(body: Buffer): Buffer {
  return createHash('sha1').update(body).digest();
}

/** Appends (request, answer) records to a file as a recording session sees them. */
export class Recorder {
  readonly #fd: number;
  constructor(readonly file: string) {
    this.#fd = openSync(file, 'w');
  }
  record = (request: Buffer, answer: Buffer): void => {
    const head = Buffer.alloc(24);
    requestKey(request).copy(head, 0);
    head.writeUInt32BE(answer.length, 20);
    writeSync(this.#fd, head);
    writeSync(this.#fd, answer);
  };
  close(): void {
    closeSync(this.#fd);
  }
}

export interface RunningCanned {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** Starts the canned server on a records file, as a child process (so its CPU is measured apart). */
export async function startCanned(recordsFile: string): Promise<RunningCanned> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [fileURLToPath(import.meta.url), recordsFile, String(port)], { stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitForPort('127.0.0.1', port, 15_000, () => child.exitCode !== null);
  return {
    url: `http://127.0.0.1:${port}/EWS/Exchange.asmx`,
    pid: child.pid!,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The child: indexes the records file, then answers each request with its recorded answer. */
function serve(recordsFile: string, port: number): void {
  const fd = openSync(recordsFile, 'r');
  const index = new Map<string, { at: number; length: number }>();
  const head = Buffer.alloc(24);
  for (let at = 0; readSync(fd, head, 0, 24, at) === 24; ) {
    const length = head.readUInt32BE(20);
    index.set(head.toString('hex', 0, 20), { at: at + 24, length });
    at += 24 + length;
  }
  createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const found = index.get(requestKey(Buffer.concat(chunks)).toString('hex'));
      if (!found) {
        res.writeHead(500, { 'Content-Type': 'text/plain' }).end('no recorded answer for this request');
        return;
      }
      const answer = Buffer.allocUnsafe(found.length);
      readSync(fd, answer, 0, found.length, found.at);
      res.writeHead(200, { 'Content-Type': 'text/xml; charset=utf-8', 'Content-Length': found.length }).end(answer);
    });
  }).listen(port, '127.0.0.1');
  process.once('SIGTERM', () => process.exit(0));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) serve(process.argv[2]!, Number(process.argv[3]));
