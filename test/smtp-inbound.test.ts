import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect } from 'node:net';
import nodemailer, { type NodemailerError } from 'nodemailer';
import { unavailableLocalDelivery } from '../src/delivery/local-delivery.js';
import { MemoryDelivery } from './support/memory-delivery.js';
import { startTestServer, type TestServer } from './support/server.js';

/** nodemailer as the SMTP client of ewsd's listener. */
function send(port: number, envelope: { from: string; to: string[] }, raw: string | Buffer) {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, connectionTimeout: 5000, greetingTimeout: 5000, socketTimeout: 10_000 });
  return transport.sendMail({ envelope, raw }).finally(() => transport.close());
}

async function refusal(promise: Promise<unknown>): Promise<NodemailerError> {
  try {
    await promise;
  } catch (err) {
    return err as NodemailerError;
  }
  assert.fail('the server accepted what it should have refused');
}

/** A raw SMTP conversation: the greeting, then one complete reply per command. */
function dialog(port: number, commands: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const replies: string[] = [];
    let buffer = '';
    const timer = setTimeout(() => socket.destroy(new Error('SMTP dialog timed out')), 5000);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      // A reply is complete at a line whose code is followed by a space.
      const m = /(?:^|\r\n)\d{3} [^\r\n]*\r\n$/.exec(buffer);
      if (!m) return;
      replies.push(buffer.replace(/\r\n$/, '').replace(/\r\n/g, '\n'));
      buffer = '';
      const next = commands[replies.length - 1];
      if (next === undefined) socket.end();
      else socket.write(next + '\r\n');
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(replies);
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

const RAW = 'From: Bob <bob@remote.test>\r\nTo: alice@example.com\r\nSubject: Hi Alice\r\nMessage-ID: <hi@remote.test>\r\n\r\nHello Alice.\r\n';

describe('SMTP in', () => {
  let server: TestServer;
  const delivery = new MemoryDelivery(['alice@example.com', 'carol@example.com']);
  before(async () => {
    server = await startTestServer({ smtp: { port: 0, maxMessageBytes: 16 * 1024 }, localDelivery: () => delivery });
  });
  after(() => server.stop());

  it('delivers mail for local mailboxes before answering 250, with trace headers', async () => {
    const info = await send(server.smtpPort!, { from: 'bob@remote.test', to: ['Alice@Example.com', 'carol@example.com'] }, RAW);
    assert.match(info.response, /^250 /);
    assert.equal(delivery.delivered.length, 1);
    const [got] = delivery.delivered;
    assert.deepEqual(got!.recipients, ['alice@example.com', 'carol@example.com']);
    const text = got!.raw.toString();
    assert.match(text, /^Return-Path: <bob@remote\.test>\r\nReceived: from [^\r\n]+\r\n\tby [^\r\n]+ \(ewsd\) with E?SMTP/);
    assert.ok(text.endsWith(RAW), 'the message itself is kept byte for byte');
  });

  it('refuses an unknown local recipient with 550 5.1.1 and delivers to the known one', async () => {
    const before = delivery.delivered.length;
    const info = await send(server.smtpPort!, { from: 'bob@remote.test', to: ['nobody@example.com', 'alice@example.com'] }, RAW);
    assert.deepEqual(info.accepted, ['alice@example.com']);
    assert.match(String(info.rejectedErrors?.[0]?.response), /^550 5\.1\.1 /);
    assert.equal(delivery.delivered.length, before + 1);
    assert.deepEqual(delivery.delivered.at(-1)!.recipients, ['alice@example.com']);
  });

  it('is not an open relay: a remote recipient is refused and nothing is delivered', async () => {
    const before = delivery.delivered.length;
    const err = await refusal(send(server.smtpPort!, { from: 'alice@example.com', to: ['victim@elsewhere.test'] }, RAW));
    assert.equal(err.responseCode, 550);
    assert.match(String(err.response), /^550 5\.1\.1 .*relaying is not allowed/);
    assert.equal(delivery.delivered.length, before);
  });

  it('enforces the size limit with 552 (advertised with SIZE)', async () => {
    const before = delivery.delivered.length;
    const big = RAW + 'x'.repeat(70) + '\r\n'.repeat(1) + ('y'.repeat(76) + '\r\n').repeat(300);
    const err = await refusal(send(server.smtpPort!, { from: 'bob@remote.test', to: ['alice@example.com'] }, big));
    assert.equal(err.responseCode, 552);
    assert.equal(delivery.delivered.length, before);
    // A message under the limit still goes through on the same listener.
    await send(server.smtpPort!, { from: 'bob@remote.test', to: ['alice@example.com'] }, RAW);
    assert.equal(delivery.delivered.length, before + 1);
  });

  it('answers 451 4.3.0 when local delivery fails, so the sender keeps the message', async () => {
    const before = delivery.delivered.length;
    delivery.unavailable = true;
    try {
      const err = await refusal(send(server.smtpPort!, { from: 'bob@remote.test', to: ['alice@example.com'] }, RAW));
      assert.equal(err.responseCode, 451);
      assert.match(String(err.response), /^451 4\.3\.0 /);
    } finally {
      delivery.unavailable = false;
    }
    assert.equal(delivery.delivered.length, before);
  });

  it('advertises SIZE and no AUTH or STARTTLS; AUTH is refused, an announced oversize gets 552', async () => {
    const replies = await dialog(server.smtpPort!, ['EHLO client.test', 'AUTH PLAIN AGFsaWNlQGV4YW1wbGUuY29tAHg=', 'MAIL FROM:<bob@remote.test> SIZE=20000', 'QUIT']);
    const ehlo = replies[1]!;
    assert.match(ehlo, /^250[ -]SIZE 16384$/m);
    assert.doesNotMatch(ehlo, /AUTH|STARTTLS/);
    assert.match(replies[2]!, /^5\d\d /);
    assert.match(replies[3]!, /^552 /);
  });
});

describe('SMTP in while local delivery is unavailable', () => {
  let server: TestServer;
  before(async () => {
    // The stand-in that refuses temporarily (message items now deliver by default: see items-delivery.test.ts).
    server = await startTestServer({ smtp: { port: 0 }, localDelivery: unavailableLocalDelivery });
    await server.addUser('alice@example.com');
  });
  after(() => server.stop());

  it('knows local users from the store but defers their mail with 451 instead of losing it', async () => {
    const err = await refusal(send(server.smtpPort!, { from: 'bob@remote.test', to: ['alice@example.com'] }, RAW));
    assert.equal(err.responseCode, 451);
    const unknown = await refusal(send(server.smtpPort!, { from: 'bob@remote.test', to: ['nobody@example.com'] }, RAW));
    assert.equal(unknown.responseCode, 550);
  });
});
