// UpdateItem changes that only set IsRead take the store's narrow path (Store.setReadFlags);
// these tests hold it to what the general path does, for items kept as MIME and items kept as
// properties alike.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createItems, getItems, idOf, message, type ItemIdPair } from './support/items.js';
import { useTestServer } from './support/server.js';
import { messages, outcomes, post } from './support/soap.js';

const INBOX = '<t:DistinguishedFolderId Id="inbox"/>';

function mimeMessage(subject: string): string {
  const mime = Buffer.from(`From: a@example.com\r\nTo: b@example.com\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '')}@example.com>\r\n\r\nbody of ${subject}\r\n`);
  return `<t:Message><t:MimeContent CharacterSet="UTF-8">${mime.toString('base64')}</t:MimeContent><t:IsRead>false</t:IsRead></t:Message>`;
}

const setField = (key: ItemIdPair, field: string, value: string) =>
  `<t:ItemChange><t:ItemId Id="${key.id}" ChangeKey="${key.changeKey}"/><t:Updates><t:SetItemField><t:FieldURI FieldURI="${field}"/><t:Message>${value}</t:Message></t:SetItemField></t:Updates></t:ItemChange>`;
const setRead = (key: ItemIdPair, isRead = true) => setField(key, 'message:IsRead', `<t:IsRead>${isRead}</t:IsRead>`);
const setSubject = (key: ItemIdPair, subject: string) => setField(key, 'item:Subject', `<t:Subject>${subject}</t:Subject>`);

describe('UpdateItem of the read flag alone', () => {
  const env = useTestServer('alice');

  async function update(mode: string, changes: string[]) {
    const reply = await post(env.server.url, env.users.alice, `<m:UpdateItem ConflictResolution="${mode}" MessageDisposition="SaveOnly"><m:ItemChanges>${changes.join('')}</m:ItemChanges></m:UpdateItem>`);
    const keys = messages(reply.body).map((m) => (m.child('Items')?.children[0] ? idOf(m.child('Items')!.children[0]!) : undefined));
    return { outcomes: outcomes(reply.body), keys, reply };
  }

  async function readState(ids: ItemIdPair[]) {
    const { items } = await getItems(env.server.url, env.users.alice, ids, '<t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="message:IsRead"/><t:FieldURI FieldURI="item:Subject"/></t:AdditionalProperties>');
    return items.map((m) => ({ key: idOf(m!), isRead: m!.childText('IsRead'), subject: m!.childText('Subject') }));
  }

  it('sets flags that GetItem, FindItem and the unread count show; a missing item fails alone, in request order', async () => {
    const folder = await post(
      env.server.url,
      env.users.alice,
      `<m:CreateFolder><m:ParentFolderId>${INBOX}</m:ParentFolderId><m:Folders><t:Folder><t:DisplayName>flags</t:DisplayName></t:Folder></m:Folders></m:CreateFolder>`,
    );
    const folderId = messages(folder.body)[0]!.child('Folders')!.children[0]!.child('FolderId')!.attr('Id')!;
    const where = `<t:FolderId Id="${folderId}"/>`;
    const [m1, m2, gone, m3] = await createItems(env.server.url, env.users.alice, [mimeMessage('m1'), mimeMessage('m2'), mimeMessage('gone'), mimeMessage('m3')], where);
    const [p1] = await createItems(env.server.url, env.users.alice, [message('p1', '<t:IsRead>false</t:IsRead>')], where);
    await post(env.server.url, env.users.alice, `<m:DeleteItem DeleteType="HardDelete"><m:ItemIds><t:ItemId Id="${gone!.id}"/></m:ItemIds></m:DeleteItem>`);
    const counts = await post(
      env.server.url,
      env.users.alice,
      `<m:GetFolder><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape><m:FolderIds>${where}</m:FolderIds></m:GetFolder>`,
    );
    assert.equal(messages(counts.body)[0]!.child('Folders')!.children[0]!.childText('UnreadCount'), '4');

    const done = await update('AlwaysOverwrite', [setRead(m1!), setRead(gone!), setRead(p1!), setRead(m3!)]);
    assert.deepEqual(done.outcomes, [
      ['Success', 'NoError'],
      ['Error', 'ErrorItemNotFound'],
      ['Success', 'NoError'],
      ['Success', 'NoError'],
    ]);
    assert.deepEqual(
      done.keys.map((k) => k?.id),
      [m1!.id, undefined, p1!.id, m3!.id],
    );
    const now = await readState([m1!, p1!, m3!, m2!]);
    assert.deepEqual(
      now.map((s) => [s.isRead, s.subject]),
      [
        ['true', 'm1'],
        ['true', 'p1'],
        ['true', 'm3'],
        ['false', 'm2'],
      ],
    );
    // The ChangeKeys handed back are the items' new versions.
    assert.deepEqual(
      now.slice(0, 3).map((s) => s.key.changeKey),
      [done.keys[0]!.changeKey, done.keys[2]!.changeKey, done.keys[3]!.changeKey],
    );
    assert.notEqual(done.keys[0]!.changeKey, m1!.changeKey);

    const after = await post(
      env.server.url,
      env.users.alice,
      `<m:GetFolder><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape><m:FolderIds>${where}</m:FolderIds></m:GetFolder>`,
    );
    const f = messages(after.body)[0]!.child('Folders')!.children[0]!;
    assert.deepEqual([f.childText('TotalCount'), f.childText('UnreadCount')], ['4', '1']);
    const found = await post(
      env.server.url,
      env.users.alice,
      `<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="message:IsRead"/></t:AdditionalProperties></m:ItemShape>` +
        `<m:Restriction><t:IsEqualTo><t:FieldURI FieldURI="message:IsRead"/><t:FieldURIOrConstant><t:Constant Value="false"/></t:FieldURIOrConstant></t:IsEqualTo></m:Restriction>` +
        `<m:ParentFolderIds>${where}</m:ParentFolderIds></m:FindItem>`,
    );
    const unread = messages(found.body)[0]!.child('RootFolder')!.child('Items')!.children;
    assert.deepEqual(
      unread.map((m) => idOf(m).id),
      [m2!.id],
    );
    // The MIME stays what it was: the flag is not part of it.
    const { items } = await getItems(env.server.url, env.users.alice, [m1!], '<t:BaseShape>IdOnly</t:BaseShape><t:IncludeMimeContent>true</t:IncludeMimeContent>');
    assert.match(Buffer.from(items[0]!.childText('MimeContent')!, 'base64').toString(), /^From: a@example.com\r\n[\s\S]*body of m1/);
  });

  for (const kind of ['MIME', 'properties'] as const) {
    it(`keeps the ChangeKey rules of every conflict mode (an item kept as ${kind})`, async () => {
      const [v1] = await createItems(env.server.url, env.users.alice, [kind === 'MIME' ? mimeMessage(`conflicts ${kind}`) : message(`conflicts ${kind}`, '<t:IsRead>false</t:IsRead>')], INBOX);
      const v2 = await update('NeverOverwrite', [setRead(v1!)]);
      assert.deepEqual(v2.outcomes, [['Success', 'NoError']]);
      // NeverOverwrite: any stale key conflicts.
      assert.deepEqual((await update('NeverOverwrite', [setRead(v1!, false)])).outcomes, [['Error', 'ErrorIrresolvableConflict']]);
      // AutoResolve: the flag changed after v1, so a change of it from v1 conflicts...
      assert.deepEqual((await update('AutoResolve', [setRead(v1!, false)])).outcomes, [['Error', 'ErrorIrresolvableConflict']]);
      // ...but after another field changed (v3), a change of the flag from v2 still applies. (Categories
      // leave the MIME alone, so the item kept as MIME stays so; the flag's version is then in its props.)
      const other = kind === 'MIME' ? setField(v2.keys[0]!, 'item:Categories', '<t:Categories><t:String>c</t:String></t:Categories>') : setSubject(v2.keys[0]!, 'renamed');
      const v3 = await update('AutoResolve', [other]);
      assert.deepEqual(v3.outcomes, [['Success', 'NoError']]);
      assert.deepEqual((await update('AutoResolve', [setRead(v1!, false)])).outcomes, [['Error', 'ErrorIrresolvableConflict']]);
      assert.deepEqual((await update('NeverOverwrite', [setRead(v2.keys[0]!, false)])).outcomes, [['Error', 'ErrorIrresolvableConflict']]);
      const v4 = await update('AutoResolve', [setRead(v2.keys[0]!, false)]);
      assert.deepEqual(v4.outcomes, [['Success', 'NoError']]);
      // A key from the future conflicts; a malformed one is refused; AlwaysOverwrite looks at neither.
      const stale = { id: v1!.id, changeKey: v4.keys[0]!.changeKey };
      await update('AlwaysOverwrite', [setSubject(v4.keys[0]!, 'again')]);
      const [state] = await readState([v1!]);
      assert.deepEqual((await update('AutoResolve', [setRead({ id: v1!.id, changeKey: bump(state!.key.changeKey) })])).outcomes, [['Error', 'ErrorIrresolvableConflict']]);
      assert.deepEqual((await update('AutoResolve', [setRead({ id: v1!.id, changeKey: 'garbage' })])).outcomes, [['Error', 'ErrorInvalidChangeKey']]);
      assert.deepEqual((await update('AlwaysOverwrite', [setRead(stale, true)])).outcomes, [['Success', 'NoError']]);
      const [final] = await readState([v1!]);
      assert.deepEqual([final!.isRead, final!.subject], ['true', 'again']);
    });
  }

  it('keeps request order in batches mixing flag changes with other changes, of the same item too', async () => {
    const [a, b, c] = await createItems(env.server.url, env.users.alice, [mimeMessage('a'), mimeMessage('b'), message('c', '<t:IsRead>false</t:IsRead>')], INBOX);
    const mixed = await update('AutoResolve', [setSubject(b!, 'b2'), setRead(a!), setRead(c!), setRead(b!)]);
    assert.deepEqual(mixed.outcomes, Array(4).fill(['Success', 'NoError']));
    assert.deepEqual(
      mixed.keys.map((k) => k!.id),
      [b!.id, a!.id, c!.id, b!.id],
    );
    // b's two changes applied in order: the flag change carries b's newest key.
    const [bNow] = await readState([b!]);
    assert.deepEqual([bNow!.isRead, bNow!.subject, bNow!.key.changeKey], ['true', 'b2', mixed.keys[3]!.changeKey]);
    // The same item twice with the key it had: the second change meets a newer version (NeverOverwrite refuses).
    const [d] = await createItems(env.server.url, env.users.alice, [mimeMessage('d')], INBOX);
    const twice = await update('NeverOverwrite', [setRead(d!), setSubject(d!, 'd2')]);
    assert.deepEqual(twice.outcomes, [
      ['Success', 'NoError'],
      ['Error', 'ErrorIrresolvableConflict'],
    ]);
    const flagsTwice = await update('NeverOverwrite', [setRead(twice.keys[0]!, false), setRead(twice.keys[0]!, true)]);
    assert.deepEqual(flagsTwice.outcomes, [
      ['Success', 'NoError'],
      ['Error', 'ErrorIrresolvableConflict'],
    ]);
    const [dNow] = await readState([d!]);
    assert.deepEqual([dNow!.isRead, dNow!.subject], ['false', 'd']);
    // Flag changes are written together at the end of the batch: an item named twice still ends as
    // its last change says, each change gets its own newer ChangeKey, and an item kept without MIME
    // in between (the full update path) takes its version in the same sequence.
    const [e, f] = await createItems(env.server.url, env.users.alice, [mimeMessage('e'), message('f', '<t:IsRead>false</t:IsRead>')], INBOX);
    const seq = await update('AlwaysOverwrite', [setRead(e!, true), setRead(f!, true), setRead(e!, false)]);
    assert.deepEqual(seq.outcomes, Array(3).fill(['Success', 'NoError']));
    const modseqs = seq.keys.map((k) => Buffer.from(k!.changeKey, 'base64').readBigUInt64BE(1));
    assert.ok(modseqs[0]! < modseqs[1]! && modseqs[1]! < modseqs[2]!, `ChangeKeys in order: ${modseqs.join(' ')}`);
    const [eNow, fNow] = await readState([e!, f!]);
    assert.deepEqual([eNow!.isRead, eNow!.key.changeKey, fNow!.isRead, fNow!.key.changeKey], ['false', seq.keys[2]!.changeKey, 'true', seq.keys[1]!.changeKey]);
  });

  it('is a ReadFlagChange for SyncFolderItems', async () => {
    const bob = await env.server.addUser('bob@example.com');
    const sync = async (state?: string) => {
      const reply = await post(
        env.server.url,
        bob,
        `<m:SyncFolderItems><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:SyncFolderId>${INBOX}</m:SyncFolderId>` +
          (state ? `<m:SyncState>${state}</m:SyncState>` : '') +
          `<m:MaxChangesReturned>100</m:MaxChangesReturned></m:SyncFolderItems>`,
      );
      const m = messages(reply.body)[0]!;
      return { state: m.childText('SyncState')!, changes: m.child('Changes')?.children ?? [] };
    };
    const [x, y] = await createItems(env.server.url, bob, [mimeMessage('x'), message('y', '<t:IsRead>false</t:IsRead>')], INBOX);
    const first = await sync();
    assert.equal(first.changes.length, 2);
    const reply = await post(
      env.server.url,
      bob,
      `<m:UpdateItem ConflictResolution="AutoResolve" MessageDisposition="SaveOnly"><m:ItemChanges>${setRead(x!)}${setRead(y!)}</m:ItemChanges></m:UpdateItem>`,
    );
    assert.deepEqual(outcomes(reply.body), Array(2).fill(['Success', 'NoError']));
    const next = await sync(first.state);
    assert.deepEqual(
      next.changes.map((c) => [c.name, c.child('ItemId')!.attr('Id'), c.childText('IsRead')]),
      [
        ['ReadFlagChange', x!.id, 'true'],
        ['ReadFlagChange', y!.id, 'true'],
      ],
    );
  });
});

/** A ChangeKey naming a version one newer than `key` (ids.ts: the modseq is the key's last 8 bytes). */
function bump(key: string): string {
  const bytes = Buffer.from(key, 'base64');
  bytes.writeBigUInt64BE(bytes.readBigUInt64BE(bytes.length - 8) + 1n, bytes.length - 8);
  return bytes.toString('base64');
}
