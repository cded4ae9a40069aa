import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import ews from 'ews-javascript-api';
import { createItems, message } from './support/items.js';
import { ewsJsService, type EwsJsService } from './support/ews-js.js';
import { startTestServer, type TestServer, type TestUser } from './support/server.js';

const {
  BasePropertySet, ChangeType, FolderId, ItemId, PropertySet, SyncFolderItemsScope, WellKnownFolderName,
} = ews;

describe('SyncFolderItems and SyncFolderHierarchy through ews-javascript-api', () => {
  let server: TestServer;
  let alice: TestUser;
  let service: EwsJsService;
  before(async () => {
    server = await startTestServer();
    alice = await server.addUser('alice@example.com');
    service = ewsJsService(server.url, alice);
  });
  after(() => server.stop());

  it('pages SyncFolderItems with Ignore, then gets the incremental changes', async () => {
    const ids = await createItems(server.url, alice, Array.from({ length: 7 }, (_, i) => message(`ejs ${i}`)), '<t:DistinguishedFolderId Id="inbox"/>');
    const inbox = new FolderId(WellKnownFolderName.Inbox);
    const idOnly = new PropertySet(BasePropertySet.IdOnly);
    const ignored = [new ItemId(ids[2]!.id)];
    let state = null as unknown as string;
    const got: string[] = [];
    let pages = 0;
    for (;;) {
      const changes: ews.ChangeCollection<ews.ItemChange> = await service.SyncFolderItems(inbox, idOnly, ignored, 3, SyncFolderItemsScope.NormalItems, state);
      pages++;
      assert.ok(changes.Count <= 3);
      for (const c of changes.GetEnumerator()) {
        assert.equal(c.ChangeType, ChangeType.Create);
        got.push(c.ItemId.UniqueId);
      }
      state = changes.SyncState;
      if (!changes.MoreChangesAvailable) break;
    }
    assert.ok(pages >= 3, `paged (${pages} pages)`);
    assert.deepEqual(got, ids.filter((_, i) => i !== 2).map((i) => i.id));

    // A deletion and a read-flag change since that state.
    const item = await ews.EmailMessage.Bind(service, new ItemId(ids[0]!.id));
    item.IsRead = true;
    await item.Update(ews.ConflictResolutionMode.AlwaysOverwrite);
    await service.DeleteItems([new ItemId(ids[1]!.id)], ews.DeleteMode.HardDelete, null as never, null as never);
    const changes = await service.SyncFolderItems(inbox, idOnly, null as never, 100, SyncFolderItemsScope.NormalItems, state);
    const seen = changes.GetEnumerator().map((c) => [ChangeType[c.ChangeType], c.ItemId.UniqueId, c.ChangeType === ChangeType.ReadFlagChange ? c.IsRead : undefined]);
    assert.deepEqual(seen, [
      ['ReadFlagChange', ids[0]!.id, true],
      ['Delete', ids[1]!.id, undefined],
    ]);
    assert.equal(changes.MoreChangesAvailable, false);
  });

  it('SyncFolderHierarchy returns the mailbox folders, then a new folder', async () => {
    const first = await service.SyncFolderHierarchy(new PropertySet(BasePropertySet.FirstClassProperties), null as unknown as string);
    const names = first.GetEnumerator().map((c) => c.Folder.DisplayName);
    assert.ok(names.includes('Inbox') && names.includes('Calendar'), names.join(', '));
    const folder = new ews.Folder(service);
    folder.DisplayName = 'From ejs';
    await folder.Save(WellKnownFolderName.Inbox);
    const next = await service.SyncFolderHierarchy(new PropertySet(BasePropertySet.FirstClassProperties), first.SyncState);
    assert.deepEqual(next.GetEnumerator().map((c) => [ChangeType[c.ChangeType], c.Folder?.DisplayName]), [['Create', 'From ejs']]);
  });
});
