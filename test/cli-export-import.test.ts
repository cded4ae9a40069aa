import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ARCHIVE_HEADER_SIZE, decodeRecord, RECORD_HEADER_SIZE, RecordKind, recordLengths } from '../src/export/archive.js';
import { cli } from './support/cli.js';
import { startTestServer, type TestServer, type TestUser } from './support/server.js';
import { messages, outcomes, post } from './support/soap.js';
import { createItems, getItems, message } from './support/items.js';
import { corpusMessages } from './support/export-corpus.js';

/** Folder display paths (below the top of the mailbox) and their item counts, for the visible tree. */
async function folderTree(url: string, user: TestUser): Promise<Record<string, number>> {
  const reply = await post(
    url,
    user,
    `<m:FindFolder Traversal="Deep"><m:FolderShape><t:BaseShape>Default</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="folder:ParentFolderId"/></t:AdditionalProperties></m:FolderShape>
      <m:ParentFolderIds><t:DistinguishedFolderId Id="msgfolderroot"/></m:ParentFolderIds></m:FindFolder>`,
  );
  const folders = messages(reply.body)[0]!.child('RootFolder')!.child('Folders')!.children;
  const byId = new Map(folders.map((f) => [f.child('FolderId')!.attr('Id')!, f]));
  const path = (f: (typeof folders)[number]): string => {
    const parent = byId.get(f.child('ParentFolderId')!.attr('Id')!);
    return parent ? `${path(parent)}/${f.childText('DisplayName')}` : f.childText('DisplayName')!;
  };
  const out: Record<string, number> = {};
  for (const f of folders) if (Number(f.childText('TotalCount')) > 0) out[path(f)] = Number(f.childText('TotalCount'));
  return out;
}

/** Folder paths and, per folder, the item streams of an archive (record ids are local to a file). */
function archiveContent(b: Buffer): Array<{ path: string; items: string[] }> {
  const out: Array<{ path: string; items: string[] }> = [];
  const byId = new Map<number, { path: string; items: string[] }>();
  for (let at = ARCHIVE_HEADER_SIZE; at < b.length;) {
    const { kind, metaLength, dataLength } = recordLengths(b.subarray(at, at + RECORD_HEADER_SIZE), at);
    const start = at + RECORD_HEADER_SIZE;
    const r = decodeRecord(kind, b.subarray(start, start + metaLength), b.subarray(start + metaLength, start + metaLength + dataLength), at);
    at = start + metaLength + dataLength;
    if (r.kind === RecordKind.Folder) {
      const f = { path: r.meta.path.join('/'), items: [] };
      byId.set(r.meta.id, f);
      out.push(f);
    } else if (r.kind === RecordKind.Item) {
      byId.get(r.meta.folder)!.items.push(r.data.toString('base64'));
    }
  }
  return out;
}

async function folderItemIds(url: string, user: TestUser, folderXml: string) {
  const reply = await post(url, user, `<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>
    <m:SortOrder><t:FieldOrder Order="Ascending"><t:FieldURI FieldURI="item:DateTimeCreated"/></t:FieldOrder></m:SortOrder>
    <m:ParentFolderIds>${folderXml}</m:ParentFolderIds></m:FindItem>`);
  return messages(reply.body)[0]!.child('RootFolder')!.child('Items')!.children.map((i) => ({ id: i.child('ItemId')!.attr('Id')!, changeKey: i.child('ItemId')!.attr('ChangeKey')! }));
}

describe('ewsd export / ewsd import', () => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  let tmp: string;
  before(async () => {
    server = await startTestServer();
    alice = await server.addUser('alice@example.com');
    bob = await server.addUser('bob@example.com');
    tmp = mkdtempSync(join(tmpdir(), 'ewsd-export-cli-'));
    await createItems(server.url, alice, corpusMessages(), '<t:DistinguishedFolderId Id="inbox"/>');
    const created = await post(server.url, alice, `<m:CreateFolder><m:ParentFolderId><t:DistinguishedFolderId Id="inbox"/></m:ParentFolderId>
      <m:Folders><t:Folder><t:DisplayName>Projects</t:DisplayName></t:Folder></m:Folders></m:CreateFolder>`);
    const projects = messages(created.body)[0]!.child('Folders')!.children[0]!.child('FolderId')!.attr('Id')!;
    await createItems(server.url, alice, [message('project a'), message('project b')], `<t:FolderId Id="${projects}"/>`);
    await createItems(server.url, alice, [message('a draft')]);
  });
  after(async () => {
    await server.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('exports a mailbox while the server runs and imports it into another mailbox: same tree, same item data', async () => {
    const file = join(tmp, 'alice.ewsd');
    const exp = await cli(['export', 'alice@example.com', '--out', file, '--data', server.dataDir]);
    assert.equal(exp.code, 0, exp.stderr);
    assert.match(exp.stderr, /^exported 7 items in \d+ folders from alice@example.com/m);
    const imp = await cli(['import', 'bob@example.com', '--in', file, '--data', server.dataDir]);
    assert.equal(imp.code, 0, imp.stderr);
    assert.match(imp.stderr, /^imported 7 items into 3 folders/m);
    assert.deepEqual(await folderTree(server.url, bob), await folderTree(server.url, alice));
    assert.deepEqual(await folderTree(server.url, bob), { Inbox: 4, 'Inbox/Projects': 2, Drafts: 1 });
    // The same bytes come out of bob's mailbox as out of alice's.
    const again = join(tmp, 'bob.ewsd');
    assert.equal((await cli(['export', 'bob@example.com', '--out', again, '--data', server.dataDir])).code, 0);
    assert.deepEqual(archiveContent(readFileSync(again)), archiveContent(readFileSync(file)));
    // And into a fresh data directory with the folder option: the tree lands below "Restored".
    const fresh = join(tmp, 'fresh-data');
    assert.equal((await cli(['user', 'add', 'carol@example.com', '--password', 'pw', '--data', fresh])).code, 0);
    const restored = await cli(['import', 'carol@example.com', '--in', file, '--folder', 'Restored', '--data', fresh]);
    assert.equal(restored.code, 0, restored.stderr);
    const carolOut = join(tmp, 'carol.ewsd');
    const carolExp = await cli(['export', 'carol@example.com', '--folder', 'Restored/Inbox', '--out', carolOut, '--data', fresh]);
    assert.match(carolExp.stderr, /^exported 6 items in 2 folders/m);
  });

  it('resumes an interrupted import without duplicates', async () => {
    const file = join(tmp, 'resume.ewsd');
    assert.equal((await cli(['export', 'alice@example.com', '--folder', 'inbox', '--out', file, '--data', server.dataDir])).code, 0);
    const whole = readFileSync(file);
    const cut = join(tmp, 'cut.ewsd');
    writeFileSync(cut, whole.subarray(0, Math.floor(whole.length * 0.6)));
    await server.addUser('dave@example.com');
    const first = await cli(['import', 'dave@example.com', '--in', cut, '--data', server.dataDir]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /ends without its end record/);
    const partial = Number(/^imported (\d+) items/m.exec(first.stderr)![1]);
    assert.ok(partial > 0 && partial < 6, `part of the items: ${partial}`);
    const second = await cli(['import', 'dave@example.com', '--in', file, '--data', server.dataDir]);
    assert.match(second.stderr, new RegExp(`^imported ${6 - partial} items \\(${partial} already imported\\)`, 'm'));
    const third = await cli(['import', 'dave@example.com', '--in', file, '--data', server.dataDir]);
    assert.match(third.stderr, /^imported 0 items \(6 already imported\)/m);
    const dave = { email: 'dave@example.com', password: 'secret-dave@example.com' };
    assert.deepEqual(await folderTree(server.url, dave), { Inbox: 4, 'Inbox/Projects': 2 });
  });

  it('imports an mbox file (escaped From lines, identical messages kept) and a directory of .eml files, resumably', async () => {
    const msg = (n: number, extra = '') =>
      `From: Sender ${n} <s${n}@example.org>\nTo: alice@example.com\nSubject: mbox ${n} – ü\nDate: Mon, 02 Feb 2026 10:0${n}:00 +0000\nMessage-ID: <m${n}@example.org>\n${extra}MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\nline one\n>From the start of a line\nbye ${n}\n`;
    const mbox = ['From s1@example.org Mon Feb  2 10:01:00 2026', msg(1, 'Status: RO\n'), 'From s2@example.org Mon Feb  2 10:02:00 2026', msg(2, 'Status: O\n'), 'From s1@example.org Mon Feb  2 10:01:00 2026', msg(1, 'Status: RO\n')].join('\n');
    const mboxFile = join(tmp, 'old.mbox');
    writeFileSync(mboxFile, mbox);
    const r1 = await cli(['import', 'alice@example.com', '--in', mboxFile, '--folder', 'Old Mail', '--data', server.dataDir]);
    assert.equal(r1.code, 0, r1.stderr);
    assert.match(r1.stderr, /^imported 3 items into 1 folder of/m);
    const r2 = await cli(['import', 'alice@example.com', '--in', mboxFile, '--folder', 'Old Mail', '--data', server.dataDir]);
    assert.match(r2.stderr, /^imported 0 items \(3 already imported\)/m);
    const found = await post(server.url, alice, `<m:FindFolder Traversal="Shallow"><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape><m:ParentFolderIds><t:DistinguishedFolderId Id="msgfolderroot"/></m:ParentFolderIds></m:FindFolder>`);
    const old = messages(found.body)[0]!.child('RootFolder')!.child('Folders')!.children.find((f) => f.childText('DisplayName') === 'Old Mail')!;
    assert.equal(old.childText('TotalCount'), '3');
    assert.equal(old.childText('UnreadCount'), '1', 'Status: O is unread, RO read');
    const ids = await folderItemIds(server.url, alice, `<t:FolderId Id="${old.child('FolderId')!.attr('Id')}"/>`);
    const { items } = await getItems(server.url, alice, ids, '<t:BaseShape>IdOnly</t:BaseShape><t:IncludeMimeContent>true</t:IncludeMimeContent><t:AdditionalProperties><t:FieldURI FieldURI="item:Subject"/><t:FieldURI FieldURI="item:DateTimeReceived"/></t:AdditionalProperties>');
    const mime = Buffer.from(items[0]!.childText('MimeContent')!, 'base64').toString();
    assert.ok(mime.includes('\nFrom the start of a line\n'), 'the >From escape is undone');
    assert.equal(items[0]!.childText('Subject'), 'mbox 1 – ü');

    const dir = join(tmp, 'eml');
    mkdirSync(dir);
    writeFileSync(join(dir, '001.eml'), msg(3).replace(/\n/g, '\r\n'));
    writeFileSync(join(dir, '002.eml'), msg(4).replace(/\n/g, '\r\n'));
    writeFileSync(join(dir, 'notes.txt'), 'not a message');
    const e1 = await cli(['import', 'alice@example.com', '--in', dir, '--folder', 'Old Mail/Eml', '--data', server.dataDir]);
    assert.equal(e1.code, 0, e1.stderr);
    assert.match(e1.stderr, /^imported 2 items/m);
    const e2 = await cli(['import', 'alice@example.com', '--in', dir, '--folder', 'Old Mail/Eml', '--data', server.dataDir]);
    assert.match(e2.stderr, /^imported 0 items \(2 already imported\)/m);
  });

  it('reports unusable input clearly', async () => {
    const junk = join(tmp, 'junk.bin');
    writeFileSync(junk, 'PK\x03\x04 not mail');
    const r = await cli(['import', 'alice@example.com', '--in', junk, '--data', server.dataDir]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /^ewsd: .* is neither an ewsd archive nor an mbox file/);
    const nobody = await cli(['export', 'nobody@example.com', '--out', join(tmp, 'x'), '--data', server.dataDir]);
    assert.match(nobody.stderr, /^ewsd: no user nobody@example.com/);
    const still = await post(server.url, alice, '<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="inbox"/></m:FolderIds></m:GetFolder>');
    assert.deepEqual(outcomes(still.body), [['Success', 'NoError']]);
  });
});
