import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import nodemailer from 'nodemailer';
import { MemoryDelivery } from './support/memory-delivery.js';
import { startTestServer, type TestServer } from './support/server.js';
import { SmtpPeer } from './support/smtp-peer.js';
import { waitFor } from './support/wait.js';

describe('mail transport wired into the server', () => {
  let server: TestServer;
  let relay: SmtpPeer;
  const delivery = new MemoryDelivery(['alice@example.com']);
  before(async () => {
    relay = await SmtpPeer.start();
    relay.rcptReplies.set('nobody@remote.test', 550);
    server = await startTestServer({
      smtp: { port: 0 },
      relay: { host: '127.0.0.1', port: relay.port, security: 'none' },
      retry: { initialMs: 50 },
      localDelivery: () => delivery,
    });
  });
  after(async () => {
    await server.stop();
    await relay.close();
  });

  it('relays what the server queues, and reports failures into the injected local delivery', async () => {
    const raw = Buffer.from('From: alice@example.com\r\nTo: bob@remote.test, nobody@remote.test\r\nSubject: wired\r\n\r\nhello\r\n');
    await server.outbound.enqueue({ sender: 'alice@example.com', recipients: ['bob@remote.test', 'nobody@remote.test'], raw });
    await waitFor('the queue to empty', async () => (await server.store.listOutbound()).length === 0);
    assert.deepEqual(relay.received.map((m) => m.to), [['bob@remote.test']]);
    const [ndr] = delivery.inbox('alice@example.com');
    assert.match(ndr!.toString(), /Subject: Undeliverable: wired/);
  });

  it('uses the same local delivery for SMTP in', async () => {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: server.smtpPort!, ignoreTLS: true });
    try {
      await transport.sendMail({ envelope: { from: 'bob@remote.test', to: ['alice@example.com'] }, raw: 'Subject: in\r\n\r\nhi\r\n' });
    } finally {
      transport.close();
    }
    assert.ok(delivery.inbox('alice@example.com').some((m) => m.toString().endsWith('Subject: in\r\n\r\nhi\r\n')));
  });
});
