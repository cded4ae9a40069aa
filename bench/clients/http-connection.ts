import { connect, type Socket } from 'node:net';
import { withRoom } from './kept-buffer.js';

/** An HTTP exchange that failed: the connection broke, or the answer was not one this client reads. */
export class HttpConnectionError extends Error {}

export interface HttpAnswer {
  status: number;
  /** The answer's body: a view of the connection's buffer, valid until its next request. */
  body: Buffer;
}

const CRLFCRLF = Buffer.from('\r\n\r\n');
const STATUS_LINE = /^HTTP\/1\.[01] (\d{3})/;
const CONTENT_LENGTH = /\r\ncontent-length:[ \t]*(\d+)[ \t]*\r\n/i;
const TRANSFER_ENCODING = /\r\ntransfer-encoding:/i;
/** Bytes read from the socket at a time, into one buffer kept for the connection. */
const READ_SIZE = 256 * 1024;

interface Pending {
  resolve(answer: HttpAnswer): void;
  reject(err: Error): void;
  /** Both must be true to settle: the answer is complete, the request's bytes were handed to the kernel. */
  answered: boolean;
  written: boolean;
}

/**
 * One keep-alive HTTP/1.1 connection of the bench's EWS client, one request at a time. It reads
 * answers that carry a Content-Length, which is how ewsd and the protocol floor answer.
 *
 * Why not node:http or undici: each reads the socket into a new buffer every time and hands the
 * body on in pieces, and V8 answers that much fresh external memory with collections. Receiving a
 * GetItem answer of ~0.7 MB cost the client ~1.2-1.5 ms of CPU with node:http and ~0.9 ms with
 * undici 7, against ~0.15 ms here, where the socket reads into one buffer (net's `onread`) and the
 * answer is gathered in another, both kept for the connection. On two cores shared with the
 * server, that difference was the largest part of the client's work on a fetch.
 */
export class HttpConnection {
  readonly #hostHeader: string;
  /** The socket, while it is open; a new one is opened for a request when the server closed the last while idle. */
  #socket: Socket | undefined;
  readonly #readInto = Buffer.allocUnsafeSlow(READ_SIZE);
  #answer = Buffer.allocUnsafeSlow(1 << 20);
  #length = 0;
  /** Where the body starts and how long it is, once the head has arrived; -1 before. */
  #bodyStart = -1;
  #bodyLength = -1;
  #status = 0;
  #pending: Pending | undefined;
  #closed = false;

  constructor(
    readonly host: string,
    readonly port: number,
  ) {
    this.#hostHeader = `${host}:${port}`;
  }

  /**
   * Sends one request (`headers`: complete header lines, each ending in CRLF, without Host and
   * Content-Length) and resolves with its answer once the answer is complete and the body has been
   * handed to the kernel, so the caller may then reuse the body's buffer.
   */
  async request(method: string, path: string, headers: string, body?: Buffer): Promise<HttpAnswer> {
    if (this.#closed) throw new HttpConnectionError('connection closed by the client');
    if (this.#pending) throw new HttpConnectionError('one request at a time on a connection');
    const socket = this.#socket ?? (this.#socket = await this.#connect());
    return new Promise((resolve, reject) => {
      const pending: Pending = { resolve, reject, answered: false, written: false };
      this.#pending = pending;
      this.#length = 0;
      this.#bodyStart = -1;
      const head = `${method} ${path} HTTP/1.1\r\nHost: ${this.#hostHeader}\r\n${headers}Content-Length: ${body?.length ?? 0}\r\n\r\n`;
      const written = (err?: Error | null) => {
        if (err) return this.#fail(socket, new HttpConnectionError(`writing to ${this.#hostHeader}: ${err.message}`));
        pending.written = true;
        this.#settle();
      };
      socket.cork();
      socket.write(head, 'latin1');
      socket.write(body ?? '', written);
      socket.uncork();
    });
  }

  close(): void {
    this.#closed = true;
    this.#socket?.destroy();
  }

  #connect(): Promise<Socket> {
    return new Promise((resolve, fail) => {
      const socket: Socket = connect({ host: this.host, port: this.port, onread: { buffer: this.#readInto, callback: (n) => this.#received(socket, n) } });
      socket.once('connect', () => {
        socket.off('error', reject);
        socket.setNoDelay(true);
        socket.on('error', (err) => this.#fail(socket, new HttpConnectionError(`connection to ${this.#hostHeader}: ${err.message}`)));
        socket.on('close', () => this.#fail(socket, new HttpConnectionError(`connection to ${this.#hostHeader} closed`)));
        resolve(socket);
      });
      const reject = (err: Error) => fail(new HttpConnectionError(`connecting to ${this.#hostHeader}: ${err.message}`));
      socket.once('error', reject);
    });
  }

  #received(socket: Socket, n: number): boolean {
    if (this.#socket !== socket) return false;
    if (!this.#pending) {
      this.#fail(socket, new HttpConnectionError(`${n} bytes from ${this.#hostHeader} while no request was waiting`));
      return false;
    }
    const room = withRoom(this.#answer, this.#length + n);
    if (room !== this.#answer) {
      this.#answer.copy(room, 0, 0, this.#length);
      this.#answer = room;
    }
    this.#length += this.#readInto.copy(this.#answer, this.#length, 0, n);
    if (this.#bodyStart < 0 && !this.#readHead(socket)) return true;
    const end = this.#bodyStart + this.#bodyLength;
    if (this.#length > end) this.#fail(socket, new HttpConnectionError(`${this.#length - end} bytes from ${this.#hostHeader} past the end of the answer`));
    else if (this.#length === end) {
      this.#pending.answered = true;
      this.#settle();
    }
    return true;
  }

  /** Reads the status and the body's length once the head is complete; false while it is not. */
  #readHead(socket: Socket): boolean {
    const end = this.#answer.subarray(0, this.#length).indexOf(CRLFCRLF);
    if (end < 0) return false;
    const head = this.#answer.toString('latin1', 0, end + 2);
    const status = STATUS_LINE.exec(head);
    const length = CONTENT_LENGTH.exec(head);
    if (!status || !length || TRANSFER_ENCODING.test(head)) {
      this.#fail(socket, new HttpConnectionError(`an answer this client does not read (it needs a Content-Length): ${head.slice(0, 300)}`));
      return false;
    }
    this.#status = Number(status[1]);
    this.#bodyStart = end + CRLFCRLF.length;
    this.#bodyLength = Number(length[1]);
    return true;
  }

  #settle(): void {
    const p = this.#pending;
    if (!p || !p.answered || !p.written) return;
    this.#pending = undefined;
    p.resolve({ status: this.#status, body: this.#answer.subarray(this.#bodyStart, this.#bodyStart + this.#bodyLength) });
  }

  /**
   * The socket is done for: the request waiting on it (if any) fails, and the next request opens a
   * new one. A server closing an idle keep-alive connection ends up here with nothing waiting.
   */
  #fail(socket: Socket, err: Error): void {
    if (!socket.destroyed) socket.destroy();
    // A socket given up on earlier has nothing of the current request.
    if (this.#socket !== socket) return;
    this.#socket = undefined;
    const p = this.#pending;
    if (!p) return;
    this.#pending = undefined;
    p.reject(err);
  }
}
