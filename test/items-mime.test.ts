import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMime } from '../src/mime/parse-mime.js';
import { useTestServer } from './support/server.js';
import { messages, outcomes, post } from './support/soap.js';
import { createItems, folderCounts, getItems, idOf } from './support/items.js';

const crlf = (s: string) => s.replace(/\r?\n/g, '\r\n');

/** A small corpus: the shapes real mailboxes hold. */
const CORPUS: Record<string, Buffer> = {
  alternative: Buffer.from(
    crlf(`From: =?UTF-8?Q?J=C3=B6rg_M=C3=BCller?= <joerg@example.com>
To: Alice <alice@example.com>, bob@example.org
Subject: =?UTF-8?B?R3LDvMOfZSDigJMg5p2x5Lqs?=
Date: Tue, 03 Oct 2023 09:08:07 +0200
Message-ID: <alt-1@example.com>
X-Custom: kept
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="b1"

--b1
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Hall=C3=B6 Welt
--b1
Content-Type: text/html; charset=utf-8

<p>Hallö <b>Welt</b></p>
--b1--
`),
  ),
  latin1: Buffer.concat([
    Buffer.from(crlf('From: sender@example.com\nTo: alice@example.com\nSubject: =?ISO-8859-1?Q?caf=E9?=\nDate: Mon, 02 Jan 2023 10:00:00 +0000\nMIME-Version: 1.0\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: 8bit\n\n')),
    Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x20, 0x63, 0x72, 0xe8, 0x6d, 0x65, 0x0d, 0x0a]),
  ]),
  attachments: Buffer.from(
    crlf(`From: sender@example.com
To: alice@example.com
Subject: files
Date: Mon, 02 Jan 2023 10:00:00 +0000
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="m1"

--m1
Content-Type: text/plain; charset=us-ascii

see attached
--m1
Content-Type: application/octet-stream; name="data.bin"
Content-Disposition: attachment; filename="data.bin"
Content-Transfer-Encoding: base64

AAECA/8=
--m1
Content-Type: message/rfc822

From: inner@example.com
Subject: inner message
Date: Mon, 02 Jan 2023 09:00:00 +0000

inner body
--m1--
`),
  ),
  japanese: Buffer.from(
    crlf(`From: =?ISO-2022-JP?B?GyRCJDMkcyRLJEEkTxsoQg==?= <jp@example.jp>
To: alice@example.com
Subject: =?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?=
Date: Mon, 02 Jan 2023 10:00:00 +0900
MIME-Version: 1.0
Content-Type: text/plain; charset=ISO-2022-JP
Content-Transfer-Encoding: 7bit

\x1b$B$3$s$K$A$O\x1b(B
`),
    'latin1',
  ),
};

describe('MimeContent both ways', () => {
  const env = useTestServer('alice');

  it('creates items from MIME (DavMail APPEND style) and returns the MIME byte for byte', async () => {
    const names = Object.keys(CORPUS);
    // Extended properties first, MimeContent after: DavMail writes them in HashMap order.
    const items = names.map(
      (n) =>
        `<t:Message><t:ExtendedProperty><t:ExtendedFieldURI PropertyTag="0xe07" PropertyType="Integer"/><t:Value>1</t:Value></t:ExtendedProperty>` +
        `<t:ExtendedProperty><t:ExtendedFieldURI PropertyTag="0xe06" PropertyType="SystemTime"/><t:Value>2023-01-05T06:07:08.000Z</t:Value></t:ExtendedProperty>` +
        `<t:MimeContent CharacterSet="UTF-8">${CORPUS[n]!.toString('base64')}</t:MimeContent></t:Message>`,
    );
    const ids = await createItems(env.server.url, env.users.alice, items, '<t:DistinguishedFolderId Id="inbox"/>');
    const { items: got } = await getItems(
      env.server.url,
      env.users.alice,
      ids,
      '<t:BaseShape>AllProperties</t:BaseShape><t:IncludeMimeContent>true</t:IncludeMimeContent><t:AdditionalProperties><t:FieldURI FieldURI="item:Attachments"/></t:AdditionalProperties>',
    );
    got.forEach((m, i) => {
      const mime = m!.child('MimeContent')!;
      assert.equal(mime.attr('CharacterSet'), 'UTF-8');
      assert.ok(Buffer.from(mime.text, 'base64').equals(CORPUS[names[i]!]!), `${names[i]} comes back byte for byte`);
      assert.equal(m!.childText('IsRead'), 'true');
      assert.equal(m!.childText('IsDraft'), 'false');
      assert.equal(m!.childText('DateTimeReceived'), '2023-01-05T06:07:08Z');
      assert.equal(Number(m!.childText('Size')), CORPUS[names[i]!]!.length);
    });
    const [alt, latin1, files, japanese] = got;
    assert.equal(alt!.childText('Subject'), 'Grüße – 東京');
    assert.equal(alt!.child('From')!.child('Mailbox')!.childText('Name'), 'Jörg Müller');
    assert.deepEqual(alt!.child('ToRecipients')!.all('Mailbox').map((m) => m.childText('EmailAddress')), ['alice@example.com', 'bob@example.org']);
    assert.equal(alt!.childText('DateTimeSent'), '2023-10-03T07:08:07Z');
    assert.equal(alt!.childText('InternetMessageId'), '<alt-1@example.com>');
    assert.equal(alt!.child('Body')!.attr('BodyType'), 'HTML');
    assert.match(alt!.childText('Body')!, /Hallö <b>Welt<\/b>/);
    assert.ok(alt!.child('InternetMessageHeaders')!.all('InternetMessageHeader').some((h) => h.attr('HeaderName') === 'X-Custom' && h.text === 'kept'));
    assert.equal(latin1!.childText('Subject'), 'café');
    assert.equal(latin1!.childText('Body'), 'café crème');
    const atts = files!.child('Attachments')!.children;
    assert.deepEqual(atts.map((a) => [a.name, a.childText('Name')]), [['FileAttachment', 'data.bin'], ['ItemAttachment', 'inner message']]);
    assert.equal(files!.childText('HasAttachments'), 'true');
    assert.equal(japanese!.childText('Subject'), 'テスト');
    assert.equal(japanese!.child('From')!.child('Mailbox')!.childText('Name'), 'こんにちは');
  });

  it('composes MIME for items created from properties, Bcc included for drafts, and again after an update', async () => {
    const [id] = await createItems(env.server.url, env.users.alice, [
      `<t:Message><t:Subject>Composé</t:Subject><t:Body BodyType="HTML">&lt;p&gt;Hi&lt;/p&gt;</t:Body>
       <t:ToRecipients><t:Mailbox><t:Name>Bob</t:Name><t:EmailAddress>bob@example.com</t:EmailAddress></t:Mailbox></t:ToRecipients>
       <t:BccRecipients><t:Mailbox><t:EmailAddress>secret@example.com</t:EmailAddress></t:Mailbox></t:BccRecipients>
       <t:Attachments><t:FileAttachment><t:Name>n.txt</t:Name><t:ContentType>text/plain</t:ContentType><t:Content>${Buffer.from('note').toString('base64')}</t:Content></t:FileAttachment></t:Attachments></t:Message>`,
    ]);
    const mimeOf = async () => {
      const { items } = await getItems(env.server.url, env.users.alice, [id!], '<t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="item:MimeContent"/></t:AdditionalProperties>');
      return { item: items[0]!, mime: await parseMime(Buffer.from(items[0]!.childText('MimeContent')!, 'base64')) };
    };
    const { item, mime } = await mimeOf();
    assert.equal(mime.subject, 'Composé');
    assert.deepEqual(mime.to, [{ name: 'Bob', address: 'bob@example.com' }]);
    assert.deepEqual(mime.bcc, [{ address: 'secret@example.com' }]);
    assert.equal(mime.html, '<p>Hi</p>');
    assert.equal(mime.attachments[0]!.content.toString(), 'note');

    const key = idOf(item);
    const upd = await post(
      env.server.url,
      env.users.alice,
      `<m:UpdateItem ConflictResolution="AutoResolve" MessageDisposition="SaveOnly"><m:ItemChanges><t:ItemChange><t:ItemId Id="${key.id}" ChangeKey="${key.changeKey}"/><t:Updates><t:SetItemField><t:FieldURI FieldURI="item:Subject"/><t:Message><t:Subject>Changed</t:Subject></t:Message></t:SetItemField></t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>`,
    );
    assert.deepEqual(outcomes(upd.body), [['Success', 'NoError']]);
    assert.equal((await mimeOf()).mime.subject, 'Changed');
  });

  it('recomposes the MIME of a MIME-created item once a visible property changes', async () => {
    const [id] = await createItems(env.server.url, env.users.alice, [`<t:Message><t:MimeContent>${CORPUS.latin1!.toString('base64')}</t:MimeContent></t:Message>`]);
    const upd = await post(
      env.server.url,
      env.users.alice,
      `<m:UpdateItem ConflictResolution="AlwaysOverwrite"><m:ItemChanges><t:ItemChange><t:ItemId Id="${id!.id}"/><t:Updates><t:SetItemField><t:FieldURI FieldURI="item:Subject"/><t:Message><t:Subject>thé</t:Subject></t:Message></t:SetItemField></t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>`,
    );
    assert.deepEqual(outcomes(upd.body), [['Success', 'NoError']]);
    const { items } = await getItems(env.server.url, env.users.alice, [id!], '<t:BaseShape>IdOnly</t:BaseShape><t:IncludeMimeContent>true</t:IncludeMimeContent>');
    const mime = await parseMime(Buffer.from(items[0]!.childText('MimeContent')!, 'base64'));
    assert.equal(mime.subject, 'thé');
    assert.equal(mime.text, 'café crème');
  });

  it('keeps the MIME of an item whose read flag alone changes, and tracks the flag, its version and the counts', async () => {
    const [id] = await createItems(env.server.url, env.users.alice, [`<t:Message><t:MimeContent>${CORPUS.alternative!.toString('base64')}</t:MimeContent></t:Message>`], '<t:DistinguishedFolderId Id="inbox"/>');
    const before = await folderCounts(env.server.url, env.users.alice, 'inbox');
    const setRead = (value: boolean, key: { id: string; changeKey?: string }, mode = 'AlwaysOverwrite') =>
      post(
        env.server.url,
        env.users.alice,
        `<m:UpdateItem ConflictResolution="${mode}"><m:ItemChanges><t:ItemChange><t:ItemId Id="${key.id}"${key.changeKey ? ` ChangeKey="${key.changeKey}"` : ''}/><t:Updates><t:SetItemField><t:FieldURI FieldURI="message:IsRead"/><t:Message><t:IsRead>${value}</t:IsRead></t:Message></t:SetItemField></t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>`,
      );
    const unread = await setRead(false, id!);
    assert.deepEqual(outcomes(unread.body), [['Success', 'NoError']]);
    const afterUnread = idOf(messages(unread.body)[0]!.child('Items')!.children[0]!);
    assert.notEqual(afterUnread.changeKey, id!.changeKey);
    assert.deepEqual(await folderCounts(env.server.url, env.users.alice, 'inbox'), { total: before.total, unread: before.unread + 1 });
    const { items } = await getItems(env.server.url, env.users.alice, [id!], '<t:BaseShape>AllProperties</t:BaseShape><t:IncludeMimeContent>true</t:IncludeMimeContent>');
    assert.equal(items[0]!.childText('IsRead'), 'false');
    assert.equal(items[0]!.childText('Subject'), 'Grüße – 東京');
    assert.ok(Buffer.from(items[0]!.childText('MimeContent')!, 'base64').equals(CORPUS.alternative!), 'the MIME is kept byte for byte');
    assert.equal(idOf(items[0]!).changeKey, afterUnread.changeKey);
    // The flag's own version moved: an AutoResolve change of it from the old ChangeKey collides.
    assert.deepEqual(outcomes((await setRead(true, id!, 'AutoResolve')).body), [['Error', 'ErrorIrresolvableConflict']]);
    assert.deepEqual(outcomes((await setRead(true, afterUnread, 'AutoResolve')).body), [['Success', 'NoError']]);
    assert.deepEqual(await folderCounts(env.server.url, env.users.alice, 'inbox'), before);
  });

  it('refuses MimeContent that is not base64, for that item only', async () => {
    const reply = await post(
      env.server.url,
      env.users.alice,
      `<m:CreateItem MessageDisposition="SaveOnly"><m:Items><t:Message><t:MimeContent>not base64 at all!</t:MimeContent></t:Message><t:Message><t:Subject>ok</t:Subject></t:Message></m:Items></m:CreateItem>`,
    );
    assert.deepEqual(outcomes(reply.body), [
      ['Error', 'ErrorMimeContentInvalidBase64String'],
      ['Success', 'NoError'],
    ]);
    assert.equal(messages(reply.body)[0]!.child('Items')!.children.length, 0);
  });
});
