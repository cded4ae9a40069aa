import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { useTestServer } from './support/server.js';
import { messages, outcomes, post } from './support/soap.js';
import { copyOrMoveItem, createItems, getItems, idOf, setItemField, type ItemIdPair } from './support/items.js';
import { exportUploadRoundTrip } from './support/export.js';
import { base64Lines, pseudoRandomBytes } from './support/bytes.js';

/**
 * Attachments of an item created from MIME are kept once, inside the MIME (store: attachments
 * rows refer to the base64 text in item_mime). Every way of reading them must still give the
 * exact bytes, also after the MIME goes away or the item is copied, moved, exported.
 */
const bytes = pseudoRandomBytes;
const b64 = (buf: Buffer) => base64Lines(buf);

const PDF = bytes(50_000, 1);
const PNG = bytes(3_000, 2);
const SMALL = bytes(40, 3);
const RAW = Buffer.from(
  [
    'From: Alice <alice@example.com>',
    'To: Bob <bob@example.org>',
    'Subject: with attachments',
    'Date: Mon, 23 Nov 2026 10:00:00 +0000',
    'Message-ID: <att-in-mime@example.com>',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="outer"',
    '',
    '--outer',
    'Content-Type: multipart/related; boundary="rel"',
    '',
    '--rel',
    'Content-Type: text/html; charset=utf-8',
    '',
    '<p>see <img src="cid:logo@x"></p>',
    '--rel',
    'Content-Type: image/png',
    'Content-Transfer-Encoding: base64',
    'Content-ID: <logo@x>',
    '',
    b64(PNG),
    '--rel--',
    '--outer',
    'Content-Type: application/pdf; name="report.pdf"',
    'Content-Transfer-Encoding: base64',
    'Content-Disposition: attachment; filename="report.pdf"',
    '',
    b64(PDF),
    '--outer',
    'Content-Type: application/octet-stream; name="small.bin"',
    'Content-Transfer-Encoding: base64',
    'Content-Disposition: attachment; filename="small.bin"',
    '',
    b64(SMALL),
    '--outer--',
    '',
  ].join('\r\n'),
);
const EXPECTED = [PNG, PDF, SMALL];

const mimeItem = `<t:Message><t:MimeContent CharacterSet="UTF-8">${RAW.toString('base64')}</t:MimeContent></t:Message>`;
const SHAPE = '<t:BaseShape>IdOnly</t:BaseShape><t:IncludeMimeContent>true</t:IncludeMimeContent><t:AdditionalProperties><t:FieldURI FieldURI="item:Attachments"/></t:AdditionalProperties>';

describe('attachment bytes kept inside the item MIME', () => {
  const env = useTestServer('alice');

  /** GetItem (MIME and attachment ids), then GetAttachment of each; returns the MIME and the contents. */
  async function read(item: ItemIdPair): Promise<{ mime: Buffer | undefined; contents: Buffer[] }> {
    const { items } = await getItems(env.server.url, env.users.alice, [item], SHAPE);
    const el = items[0]!;
    const mimeText = el.childText('MimeContent');
    const ids = el.child('Attachments')!.children.map((a) => a.child('AttachmentId')!.attr('Id')!);
    const got = await post(env.server.url, env.users.alice, `<m:GetAttachment><m:AttachmentIds>${ids.map((id) => `<t:AttachmentId Id="${id}"/>`).join('')}</m:AttachmentIds></m:GetAttachment>`);
    assert.deepEqual(outcomes(got.body), ids.map(() => ['Success', 'NoError']));
    const contents = messages(got.body).map((m) => Buffer.from(m.child('Attachments')!.children[0]!.childText('Content')!, 'base64'));
    return { mime: mimeText === undefined ? undefined : Buffer.from(mimeText, 'base64'), contents };
  }

  const create = async () => (await createItems(env.server.url, env.users.alice, [mimeItem]))[0]!;

  it('keeps the big parts once (no copy in the attachment rows) and gives back the exact bytes and MIME', async () => {
    const item = await create();
    const { mime, contents } = await read(item);
    assert.ok(mime?.equals(RAW), 'MimeContent byte for byte');
    assert.deepEqual(contents, EXPECTED);
    const db = new Database(join(env.server.dataDir, 'ewsd.sqlite'), { readonly: true });
    try {
      const rows = db.prepare('SELECT name, content IS NULL AS kept_in_mime FROM attachments ORDER BY id DESC LIMIT 3').all() as Array<{ name: string; kept_in_mime: number }>;
      assert.deepEqual(rows.reverse(), [
        { name: 'attachment', kept_in_mime: 1 },
        { name: 'report.pdf', kept_in_mime: 1 },
        { name: 'small.bin', kept_in_mime: 0 },
      ]);
    } finally {
      db.close();
    }
  });

  it('copies and moves keep the bytes', async () => {
    const item = await create();
    const copy = await copyOrMoveItem(env.server.url, env.users.alice, 'CopyItem', item, 'inbox');
    const move = await copyOrMoveItem(env.server.url, env.users.alice, 'MoveItem', item, 'archive');
    for (const it of [copy, move]) {
      const { mime, contents } = await read(it);
      assert.ok(mime?.equals(RAW));
      assert.deepEqual(contents, EXPECTED);
    }
  });

  it('an update that drops the MIME keeps the bytes', async () => {
    const item = await create();
    await setItemField(env.server.url, env.users.alice, item, 'item:Subject', '<t:Message><t:Subject>changed</t:Subject></t:Message>');
    const { mime, contents } = await read(item);
    assert.ok(mime && !mime.equals(RAW), 'the MIME is composed anew');
    assert.match(mime.toString('latin1'), /Subject: changed/);
    assert.deepEqual(contents, EXPECTED);
  });

  it('deleting one attachment and adding another keep the other bytes', async () => {
    const item = await create();
    const { items } = await getItems(env.server.url, env.users.alice, [item], SHAPE);
    const pdfId = items[0]!.child('Attachments')!.children[1]!.child('AttachmentId')!.attr('Id')!;
    const deleted = await post(env.server.url, env.users.alice, `<m:DeleteAttachment><m:AttachmentIds><t:AttachmentId Id="${pdfId}"/></m:AttachmentIds></m:DeleteAttachment>`);
    assert.deepEqual(outcomes(deleted.body), [['Success', 'NoError']]);
    assert.deepEqual((await read(item)).contents, [PNG, SMALL]);

    const other = await create();
    const added = await post(
      env.server.url,
      env.users.alice,
      `<m:CreateAttachment><m:ParentItemId Id="${other.id}"/><m:Attachments><t:FileAttachment><t:Name>extra.bin</t:Name><t:Content>${SMALL.toString('base64')}</t:Content></t:FileAttachment></m:Attachments></m:CreateAttachment>`,
    );
    assert.deepEqual(outcomes(added.body), [['Success', 'NoError']]);
    assert.deepEqual((await read(other)).contents, [...EXPECTED, SMALL]);
  });

  it('a message sent from MIME keeps its attachment bytes in the Sent Items copy, whose headers were completed', async () => {
    // No Date and a Bcc: the copy's MIME is the sent one (Date added, Bcc dropped), so the offsets
    // the parse found in the client's MIME do not apply to it.
    const sent = Buffer.from(RAW.toString('latin1').replace('Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n', 'Bcc: carol@example.net\r\n').replace('att-in-mime@', 'att-sent@').replace('Subject: with attachments', 'Subject: sent with attachments'), 'latin1');
    const reply = await post(
      env.server.url,
      env.users.alice,
      `<m:CreateItem MessageDisposition="SendAndSaveCopy"><m:SavedItemFolderId><t:DistinguishedFolderId Id="sentitems"/></m:SavedItemFolderId><m:Items><t:Message><t:MimeContent>${sent.toString('base64')}</t:MimeContent></t:Message></m:Items></m:CreateItem>`,
    );
    assert.deepEqual(outcomes(reply.body), [['Success', 'NoError']]);
    const found = await post(
      env.server.url,
      env.users.alice,
      `<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="item:Subject"/></t:AdditionalProperties></m:ItemShape><m:ParentFolderIds><t:DistinguishedFolderId Id="sentitems"/></m:ParentFolderIds></m:FindItem>`,
    );
    const copy = messages(found.body)[0]!.child('RootFolder')!.child('Items')!.children.find((i) => i.childText('Subject') === 'sent with attachments');
    assert.ok(copy, 'the copy is in Sent Items');
    const { mime, contents } = await read(idOf(copy));
    assert.ok(mime && !mime.toString('latin1').includes('Bcc:') && mime.toString('latin1').includes('Date:'), 'the copy holds the MIME as sent');
    assert.deepEqual(contents, EXPECTED);
  });

  it('export and upload round trip keeps the bytes', async () => {
    await exportUploadRoundTrip(env.server.url, env.users.alice, await create(), async (uploaded) => {
      const { mime, contents } = await read(uploaded);
      assert.ok(mime?.equals(RAW));
      assert.deepEqual(contents, EXPECTED);
    });
  });
});
