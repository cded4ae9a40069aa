import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import nodemailer from 'nodemailer';
import { startTestServer, type TestServer, type TestUser } from './support/server.js';
import { messages, post } from './support/soap.js';
import { folderCounts, getItems, idOf } from './support/items.js';

const RAW = Buffer.from(
  'From: Bob <bob@remote.test>\r\nTo: alice@example.com, carol@example.com\r\nSubject: =?UTF-8?Q?Hall=C3=B6?=\r\n' +
    'Date: Tue, 03 Oct 2023 09:08:07 +0000\r\nMessage-ID: <smtp-1@remote.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello from SMTP\r\n',
);

describe('local delivery into message items (SMTP in)', () => {
  let server: TestServer;
  let alice: TestUser;
  let carol: TestUser;
  before(async () => {
    server = await startTestServer({ smtp: { port: 0 } });
    alice = await server.addUser('alice@example.com');
    carol = await server.addUser('carol@example.com');
  });
  after(() => server.stop());

  it('puts an unread message into each recipient Inbox, with the received MIME byte for byte', async () => {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: server.smtpPort!, secure: false, ignoreTLS: true });
    try {
      const info = await transport.sendMail({ envelope: { from: 'bob@remote.test', to: ['alice@example.com', 'carol@example.com'] }, raw: RAW });
      assert.match(info.response, /^250 /);
    } finally {
      transport.close();
    }
    for (const user of [alice, carol]) {
      assert.deepEqual(await folderCounts(server.url, user, 'inbox'), { total: 1, unread: 1 });
      const found = await post(
        server.url,
        user,
        `<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>Default</t:BaseShape></m:ItemShape><m:ParentFolderIds><t:DistinguishedFolderId Id="inbox"/></m:ParentFolderIds></m:FindItem>`,
      );
      const item = messages(found.body)[0]!.child('RootFolder')!.child('Items')!.children[0]!;
      assert.equal(item.childText('Subject'), 'Hallö');
      assert.equal(item.childText('IsRead'), 'false');
      const { items } = await getItems(server.url, user, [idOf(item)], '<t:BaseShape>IdOnly</t:BaseShape><t:IncludeMimeContent>true</t:IncludeMimeContent>');
      const mime = Buffer.from(items[0]!.childText('MimeContent')!, 'base64');
      // The listener adds its trace headers in front; the message itself follows unchanged.
      assert.ok(mime.subarray(mime.length - RAW.length).equals(RAW));
      assert.match(mime.toString(), /^Return-Path: <bob@remote\.test>\r\nReceived: /);
    }
  });
});
