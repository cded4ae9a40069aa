import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { emptyMessageProps, type Item } from '../src/domain/item.js';
import type { Mailbox } from '../src/domain/mailbox.js';
import { parseMime } from '../src/mime/parse-mime.js';
import { parseItemShape } from '../src/ews/items/item-shape.js';
import { isMimeOnlyShape, writeItem, writeItemHead } from '../src/ews/items/item-xml.js';
import { parseXml } from '../src/soap/xml-parser.js';
import { XmlWriter } from '../src/soap/xml-writer.js';
import { useTestServer } from './support/server.js';
import { basicAuth, envelope, messages, outcomes, post } from './support/soap.js';
import { createItems, getItems, itemIdXml, message, type ItemIdPair } from './support/items.js';

const crlf = (s: string) => s.replace(/\r?\n/g, '\r\n');

function mimeMessage(subject: string, body: string): Buffer {
  return Buffer.from(
    crlf(`From: sender@example.com\nTo: alice@example.com\nSubject: ${subject}\nDate: Mon, 02 Jan 2023 10:00:00 +0000\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n`) + body,
  );
}

const mimeXml = (raw: Buffer) => `<t:Message><t:MimeContent CharacterSet="UTF-8">${raw.toString('base64')}</t:MimeContent></t:Message>`;

const ID_AND_MIME = '<t:BaseShape>IdOnly</t:BaseShape><t:IncludeMimeContent>true</t:IncludeMimeContent>';

describe('GetItem with MimeContent (ids and MIME only)', () => {
  const env = useTestServer('alice', 'bob');
  const stored: Buffer[] = [
    mimeMessage('first', 'Grüße aus Köln\r\n'),
    // Large enough to be written as a payload chunk of its own many times over (~400 KB of base64).
    mimeMessage('large', 'x'.repeat(64) + '\r\n' + 'Zeile mit Umlauten äöü und 東京\r\n'.repeat(8000)),
    mimeMessage('third', 'plain ascii\r\n'),
  ];


  it('returns each stored MIME byte for byte, in request order, with per-item errors kept', async () => {
    const withMime = await createItems(env.server.url, env.users.alice, stored.map(mimeXml));
    const [composed, gone] = await createItems(env.server.url, env.users.alice, [message('Grüße – composed'), message('to delete')]);
    const [bobs] = await createItems(env.server.url, env.users.bob, [message('bob private')]);
    await post(env.server.url, env.users.alice, `<m:DeleteItem DeleteType="HardDelete"><m:ItemIds>${itemIdXml([gone!])}</m:ItemIds></m:DeleteItem>`);
    const garbled: ItemIdPair = { id: 'not-an-id', changeKey: 'x' };
    const ids = [withMime[0]!, gone!, withMime[1]!, garbled, composed!, bobs!, withMime[2]!];

    const { reply, items } = await getItems(env.server.url, env.users.alice, ids, ID_AND_MIME);
    assert.deepEqual(outcomes(reply.body), [
      ['Success', 'NoError'],
      ['Error', 'ErrorItemNotFound'],
      ['Success', 'NoError'],
      ['Error', 'ErrorInvalidIdMalformed'],
      ['Success', 'NoError'],
      ['Error', 'ErrorAccessDenied'],
      ['Success', 'NoError'],
    ]);
    // Failed messages still carry their (empty) Items element.
    for (const i of [1, 3, 5]) assert.equal(messages(reply.body)[i]!.child('Items')?.children.length, 0);
    for (const [k, i] of [[0, 0], [1, 2], [2, 6]] as const) {
      const item = items[i]!;
      assert.equal(item.name, 'Message');
      assert.deepEqual(Buffer.from(item.childText('MimeContent')!, 'base64'), stored[k], `MIME of item ${k}`);
      assert.equal(item.child('MimeContent')!.attr('CharacterSet'), 'UTF-8');
      assert.deepEqual([item.child('ItemId')!.attr('Id'), item.child('ItemId')!.attr('ChangeKey')], [withMime[k]!.id, withMime[k]!.changeKey]);
      assert.deepEqual(item.children.map((c) => c.name), ['MimeContent', 'ItemId']);
    }
    // An item created from properties has its MIME composed, as before.
    const composedMime = await parseMime(Buffer.from(items[4]!.childText('MimeContent')!, 'base64'));
    assert.equal(composedMime.subject, 'Grüße – composed');
    assert.equal(composedMime.text, 'body of Grüße – composed');
  });

  it('gives the same bytes as the general path (ItemClass asked for, or a field that needs the whole item)', async () => {
    const [id] = await createItems(env.server.url, env.users.alice, [mimeXml(stored[0]!)]);
    const fast = await getItems(env.server.url, env.users.alice, [id!], `${ID_AND_MIME}<t:AdditionalProperties><t:FieldURI FieldURI="item:ItemClass"/></t:AdditionalProperties>`);
    const full = await getItems(
      env.server.url,
      env.users.alice,
      [id!],
      `${ID_AND_MIME}<t:AdditionalProperties><t:FieldURI FieldURI="item:ItemClass"/><t:FieldURI FieldURI="item:Subject"/></t:AdditionalProperties>`,
    );
    const strip = (text: string) => text.replace(/<t:Subject>[^<]*<\/t:Subject>/, '');
    assert.equal(strip(full.reply.text), fast.reply.text);
    assert.equal(fast.items[0]!.childText('ItemClass'), 'IPM.Note');
  });

  it('writes non-ASCII markup next to base64 payloads with the right Content-Length', async () => {
    const subject = 'Grüße aus 東京 😀';
    const [id] = await createItems(env.server.url, env.users.alice, [message(subject)]);
    const [mimeId] = await createItems(env.server.url, env.users.alice, [mimeXml(stored[1]!)]);
    const res = await fetch(env.server.url, {
      method: 'POST',
      headers: { 'Content-Type': 'text/xml; charset=utf-8', Authorization: 'Basic ' + Buffer.from(`${env.users.alice.email}:${env.users.alice.password}`).toString('base64') },
      body: envelope(
        `<m:GetItem><m:ItemShape><t:BaseShape>Default</t:BaseShape><t:IncludeMimeContent>true</t:IncludeMimeContent></m:ItemShape><m:ItemIds>${itemIdXml([id!, mimeId!, id!])}</m:ItemIds></m:GetItem>`,
      ),
    });
    const bytes = Buffer.from(await res.arrayBuffer());
    assert.equal(res.status, 200);
    assert.equal(Number(res.headers.get('content-length')), bytes.length);
    const doc = parseXml(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    const items = messages(doc.children[1]!.children[0]!).map((m) => m.child('Items')!.children[0]!);
    assert.deepEqual(items.map((i) => i.childText('Subject')), [subject, 'large', subject]);
    assert.deepEqual(Buffer.from(items[1]!.childText('MimeContent')!, 'base64'), stored[1]);
  });

  it('keeps the bytes of a response the client is slow to read while other responses are written', async () => {
    // Two ~5 MB messages: their responses are written into reused buffers (response-buffers.ts),
    // and are larger than what the kernel takes before the client reads (up to 4 MB of send buffer here).
    const big = (tag: string) => mimeMessage(tag, `${tag} line of the message body, long enough to add up\r\n`.repeat(85_000));
    const slowMime = big('slow');
    const fastMime = big('fast');
    const [slowId, fastId] = await createItems(env.server.url, env.users.alice, [mimeXml(slowMime), mimeXml(fastMime)]);
    const getXml = (id: ItemIdPair) => envelope(`<m:GetItem><m:ItemShape>${ID_AND_MIME}</m:ItemShape><m:ItemIds>${itemIdXml([id])}</m:ItemIds></m:GetItem>`);

    // The slow client sends its request and reads nothing for a while.
    const url = new URL(env.server.url);
    const socket = connect(Number(url.port), url.hostname);
    socket.pause();
    const body = Buffer.from(getXml(slowId!));
    socket.write(
      `POST ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: ${basicAuth(env.users.alice)}\r\n` +
        `Content-Type: text/xml; charset=utf-8\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
    );
    socket.write(body);
    const received: Buffer[] = [];
    const ended = new Promise<void>((resolve, reject) => {
      socket.on('data', (c: Buffer) => received.push(c));
      socket.on('end', resolve);
      socket.on('error', reject);
    });
    await new Promise((r) => setTimeout(r, 200));

    // Meanwhile others fetch another large message, several times.
    for (let i = 0; i < 6; i++) {
      const { items } = await getItems(env.server.url, env.users.alice, [fastId!], ID_AND_MIME);
      assert.deepEqual(Buffer.from(items[0]!.childText('MimeContent')!, 'base64'), fastMime);
    }

    socket.resume();
    await ended;
    const raw = Buffer.concat(received);
    const headerEnd = raw.indexOf('\r\n\r\n');
    assert.match(raw.subarray(0, headerEnd).toString('latin1'), /^HTTP\/1\.1 200 /);
    const doc = parseXml(raw.subarray(headerEnd + 4).toString('utf8'));
    const item = messages(doc.children[1]!.children[0]!)[0]!.child('Items')!.children[0]!;
    assert.deepEqual(Buffer.from(item.childText('MimeContent')!, 'base64'), slowMime);
  });
});

describe('writeItemHead', () => {
  const mailbox = { id: 1, guid: '0f0e0d0c-0b0a-4908-8706-050403020100', email: 'a@example.com', displayName: 'A' } as Mailbox;
  const shape = (xml: string) => parseItemShape(parseXml(`<m:ItemShape xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">${xml}</m:ItemShape>`));

  it('writes exactly what writeItem writes for the shapes it serves', () => {
    const mime = Buffer.from('Subject: ü\r\n\r\nbody\r\n');
    for (const itemClass of ['IPM.Note', 'IPM.Appointment', 'IPM.Contact', 'IPM.Schedule.Meeting.Request', 'X.Custom']) {
      const item: Item = {
        id: 42, mailboxId: 1, folderId: 7, modseq: 99, uid: 3, props: emptyMessageProps(itemClass), fieldVersions: {}, size: 10,
        hasAttachments: false, attachments: [], hasMime: true, dateTimeReceived: new Date(0), createdAt: new Date(0), modifiedAt: new Date(0),
      };
      for (const xml of [ID_AND_MIME, `${ID_AND_MIME}<t:AdditionalProperties><t:FieldURI FieldURI="item:ItemClass"/></t:AdditionalProperties>`]) {
        const s = shape(xml);
        assert.ok(isMimeOnlyShape(s));
        const general = new XmlWriter();
        writeItem(general, mailbox, item, s, { mime });
        const head = new XmlWriter();
        writeItemHead(head, mailbox, { id: 42, modseq: 99, itemClass }, s, mime);
        assert.equal(head.toString(), general.toString());
      }
    }
  });

  it('is not used for shapes asking for more', () => {
    assert.equal(isMimeOnlyShape(shape('<t:BaseShape>IdOnly</t:BaseShape>')), false);
    assert.equal(isMimeOnlyShape(shape('<t:BaseShape>Default</t:BaseShape><t:IncludeMimeContent>true</t:IncludeMimeContent>')), false);
    assert.equal(isMimeOnlyShape(shape(`${ID_AND_MIME}<t:AdditionalProperties><t:FieldURI FieldURI="item:Subject"/></t:AdditionalProperties>`)), false);
    assert.equal(
      isMimeOnlyShape(shape(`${ID_AND_MIME}<t:AdditionalProperties><t:ExtendedFieldURI PropertyTag="0x1000" PropertyType="String"/></t:AdditionalProperties>`)),
      false,
    );
  });
});
