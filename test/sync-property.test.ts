/**
 * Property test over real HTTP: random interleavings of create, edit, read-flag, move, copy and
 * delete (EWS requests) with SyncFolderItems pages of random sizes and reuse of older states. A
 * client replaying the changes must end with exactly the folder's content, and never see a Create
 * for an id it has, or an Update/ReadFlagChange/Delete for one it does not.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { prng } from './store-conformance-sync.js';
import { createItems, itemIdXml, message } from './support/items.js';
import { useTestServer } from './support/server.js';
import { messages, outcomes, post } from './support/soap.js';

type Replica = Map<string, { subject: string; isRead: boolean }>;

describe('SyncFolderItems property (seeded, over HTTP)', () => {
  const env = useTestServer('alice');

  const list = async (folder: string): Promise<Replica> => {
    const reply = await post(
      env.server.url,
      env.users.alice,
      `<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>Default</t:BaseShape></m:ItemShape><m:ParentFolderIds><t:DistinguishedFolderId Id="${folder}"/></m:ParentFolderIds></m:FindItem>`,
    );
    const out: Replica = new Map();
    for (const el of messages(reply.body)[0]!.child('RootFolder')!.child('Items')!.children) {
      out.set(el.child('ItemId')!.attr('Id')!, { subject: el.childText('Subject') ?? '', isRead: el.childText('IsRead') === 'true' });
    }
    return out;
  };

  for (const seed of [11, 12]) {
    it(`seed ${seed}: the replica always converges to the folder`, async () => {
      const rnd = prng(seed);
      const inbox = `inbox`;
      const other = seed % 2 ? 'archive' : 'junkemail';
      const folderXml = (f: string) => `<t:DistinguishedFolderId Id="${f}"/>`;
      let replica: Replica = new Map();
      let state: string | undefined;
      const saved: Array<{ state: string | undefined; replica: Replica }> = [];
      let n = 0;
      const pick = <T>(xs: T[]): T | undefined => (xs.length ? xs[Math.floor(rnd() * xs.length)] : undefined);
      const update = (id: string, field: string, xml: string) =>
        post(
          env.server.url,
          env.users.alice,
          `<m:UpdateItem ConflictResolution="AlwaysOverwrite" MessageDisposition="SaveOnly"><m:ItemChanges><t:ItemChange><t:ItemId Id="${id}"/><t:Updates><t:SetItemField><t:FieldURI FieldURI="${field}"/><t:Message>${xml}</t:Message></t:SetItemField></t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>`,
        );
      const syncPage = async () => {
        const reply = await post(
          env.server.url,
          env.users.alice,
          `<m:SyncFolderItems><m:ItemShape><t:BaseShape>Default</t:BaseShape></m:ItemShape><m:SyncFolderId>${folderXml(inbox)}</m:SyncFolderId>` +
            (state ? `<m:SyncState>${state}</m:SyncState>` : '') +
            `<m:MaxChangesReturned>${1 + Math.floor(rnd() * 6)}</m:MaxChangesReturned></m:SyncFolderItems>`,
        );
        assert.deepEqual(outcomes(reply.body), [['Success', 'NoError']]);
        const m = messages(reply.body)[0]!;
        for (const c of m.child('Changes')!.children) {
          const el = c.children[0]!;
          const id = (el.name === 'ItemId' ? el : el.child('ItemId')!).attr('Id')!;
          if (c.name === 'Create') {
            assert.ok(!replica.has(id), `Create for an id the client has (seed ${seed})`);
            replica.set(id, { subject: el.childText('Subject') ?? '', isRead: el.childText('IsRead') === 'true' });
          } else {
            assert.ok(replica.has(id), `${c.name} for an id the client does not have (seed ${seed})`);
            if (c.name === 'Update') replica.set(id, { subject: el.childText('Subject') ?? '', isRead: el.childText('IsRead') === 'true' });
            else if (c.name === 'ReadFlagChange') replica.set(id, { ...replica.get(id)!, isRead: c.childText('IsRead') === 'true' });
            else replica.delete(id);
          }
        }
        state = m.childText('SyncState');
        return m.childText('IncludesLastItemInRange') === 'true';
      };
      for (let step = 0; step < 40; step++) {
        const r = rnd();
        const here = [...(await list(inbox)).keys()];
        if (r < 0.2) {
          await createItems(env.server.url, env.users.alice, Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => message(`p${seed}-${n++}`)), folderXml(inbox));
        } else if (r < 0.3) {
          const id = pick(here);
          if (id) await update(id, 'item:Subject', `<t:Subject>edited ${n++}</t:Subject>`);
        } else if (r < 0.42) {
          const id = pick(here);
          if (id) await update(id, 'message:IsRead', `<t:IsRead>${rnd() < 0.5}</t:IsRead>`);
        } else if (r < 0.5) {
          const id = pick(here);
          if (id) await post(env.server.url, env.users.alice, `<m:MoveItem><m:ToFolderId>${folderXml(other)}</m:ToFolderId><m:ItemIds><t:ItemId Id="${id}"/></m:ItemIds></m:MoveItem>`);
        } else if (r < 0.56) {
          const id = pick([...(await list(other)).keys()]);
          const op = rnd() < 0.5 ? 'MoveItem' : 'CopyItem';
          if (id) await post(env.server.url, env.users.alice, `<m:${op}><m:ToFolderId>${folderXml(inbox)}</m:ToFolderId><m:ItemIds><t:ItemId Id="${id}"/></m:ItemIds></m:${op}>`);
        } else if (r < 0.64) {
          const id = pick(here);
          if (id) await post(env.server.url, env.users.alice, `<m:DeleteItem DeleteType="${rnd() < 0.5 ? 'HardDelete' : 'MoveToDeletedItems'}"><m:ItemIds>${itemIdXml([{ id, changeKey: '' }]).replace(' ChangeKey=""', '')}</m:ItemIds></m:DeleteItem>`);
        } else if (r < 0.67 && saved.length) {
          const old = saved[Math.floor(rnd() * saved.length)]!;
          state = old.state;
          replica = new Map(old.replica);
        } else {
          await syncPage();
          if (rnd() < 0.25) saved.push({ state, replica: new Map(replica) });
        }
      }
      for (let guard = 0; guard < 1000 && !(await syncPage()); guard++);
      assert.deepEqual(new Map([...replica].sort()), new Map([...(await list(inbox))].sort()));
    });
  }
});
