import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { XmlElement } from '../src/soap/xml-element.js';
import { parseXml } from '../src/soap/xml-parser.js';
import { fault } from './support/fault.js';
import { createItems, itemIdXml, message, type ItemIdPair } from './support/items.js';
import { useTestServer, type TestUser } from './support/server.js';
import { messages, NS, outcomes, post, postRaw, SEEDS } from './support/soap.js';

interface SyncPage {
  state: string;
  last: boolean;
  changes: XmlElement[];
  reply: Awaited<ReturnType<typeof post>>;
}

async function sync(url: string, user: TestUser, opts: { folder?: string; state?: string; max?: number; ignore?: ItemIdPair[]; shape?: string } = {}): Promise<SyncPage> {
  const reply = await post(
    url,
    user,
    `<m:SyncFolderItems><m:ItemShape>${opts.shape ?? '<t:BaseShape>IdOnly</t:BaseShape>'}</m:ItemShape>` +
      `<m:SyncFolderId>${opts.folder ?? '<t:DistinguishedFolderId Id="inbox"/>'}</m:SyncFolderId>` +
      (opts.state ? `<m:SyncState>${opts.state}</m:SyncState>` : '') +
      (opts.ignore ? `<m:Ignore>${itemIdXml(opts.ignore)}</m:Ignore>` : '') +
      `<m:MaxChangesReturned>${opts.max ?? 512}</m:MaxChangesReturned></m:SyncFolderItems>`,
  );
  const m = messages(reply.body)[0]!;
  return { state: m.childText('SyncState') ?? '', last: m.childText('IncludesLastItemInRange') === 'true', changes: m.child('Changes')?.children ?? [], reply };
}

const kinds = (page: SyncPage) => page.changes.map((c) => `${c.name}:${c.children[0]!.name}`);
const inbox = '<t:DistinguishedFolderId Id="inbox"/>';
const sentitems = '<t:DistinguishedFolderId Id="sentitems"/>';

/** The element structure of a response message: names and (trimmed) texts, ids and keys aside. */
function shapeOf(el: XmlElement): unknown {
  return [el.name, el.children.length ? el.children.map(shapeOf) : el.text.trim()];
}

describe('SyncFolderItems', () => {
  const env = useTestServer('alice', 'bob');

  it("replays the seed's request: a MeetingRequest out of Sent Items, the Ignore'd item left out", async () => {
    const first = await sync(env.server.url, env.users.alice, { folder: sentitems });
    assert.equal(first.last, true);
    const [meeting, ignored] = await createItems(
      env.server.url,
      env.users.alice,
      [message('Budget Q3', '<t:ItemClass>IPM.Schedule.Meeting.Request</t:ItemClass>'), message('ignore me')],
      sentitems,
    );
    // The seed's request as written (https namespace aliases included), with a real state and id.
    const seed = readFileSync(join(SEEDS, 'SyncFolderItems.request.xml'), 'utf8')
      .replace('AEbJ94eMOAAA=', first.state)
      .replace('Id="AQApAHRAA==" ChangeKey="CQAAABY"', `Id="${ignored!.id}" ChangeKey="${ignored!.changeKey}"`);
    const reply = await postRaw(env.server.url, env.users.alice, seed);
    assert.deepEqual(outcomes(reply.body), [['Success', 'NoError']]);
    const m = messages(reply.body)[0]!;
    assert.deepEqual(
      m.children.map((c) => c.name),
      ['ResponseCode', 'SyncState', 'IncludesLastItemInRange', 'Changes'],
    );
    assert.equal(m.childText('IncludesLastItemInRange'), 'true');
    const creates = m.child('Changes')!.children;
    assert.deepEqual(creates.map((c) => `${c.name}:${c.children[0]!.name}`), ['Create:MeetingRequest']);
    const item = creates[0]!.children[0]!;
    assert.equal(item.child('ItemId')!.attr('Id'), meeting!.id);
    assert.equal(item.childText('Subject'), 'Budget Q3');
    assert.equal(item.childText('Sensitivity'), 'Normal');
    assert.equal(item.child('Body'), undefined, 'no Body, as in FindItem');
    // The seed's success response has the same frame.
    const expected = parseXml(readFileSync(join(SEEDS, 'SyncFolderItems.response-success.xml'), 'utf8'));
    const seedMessage = expected.child('Body', NS.soap)!.children[0]!.child('ResponseMessages')!.children[0]!;
    assert.deepEqual(
      seedMessage.children.map((c) => c.name),
      m.children.map((c) => c.name),
    );
  });

  it("answers the seed's corrupt state exactly as the seed's error response, and so every forged, truncated or foreign state", async () => {
    const seed = readFileSync(join(SEEDS, 'SyncFolderItems.request.xml'), 'utf8');
    const reply = await postRaw(env.server.url, env.users.alice, seed);
    const expected = parseXml(readFileSync(join(SEEDS, 'SyncFolderItems.response-invalid-syncstate.xml'), 'utf8'));
    const seedMessage = expected.child('Body', NS.soap)!.children[0]!.child('ResponseMessages')!.children[0]!;
    const got = messages(reply.body)[0]!;
    assert.deepEqual(shapeOf(got), shapeOf(seedMessage));
    assert.equal(got.attr('ResponseClass'), 'Error');

    const good = (await sync(env.server.url, env.users.alice)).state;
    const bobState = (await sync(env.server.url, env.users.bob)).state;
    const draftsState = (await sync(env.server.url, env.users.alice, { folder: '<t:DistinguishedFolderId Id="drafts"/>' })).state;
    const raw = Buffer.from(good, 'base64');
    const flipped = Buffer.from(raw);
    flipped[30]! ^= 1;
    for (const bad of [good.slice(0, -8), flipped.toString('base64'), bobState, draftsState, 'not base64!', Buffer.alloc(raw.length).toString('base64')]) {
      const page = await sync(env.server.url, env.users.alice, { state: bad });
      assert.deepEqual(outcomes(page.reply.body), [['Error', 'ErrorInvalidSyncStateData']], bad);
      assert.equal(page.state, '');
      assert.equal(page.last, true);
    }
  });

  it('refuses MaxChangesReturned outside 1..512 with a schema fault, and answers an unknown folder with ErrorFolderNotFound', async () => {
    for (const max of [0, 513, -1]) {
      const f = fault(await post(env.server.url, env.users.alice, `<m:SyncFolderItems><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:SyncFolderId>${inbox}</m:SyncFolderId><m:MaxChangesReturned>${max}</m:MaxChangesReturned></m:SyncFolderItems>`));
      assert.equal(f.responseCode, 'ErrorSchemaValidation');
    }
    const page = await sync(env.server.url, env.users.alice, { folder: '<t:DistinguishedFolderId Id="publicfoldersroot"/>' });
    assert.deepEqual(outcomes(page.reply.body), [['Error', 'ErrorFolderNotFound']]);
    assert.equal(page.last, true);
  });

  it('pages a folder, then reports updates, read-flag changes, deletions and moves in and out', async () => {
    const ids = await createItems(env.server.url, env.users.alice, [1, 2, 3, 4, 5].map((i) => message(`p${i}`)), inbox);
    let page = await sync(env.server.url, env.users.alice, { max: 2 });
    const seen: string[] = [];
    for (;;) {
      assert.ok(page.changes.length <= 2);
      seen.push(...page.changes.map((c) => c.children[0]!.child('ItemId')!.attr('Id')!));
      if (page.last) break;
      page = await sync(env.server.url, env.users.alice, { max: 2, state: page.state });
    }
    assert.deepEqual(seen, ids.map((i) => i.id));
    const state = page.state;
    assert.equal((await sync(env.server.url, env.users.alice, { state })).changes.length, 0);

    const mark = (id: ItemIdPair, field: string, xml: string) =>
      post(env.server.url, env.users.alice, `<m:UpdateItem ConflictResolution="AlwaysOverwrite" MessageDisposition="SaveOnly"><m:ItemChanges><t:ItemChange>${itemIdXml([id])}<t:Updates><t:SetItemField><t:FieldURI FieldURI="${field}"/><t:Message>${xml}</t:Message></t:SetItemField></t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>`);
    await mark(ids[0]!, 'message:IsRead', '<t:IsRead>true</t:IsRead>');
    await mark(ids[1]!, 'item:Subject', '<t:Subject>renamed</t:Subject>');
    await post(env.server.url, env.users.alice, `<m:DeleteItem DeleteType="HardDelete"><m:ItemIds>${itemIdXml([ids[2]!])}</m:ItemIds></m:DeleteItem>`);
    const moved = await post(env.server.url, env.users.alice, `<m:MoveItem><m:ToFolderId><t:DistinguishedFolderId Id="archive"/></m:ToFolderId><m:ItemIds>${itemIdXml([ids[3]!])}</m:ItemIds></m:MoveItem>`);
    assert.deepEqual(outcomes(moved.body), [['Success', 'NoError']]);
    const [created] = await createItems(env.server.url, env.users.alice, [message('new')], inbox);
    const after = await sync(env.server.url, env.users.alice, { state, shape: '<t:BaseShape>Default</t:BaseShape>' });
    assert.deepEqual(kinds(after), ['ReadFlagChange:ItemId', 'Update:Message', 'Delete:ItemId', 'Delete:ItemId', 'Create:Message']);
    const [read, update, , , create] = after.changes;
    assert.equal(read!.childText('IsRead'), 'true');
    assert.equal(update!.children[0]!.childText('Subject'), 'renamed');
    assert.equal(create!.children[0]!.child('ItemId')!.attr('Id'), created!.id);
    // Reusing the older state gives the same changes again.
    assert.deepEqual(kinds(await sync(env.server.url, env.users.alice, { state, shape: '<t:BaseShape>Default</t:BaseShape>' })), kinds(after));
  });

  it('answers a state older than the tombstone retention with ErrorInvalidSyncStateData; a fresh sync recovers', async () => {
    const folder = '<t:DistinguishedFolderId Id="junkemail"/>';
    const [doomed] = await createItems(env.server.url, env.users.alice, [message('doomed')], folder);
    const old = await sync(env.server.url, env.users.alice, { folder });
    await post(env.server.url, env.users.alice, `<m:DeleteItem DeleteType="HardDelete"><m:ItemIds>${itemIdXml([doomed!])}</m:ItemIds></m:DeleteItem>`);
    assert.ok((await env.server.store.purgeTombstones(new Date(Date.now() + 1000))) >= 1);
    const expired = await sync(env.server.url, env.users.alice, { folder, state: old.state });
    assert.deepEqual(outcomes(expired.reply.body), [['Error', 'ErrorInvalidSyncStateData']]);
    const fresh = await sync(env.server.url, env.users.alice, { folder });
    assert.deepEqual(outcomes(fresh.reply.body), [['Success', 'NoError']]);
    assert.equal(fresh.changes.length, 0);
  });
});
