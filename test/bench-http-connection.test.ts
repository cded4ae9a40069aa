import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { HttpConnection, HttpConnectionError } from '../bench/clients/http-connection.js';

// The bench's EWS client talks HTTP/1.1 itself (bench/clients/http-connection.ts): it must read
// what node:http servers (ewsd, the protocol floor) send, in any pieces, and survive the server
// closing an idle connection.

async function withServer(handler: (req: IncomingMessage, body: Buffer, res: ServerResponse) => void, run: (server: Server, port: number) => Promise<void>): Promise<void> {
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => handler(req, Buffer.concat(parts), res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await run(server, (server.address() as AddressInfo).port);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

const echo = (req: IncomingMessage, body: Buffer, res: ServerResponse) => {
  const answer = Buffer.concat([Buffer.from(`${req.method} ${req.url} ${req.headers.host} ${req.headers['x-test']} ${body.length}:`), body]);
  res.writeHead(200, { 'Content-Length': answer.length }).end(answer);
};

describe('bench HTTP connection', () => {
  it('sends requests one after another on one connection and reads each answer whole', async () => {
    await withServer(echo, async (_server, port) => {
      const c = new HttpConnection('127.0.0.1', port);
      for (const size of [0, 1, 70_000, 3_000_000, 5]) {
        const body = Buffer.alloc(size, 'x');
        const { status, body: answer } = await c.request('POST', '/EWS/Exchange.asmx', 'X-Test: yes\r\n', body);
        assert.equal(status, 200);
        const head = `POST /EWS/Exchange.asmx 127.0.0.1:${port} yes ${size}:`;
        assert.equal(answer.length, head.length + size);
        assert.equal(answer.toString('latin1', 0, head.length), head);
        assert.ok(answer.subarray(head.length).equals(body), `${size} bytes echoed`);
      }
      const { body } = await c.request('GET', '/x', '');
      assert.equal(body.toString(), `GET /x 127.0.0.1:${port} undefined 0:`);
      c.close();
      await assert.rejects(c.request('GET', '/x', ''), HttpConnectionError);
    });
  });

  it('reads an answer written in many small pieces, and an error status with its body', async () => {
    const answer = Buffer.alloc(200_000, 'a');
    await withServer(
      (req, _body, res) => {
        if (req.url === '/missing') return void res.writeHead(404, { 'Content-Length': 2 }).end('no');
        res.writeHead(200, { 'Content-Length': answer.length });
        let at = 0;
        const next = () => {
          if (at >= answer.length) return void res.end();
          res.write(answer.subarray(at, (at += 7919)));
          setImmediate(next);
        };
        next();
      },
      async (_server, port) => {
        const c = new HttpConnection('127.0.0.1', port);
        assert.ok((await c.request('GET', '/', '')).body.equals(answer));
        const missing = await c.request('GET', '/missing', '');
        assert.deepEqual([missing.status, missing.body.toString()], [404, 'no']);
        c.close();
      },
    );
  });

  it('opens a new connection when the server closed the last one while it was idle', async () => {
    await withServer(echo, async (server, port) => {
      let connections = 0;
      server.on('connection', () => connections++);
      const c = new HttpConnection('127.0.0.1', port);
      await c.request('GET', '/a', '');
      server.closeIdleConnections();
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.match((await c.request('GET', '/b', '')).body.toString(), /^GET \/b /);
      assert.equal(connections, 2);
      c.close();
    });
  });

  it('fails clearly on an answer without a Content-Length, and on a server that is not there', async () => {
    await withServer(
      (_req, _body, res) => {
        res.writeHead(200);
        res.write('chunked');
        res.end();
      },
      async (_server, port) => {
        const c = new HttpConnection('127.0.0.1', port);
        await assert.rejects(c.request('GET', '/', ''), /needs a Content-Length/);
        c.close();
      },
    );
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise((resolve) => server.close(resolve));
    await assert.rejects(new HttpConnection('127.0.0.1', port).request('GET', '/', ''), /connecting to 127\.0\.0\.1:\d+: .*ECONNREFUSED/);
  });

  it('fails the waiting request when the server hangs up mid-answer', async () => {
    await withServer(
      (_req, _body, res) => {
        res.writeHead(200, { 'Content-Length': 1000 });
        res.write('only part of it');
        setTimeout(() => res.socket?.destroy(), 20);
      },
      async (_server, port) => {
        const c = new HttpConnection('127.0.0.1', port);
        await assert.rejects(c.request('GET', '/', ''), /closed/);
        c.close();
      },
    );
  });
});
