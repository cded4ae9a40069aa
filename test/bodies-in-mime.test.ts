import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { useTestServer } from './support/server.js';
import { outcomes, post } from './support/soap.js';
import { copyOrMoveItem, createItems, getItems, setItemField, type ItemIdPair } from './support/items.js';
import { exportUploadRoundTrip } from './support/export.js';
import { parseMime } from '../src/mime/parse-mime.js';

/**
 * A body that the parse decoded from one range of the item's MIME is kept once, as a reference
 * into that MIME (store: item_bodies.mime_start/mime_end, content ''). Every way of reading the
 * item must still give the exact text, also after the MIME goes away or the item is copied,
 * moved, exported.
 */
const HTML = `<html><body><p>Grüße aus Zürich, 10 € =&gt; ${'a long line of text that needs soft breaks '.repeat(20)}</p>\n<p>second paragraph</p></body></html>`;

/** Quoted-printable by hand, CRLF line ends: '=', non-ASCII and line length as a mailer writes them (a parse gives LF line ends back). */
function quotedPrintable(text: string): string {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    let encoded = '';
    for (const byte of Buffer.from(line, 'utf8')) encoded += byte === 0x3d || byte > 0x7e ? `=${byte.toString(16).toUpperCase().padStart(2, '0')}` : String.fromCharCode(byte);
    const pieces = encoded.match(/.{1,72}(?:=[0-9A-F]{2})?/g) ?? [''];
    out.push(pieces.join('=\r\n'));
  }
  return out.join('\r\n');
}

const RAW = Buffer.from(
  [
    'From: Alice <alice@example.com>',
    'To: Bob <bob@example.org>',
    'Subject: body in MIME',
    'Date: Mon, 23 Nov 2026 10:00:00 +0000',
    'Message-ID: <body-in-mime@example.com>',
    'MIME-Version: 1.0',
    'Content-Type: multipart/alternative; boundary="alt"',
    '',
    '--alt',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'the plain alternative',
    '--alt',
    'Content-Type: text/html; charset=utf-8',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    quotedPrintable(HTML),
    '--alt--',
    '',
  ].join('\r\n'),
);

/** A single-part message in Latin-1, 8bit: the body is the message's own. */
const LATIN1_TEXT = `${'Ça coûte 5 £, señor. '.repeat(30)}\nZweite Zeile.`;
const LATIN1 = Buffer.concat([
  Buffer.from('From: a@example.com\r\nTo: b@example.org\r\nSubject: latin-1\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n', 'latin1'),
  Buffer.from(`${LATIN1_TEXT.replace('\n', '\r\n')}\r\n`, 'latin1'),
]);

const mimeItem = (raw: Buffer) => `<t:Message><t:MimeContent CharacterSet="UTF-8">${raw.toString('base64')}</t:MimeContent></t:Message>`;
const SHAPE = '<t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="item:Body"/></t:AdditionalProperties>';

describe('bodies kept inside the item MIME', () => {
  const env = useTestServer('alice');

  async function body(item: ItemIdPair): Promise<{ type: string | undefined; text: string | undefined }> {
    const { items } = await getItems(env.server.url, env.users.alice, [item], SHAPE);
    const el = items[0]!.child('Body');
    return { type: el?.attr('BodyType'), text: el?.text };
  }

  /** The item_bodies row of the item with this subject: whether it refers into the MIME, and its content. */
  function bodyRow(subject: string): { in_mime: number; content: string } {
    const db = new Database(join(env.server.dataDir, 'ewsd.sqlite'), { readonly: true });
    try {
      return db
        .prepare('SELECT b.mime_start IS NOT NULL AS in_mime, b.content FROM item_bodies b JOIN items i ON i.id = b.item_id WHERE i.subject = ? ORDER BY i.id DESC LIMIT 1')
        .get(subject) as { in_mime: number; content: string };
    } finally {
      db.close();
    }
  }

  const create = async (raw = RAW) => (await createItems(env.server.url, env.users.alice, [mimeItem(raw)]))[0]!;

  it('keeps the body once (a reference into the MIME, no text in item_bodies) and gives it back exactly', async () => {
    // The reference parse: postal-mime alone, nothing decoded natively, nothing kept by reference.
    assert.equal((await parseMime(RAW, { nativeBase64: false })).html, HTML);
    const item = await create();
    assert.deepEqual(await body(item), { type: 'HTML', text: HTML });
    assert.deepEqual(bodyRow('body in MIME'), { in_mime: 1, content: '' });

    const latin1 = await create(LATIN1);
    assert.deepEqual(await body(latin1), { type: 'Text', text: LATIN1_TEXT });
    assert.deepEqual(bodyRow('latin-1'), { in_mime: 1, content: '' });
  });

  it('a body given beside the MIME is the one kept, as text', async () => {
    const [item] = await createItems(env.server.url, env.users.alice, [
      `<t:Message><t:MimeContent CharacterSet="UTF-8">${RAW.toString('base64').replace('body in MIME', 'x')}</t:MimeContent><t:Subject>given body</t:Subject><t:Body BodyType="Text">given instead</t:Body></t:Message>`,
    ]);
    assert.deepEqual(await body(item!), { type: 'Text', text: 'given instead' });
    assert.deepEqual(bodyRow('given body'), { in_mime: 0, content: 'given instead' });
  });

  it('copies and moves keep the body, also once the original is gone', async () => {
    const item = await create();
    const copy = await copyOrMoveItem(env.server.url, env.users.alice, 'CopyItem', item, 'inbox');
    const move = await copyOrMoveItem(env.server.url, env.users.alice, 'MoveItem', item, 'archive');
    for (const it of [copy, move]) assert.deepEqual(await body(it), { type: 'HTML', text: HTML });
    const deleted = await post(env.server.url, env.users.alice, `<m:DeleteItem DeleteType="HardDelete"><m:ItemIds><t:ItemId Id="${move.id}"/></m:ItemIds></m:DeleteItem>`);
    assert.deepEqual(outcomes(deleted.body), [['Success', 'NoError']]);
    assert.deepEqual(await body(copy), { type: 'HTML', text: HTML });
  });

  it('an update that drops the MIME writes the body into its row first', async () => {
    const item = await create();
    await setItemField(env.server.url, env.users.alice, item, 'item:Subject', '<t:Message><t:Subject>body kept, subject changed</t:Subject></t:Message>');
    assert.deepEqual(await body(item), { type: 'HTML', text: HTML });
    assert.deepEqual(bodyRow('body kept, subject changed'), { in_mime: 0, content: HTML });
  });

  it('an update of the body itself replaces it', async () => {
    const item = await create();
    await setItemField(env.server.url, env.users.alice, item, 'item:Body', '<t:Message><t:Body BodyType="Text">rewritten</t:Body></t:Message>');
    assert.deepEqual(await body(item), { type: 'Text', text: 'rewritten' });
  });

  it('a deleted attachment drops the MIME and keeps the body', async () => {
    const withFile = Buffer.from(
      RAW.toString('latin1')
        .replace('multipart/alternative; boundary="alt"', 'multipart/mixed; boundary="mix"\r\n\r\n--mix\r\nContent-Type: multipart/alternative; boundary="alt"')
        .replace('--alt--\r\n', `--alt--\r\n--mix\r\nContent-Type: application/octet-stream; name="f.bin"\r\nContent-Disposition: attachment; filename="f.bin"\r\nContent-Transfer-Encoding: base64\r\n\r\nAAECAwQF\r\n--mix--\r\n`)
        .replace('Subject: body in MIME', 'Subject: body beside a file'),
      'latin1',
    );
    const item = await create(withFile);
    assert.deepEqual(bodyRow('body beside a file'), { in_mime: 1, content: '' });
    const { items } = await getItems(env.server.url, env.users.alice, [item], '<t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="item:Attachments"/></t:AdditionalProperties>');
    const attachmentId = items[0]!.child('Attachments')!.children[0]!.child('AttachmentId')!.attr('Id')!;
    const deleted = await post(env.server.url, env.users.alice, `<m:DeleteAttachment><m:AttachmentIds><t:AttachmentId Id="${attachmentId}"/></m:AttachmentIds></m:DeleteAttachment>`);
    assert.deepEqual(outcomes(deleted.body), [['Success', 'NoError']]);
    assert.deepEqual(await body(item), { type: 'HTML', text: HTML });
    assert.deepEqual(bodyRow('body beside a file'), { in_mime: 0, content: HTML });
  });

  it('export and upload round trip keeps the body', async () => {
    await exportUploadRoundTrip(env.server.url, env.users.alice, await create(), async (uploaded) => {
      assert.deepEqual(await body(uploaded), { type: 'HTML', text: HTML });
    });
  });
});
