import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, describe, it } from 'node:test';
import { createLogger } from '../src/log.js';
import type { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { fault } from './support/fault.js';
import { rawRequest } from './support/http.js';
import { startTestServer, type TestServer } from './support/server.js';
import { basicAuth, messages, outcomes, post } from './support/soap.js';

interface LogLine {
  level: number;
  msg: string;
  requestId?: string;
  [key: string]: unknown;
}

/** A logger writing JSON lines into memory. */
function capture(level = 'info') {
  let text = '';
  const waiters = new Set<() => void>();
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString('utf8');
      for (const w of [...waiters]) w();
      done();
    },
  });
  return {
    /** Resolves once a line matching `pattern` has been logged. */
    waitFor: (pattern: RegExp) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (!pattern.test(text)) return;
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
        check();
      }),
    log: createLogger(level, sink),
    text: () => text,
    lines: (): LogLine[] => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as LogLine),
  };
}

const GET_FOLDERS = (ids: string) => `<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds>${ids}</m:FolderIds></m:GetFolder>`;

describe('request log', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('writes one JSON line per request: request id, user, operation, items, result classes, duration', async () => {
    const logs = capture();
    server = await startTestServer({ log: logs.log });
    const alice = await server.addUser('alice@example.com');
    const reply = await post(server.url, alice, GET_FOLDERS('<t:DistinguishedFolderId Id="inbox"/><t:FolderId Id="bad"/><t:DistinguishedFolderId Id="drafts"/>'));
    await logs.waitFor(/"msg":"request"/); // the line is written when the answer is flushed
    const requestLines = logs.lines().filter((l) => l.msg === 'request');
    assert.equal(requestLines.length, 1);
    const line = requestLines[0]!;
    assert.equal(line.user, 'alice@example.com');
    assert.equal(line.operation, 'GetFolder');
    assert.equal(line.items, 3);
    assert.deepEqual(line.classes, { Success: 2, Warning: 0, Error: 1 });
    assert.equal(line.status, 200);
    assert.equal(typeof line.ms, 'number');
    assert.equal(line.requestId, reply.headers.get('x-request-id'));
  });

  it('writes that line for every answered request, refused ones included', async () => {
    const logs = capture();
    server = await startTestServer({ log: logs.log });
    const alice = await server.addUser('alice@example.com');
    await rawRequest(server.url, { method: 'GET' });
    await rawRequest(server.url, { method: 'GET', headers: { Authorization: basicAuth(alice) } });
    await rawRequest(server.url, { path: '/nowhere', body: 'x' });
    await post(server.url, alice, '<m:Frobnicate/>');
    await logs.waitFor(/"operation":"Frobnicate"/); // the line is written when the answer is flushed
    const lines = logs.lines().filter((l) => l.msg === 'request');
    assert.deepEqual(
      lines.map((l) => [l.method, l.status, l.user, l.operation]),
      [
        ['GET', 401, undefined, undefined],
        ['GET', 200, 'alice@example.com', undefined],
        ['POST', 404, undefined, undefined],
        ['POST', 500, 'alice@example.com', 'Frobnicate'],
      ],
    );
    for (const l of lines) assert.equal(typeof l.ms, 'number');
  });

  it('logs an internal error of one item with the request id that its response message carries', async () => {
    const logs = capture();
    server = await startTestServer({ log: logs.log });
    const alice = await server.addUser('alice@example.com');
    (server.store as SqliteStore).db.exec('DROP TABLE folders'); // every folder lookup now fails inside the store
    const reply = await post(server.url, alice, GET_FOLDERS('<t:DistinguishedFolderId Id="inbox"/>'));
    assert.deepEqual(outcomes(reply.body), [['Error', 'ErrorInternalServerError']]);
    const value = messages(reply.body)[0]!.child('MessageXml')!.child('Value')!;
    assert.equal(value.attr('Name'), 'RequestId');
    const errors = logs.lines().filter((l) => l.level >= 50);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.requestId, value.text);
    assert.match(String((errors[0]!.err as { message: string }).message), /no such table/);
    assert.doesNotMatch(reply.text, /no such table|at .*\.js/, 'no internals in the answer');
  });

  it('logs a failure below the operations (the store gone) with the request id that the fault carries', async () => {
    const logs = capture();
    server = await startTestServer({ log: logs.log });
    const alice = await server.addUser('alice@example.com');
    (server.store as SqliteStore).db.close();
    const f = fault(await post(server.url, alice, GET_FOLDERS('<t:DistinguishedFolderId Id="inbox"/>')));
    assert.equal(f.responseCode, 'ErrorInternalServerError');
    assert.ok(f.values.RequestId);
    const errors = logs.lines().filter((l) => l.level >= 50);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.requestId, f.values.RequestId);
  });

  it('logs a client that hangs up mid-upload as such, not as an error, and keeps serving', async () => {
    const logs = capture('debug');
    server = await startTestServer({ log: logs.log });
    const alice = await server.addUser('alice@example.com');
    const socket = connect(server.port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write(`POST /EWS/Exchange.asmx HTTP/1.1\r\nHost: x\r\nAuthorization: ${basicAuth(alice)}\r\nContent-Length: 1000\r\n\r\n<soap:Envelope`);
    await logs.waitFor(/"msg":"request received"/); // the server is handling it
    socket.destroy();
    await logs.waitFor(/client closed the connection mid-request/);
    assert.deepEqual(logs.lines().filter((l) => l.level >= 50), []);
    assert.deepEqual(outcomes((await post(server.url, alice, GET_FOLDERS('<t:DistinguishedFolderId Id="inbox"/>'))).body), [['Success', 'NoError']]);
  });

  it('never logs passwords or Authorization headers', async () => {
    const logs = capture();
    server = await startTestServer({ log: logs.log });
    const alice = await server.addUser('alice@example.com', 'S3cret-Passw0rd');
    await post(server.url, alice, GET_FOLDERS('<t:DistinguishedFolderId Id="inbox"/>'));
    const wrong = { email: alice.email, password: 'Wr0ng-Passw0rd' };
    await rawRequest(server.url, { headers: { Authorization: basicAuth(wrong) }, body: 'x' });
    await rawRequest(server.url, { method: 'GET', headers: { Authorization: basicAuth(alice) } });
    (server.store as SqliteStore).db.close(); // and an internal error, which logs the most
    await rawRequest(server.url, { headers: { Authorization: basicAuth(alice) }, body: 'x' });
    const text = logs.text();
    assert.ok(logs.lines().length >= 3);
    for (const secret of ['S3cret-Passw0rd', 'Wr0ng-Passw0rd', basicAuth(alice).slice(6), basicAuth(wrong).slice(6)]) {
      assert.ok(!text.includes(secret), `the log contains ${secret}`);
    }
    assert.doesNotMatch(text, /authorization/i);
  });
});
