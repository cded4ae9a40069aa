import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import ews from 'ews-javascript-api';
import { ewsJsService, type EwsJsService } from './support/ews-js.js';
import { startTestServer, type TestServer, type TestUser } from './support/server.js';

const {
  AffectedTaskOccurrence, BasePropertySet, BodyType, ConflictResolutionMode, DeleteMode, EmailMessage, EmailMessageSchema, FolderId, ItemId, MessageBody, MessageDisposition, PropertySet, SendCancellationsMode, SendInvitationsMode, SendInvitationsOrCancellationsMode, ServiceError, ServiceResult, WellKnownFolderName,
} = ews;

// The C# examples pass null for the meeting-related modes (nothing to invite or cancel); the typings want an enum.
type Modes = { invitations: typeof SendInvitationsMode; cancellations: typeof SendCancellationsMode; updates: typeof SendInvitationsOrCancellationsMode };
const NO_INVITATIONS = null as unknown as Modes['invitations'][keyof Modes['invitations']];
const NO_CANCELLATIONS = null as unknown as Modes['cancellations'][keyof Modes['cancellations']];
const NO_UPDATES = null as unknown as Modes['updates'][keyof Modes['updates']];

/** The seed's C# batch examples (004), ported to the EWS Managed API's TypeScript twin. */
describe('message items through ews-javascript-api (the seed flow)', () => {
  let server: TestServer;
  let alice: TestUser;
  let service: EwsJsService;
  before(async () => {
    server = await startTestServer();
    alice = await server.addUser('alice@example.com');
    service = ewsJsService(server.url, alice);
  });
  after(() => server.stop());

  const drafts = () => new FolderId(WellKnownFolderName.Drafts);
  const subjectAndTo = () => new PropertySet(BasePropertySet.IdOnly, [EmailMessageSchema.Subject, EmailMessageSchema.ToRecipients]);

  async function createBatch(subjects: string[]): Promise<InstanceType<typeof ItemId>[]> {
    const batch = subjects.map((subject, i) => {
      const m = new EmailMessage(service);
      m.Subject = subject;
      m.Body = new MessageBody(BodyType.HTML, `<p>message ${i}</p>`);
      m.ToRecipients.Add(`person${i}@contoso.com`);
      return m;
    });
    const response = await service.CreateItems(batch, drafts(), MessageDisposition.SaveOnly, NO_INVITATIONS);
    assert.equal(response.OverallResult, ServiceResult.Success);
    assert.equal(response.Count, subjects.length);
    for (let i = 0; i < response.Count; i++) assert.equal(response.__thisIndexer(i).Result, ServiceResult.Success);
    return batch.map((m) => m.Id);
  }

  it('CreateItems, BindToItems, UpdateItems (AutoResolve) and DeleteItems (SoftDelete) all succeed', async () => {
    const subjects = ['Project priorities', 'Company Soccer Team', 'Code Blast'];
    const ids = await createBatch(subjects);
    assert.equal(new Set(ids.map((id) => id.UniqueId)).size, 3);

    const bound = await service.BindToItems(ids, subjectAndTo());
    assert.equal(bound.OverallResult, ServiceResult.Success);
    const items = [];
    for (let i = 0; i < bound.Count; i++) {
      const r = bound.__thisIndexer(i);
      assert.equal(r.Result, ServiceResult.Success);
      const item = r.Item as InstanceType<typeof EmailMessage>;
      assert.equal(item.Subject, subjects[i]);
      assert.equal(item.ToRecipients._getItem(0).Address, `person${i}@contoso.com`);
      items.push(item);
    }

    for (const item of items) item.Subject = `Updated: ${item.Subject}`;
    const updated = await service.UpdateItems(items, drafts(), ConflictResolutionMode.AutoResolve, MessageDisposition.SaveOnly, NO_UPDATES);
    assert.equal(updated.OverallResult, ServiceResult.Success);
    for (let i = 0; i < updated.Count; i++) assert.equal(updated.__thisIndexer(i).Result, ServiceResult.Success);
    items.forEach((item, i) => assert.equal(item.Id.UniqueId, ids[i]!.UniqueId, 'the item keeps its id'));

    const reread = await service.BindToItems(ids, subjectAndTo());
    for (let i = 0; i < reread.Count; i++) assert.equal((reread.__thisIndexer(i).Item as InstanceType<typeof EmailMessage>).Subject, `Updated: ${subjects[i]}`);

    const deleted = await service.DeleteItems(ids, DeleteMode.SoftDelete, NO_CANCELLATIONS, AffectedTaskOccurrence.AllOccurrences);
    assert.equal(deleted.OverallResult, ServiceResult.Success);
    for (let i = 0; i < deleted.Count; i++) assert.equal(deleted.__thisIndexer(i).Result, ServiceResult.Success);
  });

  it('reports per-item errors when items were deleted or changed in between', async () => {
    const ids = await createBatch(['first', 'second', 'third', 'fourth']);
    const stale = await service.BindToItems(ids, subjectAndTo());
    const staleItems = Array.from({ length: stale.Count }, (_, i) => stale.__thisIndexer(i).Item as InstanceType<typeof EmailMessage>);

    // Meanwhile: the second item is deleted, the third one's subject is changed by someone else.
    const gone = await service.DeleteItems([ids[1]!], DeleteMode.HardDelete, NO_CANCELLATIONS, AffectedTaskOccurrence.AllOccurrences);
    assert.equal(gone.OverallResult, ServiceResult.Success);
    const other = await service.BindToItems([ids[2]!], subjectAndTo());
    const otherItem = other.__thisIndexer(0).Item as InstanceType<typeof EmailMessage>;
    otherItem.Subject = 'changed elsewhere';
    const otherUpdate = await service.UpdateItems([otherItem], drafts(), ConflictResolutionMode.AutoResolve, MessageDisposition.SaveOnly, NO_UPDATES);
    assert.equal(otherUpdate.OverallResult, ServiceResult.Success);

    const bound = await service.BindToItems(ids, subjectAndTo());
    assert.equal(bound.OverallResult, ServiceResult.Error);
    assert.deepEqual(
      Array.from({ length: bound.Count }, (_, i) => bound.__thisIndexer(i).Result),
      [ServiceResult.Success, ServiceResult.Error, ServiceResult.Success, ServiceResult.Success],
    );
    assert.equal(bound.__thisIndexer(1).ErrorCode, ServiceError.ErrorItemNotFound);
    assert.match(bound.__thisIndexer(1).ErrorMessage, /not found/);
    assert.equal((bound.__thisIndexer(2).Item as InstanceType<typeof EmailMessage>).Subject, 'changed elsewhere');

    // Updating the stale copies: the deleted one is not found, the subject changed elsewhere collides.
    for (const item of staleItems) item.Subject = `mine: ${item.Subject}`;
    const updated = await service.UpdateItems(staleItems, drafts(), ConflictResolutionMode.AutoResolve, MessageDisposition.SaveOnly, NO_UPDATES);
    assert.equal(updated.OverallResult, ServiceResult.Error);
    const codes = Array.from({ length: updated.Count }, (_, i) => updated.__thisIndexer(i).ErrorCode);
    assert.deepEqual(codes, [ServiceError.NoError, ServiceError.ErrorItemNotFound, ServiceError.ErrorIrresolvableConflict, ServiceError.NoError]);

    // DeleteItems succeeds for every id, the already-deleted one included.
    const deleted = await service.DeleteItems(ids, DeleteMode.SoftDelete, NO_CANCELLATIONS, AffectedTaskOccurrence.AllOccurrences);
    assert.equal(deleted.OverallResult, ServiceResult.Success);
    assert.equal(deleted.Count, 4);

    // A garbled id is the one delete that fails.
    const garbled = await service.DeleteItems([new ItemId('garbled')], DeleteMode.HardDelete, NO_CANCELLATIONS, AffectedTaskOccurrence.AllOccurrences);
    assert.equal(garbled.OverallResult, ServiceResult.Error);
    assert.equal(garbled.__thisIndexer(0).ErrorCode, ServiceError.ErrorInvalidIdMalformed);
  });
});
