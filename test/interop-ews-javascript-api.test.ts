import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import ews from 'ews-javascript-api';
import { ewsJsService, type EwsJsService } from './support/ews-js.js';
import { startTestServer, type TestServer, type TestUser } from './support/server.js';

const {
  Folder, WellKnownFolderName, FolderView, DeleteMode, FolderId, FolderTraversal, SearchFilter, FolderSchema, ContainmentMode, ComparisonMode, CalendarFolder, AlternateId, IdFormat,
} = ews;

describe('ews-javascript-api 0.15.3 against ewsd', () => {
  let server: TestServer;
  let alice: TestUser;
  let service: EwsJsService;
  before(async () => {
    server = await startTestServer();
    alice = await server.addUser('alice@example.com');
    service = ewsJsService(server.url, alice);
  });
  after(() => server.stop());

  it('binds to the Inbox', async () => {
    const inbox = await Folder.Bind(service, WellKnownFolderName.Inbox);
    assert.equal(inbox.DisplayName, 'Inbox');
    assert.equal(inbox.TotalCount, 0);
    assert.equal(inbox.ChildFolderCount, 0);
  });

  it('lists the folders of the message folder root, page by page', async () => {
    const all = await service.FindFolders(WellKnownFolderName.MsgFolderRoot, new FolderView(100));
    const names = all.Folders.map((f) => f.DisplayName);
    for (const name of ['Inbox', 'Drafts', 'Sent Items', 'Deleted Items', 'Calendar', 'Contacts', 'Tasks']) assert.ok(names.includes(name), name);
    assert.equal(all.TotalCount, names.length);
    assert.equal(all.MoreAvailable, false);

    const first = await service.FindFolders(WellKnownFolderName.MsgFolderRoot, new FolderView(5));
    assert.equal(first.Folders.length, 5);
    assert.equal(first.MoreAvailable, true);
    // ews-javascript-api 0.15.3 never copies IndexedPagingOffset into FindFolder's NextPageOffset
    // (FindFolderResponse.ReadElementsFromXmlJsObject): a caller pages by its own count.
    const second = await service.FindFolders(WellKnownFolderName.MsgFolderRoot, new FolderView(5, 5));
    // ews-javascript-api regroups a page's folders by element type (t:Folder, t:CalendarFolder, ...),
    // so compare pages as sets: two pages, ten different folders.
    const paged = new Set([...first.Folders, ...second.Folders].map((f) => f.DisplayName));
    assert.equal(paged.size, 10);
    for (const name of paged) assert.ok(names.includes(name), name);

    const view = new FolderView(500);
    view.Traversal = FolderTraversal.Deep;
    const deep = await service.FindFolders(WellKnownFolderName.MsgFolderRoot, view);
    assert.ok(deep.Folders.some((f) => f.DisplayName === 'Conflicts'), 'Deep reaches subfolders');
  });

  it('creates a folder in the Inbox, finds it, and deletes it', async () => {
    const folder = new Folder(service);
    folder.DisplayName = 'Receipts';
    await folder.Save(WellKnownFolderName.Inbox);
    assert.ok(folder.Id?.UniqueId, 'the new folder has an id');

    const bound = await Folder.Bind(service, new FolderId(folder.Id.UniqueId));
    assert.equal(bound.DisplayName, 'Receipts');
    assert.equal(bound.FolderClass, 'IPF.Note');
    const inbox = await Folder.Bind(service, WellKnownFolderName.Inbox);
    assert.equal(inbox.ChildFolderCount, 1);

    bound.DisplayName = 'Receipts 2026';
    await bound.Update();
    const children = await service.FindFolders(WellKnownFolderName.Inbox, new FolderView(10));
    assert.deepEqual(children.Folders.map((f) => f.DisplayName), ['Receipts 2026']);

    await bound.Delete(DeleteMode.HardDelete);
    const after = await service.FindFolders(WellKnownFolderName.Inbox, new FolderView(10));
    assert.equal(after.TotalCount, 0);
  });

  it('reports a duplicate folder name as the error Exchange gives', async () => {
    const a = new Folder(service);
    a.DisplayName = 'Twice';
    await a.Save(WellKnownFolderName.Inbox);
    const b = new Folder(service);
    b.DisplayName = 'Twice';
    await assert.rejects(b.Save(WellKnownFolderName.Inbox), (err: { ErrorCode?: number; message?: string }) => {
      assert.match(String(err.message), /already exists/);
      return true;
    });
  });

  it('moves, copies and searches folders, and creates a calendar', async () => {
    const work = new Folder(service);
    work.DisplayName = 'Work';
    await work.Save(WellKnownFolderName.Inbox);
    const sub = new Folder(service);
    sub.DisplayName = 'Reports';
    await sub.Save(work.Id);

    const copy = await work.Copy(WellKnownFolderName.Drafts);
    assert.notEqual(copy.Id.UniqueId, work.Id.UniqueId);
    const moved = await work.Move(WellKnownFolderName.DeletedItems);
    assert.equal(moved.Id.UniqueId, work.Id.UniqueId);

    const view = new FolderView(50);
    view.Traversal = FolderTraversal.Deep;
    const filter = new SearchFilter.ContainsSubstring(FolderSchema.DisplayName, 'report', ContainmentMode.Prefixed, ComparisonMode.IgnoreCase);
    const reports = await service.FindFolders(WellKnownFolderName.MsgFolderRoot, filter, view);
    assert.equal(reports.TotalCount, 2, 'the original (now in Deleted Items) and the copy in Drafts');

    const byName = await service.FindFolders(WellKnownFolderName.DeletedItems, new SearchFilter.IsEqualTo(FolderSchema.DisplayName, 'WORK'), new FolderView(10));
    assert.deepEqual(byName.Folders.map((f) => f.DisplayName), ['Work']);

    const calendar = new CalendarFolder(service);
    calendar.DisplayName = 'Holidays';
    await calendar.Save(WellKnownFolderName.Calendar);
    const bound = await Folder.Bind(service, calendar.Id);
    assert.equal(bound.FolderClass, 'IPF.Appointment');
    assert.ok(bound instanceof CalendarFolder);
  });

  it("converts its root folder id and learns the owner's address", async () => {
    const root = await Folder.Bind(service, WellKnownFolderName.Root);
    const converted = await service.ConvertId(new AlternateId(IdFormat.EwsId, root.Id.UniqueId, 'someone@else.example'), IdFormat.HexEntryId);
    const alt = converted as InstanceType<typeof AlternateId>;
    assert.equal(alt.Mailbox, 'alice@example.com');
    assert.match(alt.UniqueId, /^[0-9A-F]+$/);
  });
});
