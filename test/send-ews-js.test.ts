import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import ews from 'ews-javascript-api';
import { ewsJsService, type EwsJsService } from './support/ews-js.js';
import { startTestServer, type TestServer, type TestUser } from './support/server.js';
import { SmtpPeer } from './support/smtp-peer.js';
import { waitFor } from './support/wait.js';

const {
  BasePropertySet, BodyType, EmailMessage, FolderId, ItemView, MessageBody, MessageDisposition, PropertySet, SendInvitationsMode, ServiceResult, WellKnownFolderName, EmailMessageSchema, ItemSchema,
} = ews;

const NO_INVITATIONS = null as unknown as (typeof SendInvitationsMode)[keyof typeof SendInvitationsMode];

type Service = EwsJsService;
const serviceFor = ewsJsService;

async function subjectsIn(service: Service, folder: number): Promise<string[]> {
  const found = await service.FindItems(new FolderId(folder), new ItemView(100));
  return found.Items.map((i) => i.Subject).sort();
}

/** Sending with the EWS Managed API's TypeScript twin: the seed's batch send (004) and EmailMessage.Send / SendAndSaveCopy. */
describe('sending through ews-javascript-api', () => {
  let server: TestServer;
  let relay: SmtpPeer;
  let alice: TestUser;
  let bob: TestUser;
  let service: Service;
  let bobService: Service;
  before(async () => {
    relay = await SmtpPeer.start();
    server = await startTestServer({ relay: { host: '127.0.0.1', port: relay.port, security: 'none' } });
    alice = await server.addUser('alice@example.com');
    bob = await server.addUser('bob@example.com');
    service = serviceFor(server.url, alice);
    bobService = serviceFor(server.url, bob);
  });
  after(async () => {
    await server.stop();
    await relay.close();
  });

  it("the seed's CreateItems with SendAndSaveCopy to Sent Items: three messages sent, three copies kept", async () => {
    const batch = ['Project priorities', 'Company Soccer Team', 'Code Blast'].map((subject, i) => {
      const m = new EmailMessage(service);
      m.Subject = subject;
      m.Body = new MessageBody(BodyType.HTML, `<p>message ${i}</p>`);
      m.ToRecipients.Add(i === 0 ? 'bob@example.com' : `person${i}@contoso.com`);
      return m;
    });
    const response = await service.CreateItems(batch, new FolderId(WellKnownFolderName.SentItems), MessageDisposition.SendAndSaveCopy, NO_INVITATIONS);
    assert.equal(response.OverallResult, ServiceResult.Success);
    assert.equal(response.Count, 3);
    assert.deepEqual(await subjectsIn(service, WellKnownFolderName.SentItems), ['Code Blast', 'Company Soccer Team', 'Project priorities']);
    assert.deepEqual(await subjectsIn(bobService, WellKnownFolderName.Inbox), ['Project priorities']);
    await waitFor('the relay to get the two remote messages', () => relay.received.length === 2);
    assert.deepEqual(relay.received.map((r) => r.to).flat().sort(), ['person1@contoso.com', 'person2@contoso.com']);
  });

  it('EmailMessage.Send() of a new message keeps no copy; SendAndSaveCopy() keeps one in Sent Items', async () => {
    const sentBefore = (await subjectsIn(service, WellKnownFolderName.SentItems)).length;
    const m = new EmailMessage(service);
    m.Subject = 'sent only';
    m.Body = new MessageBody(BodyType.Text, 'no copy');
    m.ToRecipients.Add('bob@example.com');
    await m.Send();
    assert.equal((await subjectsIn(service, WellKnownFolderName.SentItems)).length, sentBefore);

    const k = new EmailMessage(service);
    k.Subject = 'sent and saved';
    k.Body = new MessageBody(BodyType.Text, 'with copy');
    k.ToRecipients.Add('bob@example.com');
    k.BccRecipients.Add('hidden@contoso.com');
    await k.SendAndSaveCopy();
    assert.ok((await subjectsIn(service, WellKnownFolderName.SentItems)).includes('sent and saved'));
    const inbox = await subjectsIn(bobService, WellKnownFolderName.Inbox);
    assert.ok(inbox.includes('sent only') && inbox.includes('sent and saved'));
    await waitFor('the relay to get the Bcc copy', () => relay.for('hidden@contoso.com').length === 1);
    assert.doesNotMatch(relay.for('hidden@contoso.com')[0]!.raw.toString(), /hidden@contoso\.com/);
  });

  it('a saved draft: Send() sends it (SendItem) and it leaves Drafts; a changed draft is updated and sent (UpdateItem SendAndSaveCopy)', async () => {
    const draft = new EmailMessage(service);
    draft.Subject = 'draft to send';
    draft.Body = new MessageBody(BodyType.Text, 'first');
    draft.ToRecipients.Add('bob@example.com');
    await draft.Save(new FolderId(WellKnownFolderName.Drafts));
    await draft.SendAndSaveCopy();
    assert.deepEqual(await subjectsIn(service, WellKnownFolderName.Drafts), []);
    assert.ok((await subjectsIn(service, WellKnownFolderName.SentItems)).includes('draft to send'));

    const edited = new EmailMessage(service);
    edited.Subject = 'draft v1';
    edited.Body = new MessageBody(BodyType.Text, 'v1');
    edited.ToRecipients.Add('bob@example.com');
    await edited.Save(new FolderId(WellKnownFolderName.Drafts));
    edited.Subject = 'draft v2';
    await edited.SendAndSaveCopy();
    assert.deepEqual(await subjectsIn(service, WellKnownFolderName.Drafts), []);
    const sent = await subjectsIn(service, WellKnownFolderName.SentItems);
    assert.ok(sent.includes('draft v2') && !sent.includes('draft v1'));
    assert.ok((await subjectsIn(bobService, WellKnownFolderName.Inbox)).includes('draft v2'));

    // Bob's copy: unread, from Alice.
    const found = await bobService.FindItems(new FolderId(WellKnownFolderName.Inbox), new ItemView(100));
    const mine = found.Items.find((i) => i.Subject === 'draft v2')!;
    const bound = await EmailMessage.Bind(bobService, mine.Id, new PropertySet(BasePropertySet.FirstClassProperties, [EmailMessageSchema.IsRead, ItemSchema.DateTimeReceived]));
    assert.equal(bound.IsRead, false);
    assert.equal(bound.From.Address, 'alice@example.com');
  });
});
