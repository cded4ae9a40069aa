import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useTestServer } from './support/server.js';
import { messages, outcomes, post } from './support/soap.js';
import { createItems, getItems, message } from './support/items.js';

describe('CreateAttachment, GetAttachment, DeleteAttachment', () => {
  const env = useTestServer('alice', 'bob');

  const bytes = Buffer.from(Array.from({ length: 70000 }, (_, i) => (i * 31) % 256));

  it('adds attachments, returns the exact bytes, and moves the parent to a new ChangeKey each time', async () => {
    const [parent] = await createItems(env.server.url, env.users.alice, [message('parent')]);
    const created = await post(
      env.server.url,
      env.users.alice,
      `<m:CreateAttachment><m:ParentItemId Id="${parent!.id}" ChangeKey="${parent!.changeKey}"/><m:Attachments>
        <t:FileAttachment><t:Name>data.bin</t:Name><t:ContentType>application/octet-stream</t:ContentType><t:Content>${bytes.toString('base64')}</t:Content></t:FileAttachment>
        <t:ItemAttachment><t:Name>attached mail</t:Name><t:Message><t:Subject>inner</t:Subject><t:Body BodyType="HTML">&lt;b&gt;hi&lt;/b&gt;</t:Body>
          <t:ToRecipients><t:Mailbox><t:EmailAddress>x@example.com</t:EmailAddress></t:Mailbox></t:ToRecipients></t:Message></t:ItemAttachment>
        <t:ReferenceAttachment><t:Name>link</t:Name></t:ReferenceAttachment>
      </m:Attachments></m:CreateAttachment>`,
    );
    assert.deepEqual(outcomes(created.body), [['Success', 'NoError'], ['Success', 'NoError'], ['Error', 'ErrorInvalidOperation']]);
    const attIds = messages(created.body).slice(0, 2).map((m) => m.child('Attachments')!.children[0]!.child('AttachmentId')!);
    assert.equal(attIds[0]!.attr('RootItemId'), parent!.id);
    assert.notEqual(attIds[0]!.attr('RootItemChangeKey'), parent!.changeKey);

    const { items } = await getItems(env.server.url, env.users.alice, [parent!], '<t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="item:HasAttachments"/></t:AdditionalProperties>');
    assert.equal(items[0]!.childText('HasAttachments'), 'true');
    assert.equal(items[0]!.child('ItemId')!.attr('ChangeKey'), attIds[0]!.attr('RootItemChangeKey'));

    const got = await post(
      env.server.url,
      env.users.alice,
      `<m:GetAttachment><m:AttachmentShape><t:BodyType>Text</t:BodyType></m:AttachmentShape><m:AttachmentIds>${attIds.map((a) => `<t:AttachmentId Id="${a.attr('Id')}"/>`).join('')}<t:AttachmentId Id="garbage"/></m:AttachmentIds></m:GetAttachment>`,
    );
    assert.deepEqual(outcomes(got.body), [['Success', 'NoError'], ['Success', 'NoError'], ['Error', 'ErrorInvalidIdMalformed']]);
    const [file, item] = messages(got.body).map((m) => m.child('Attachments')?.children[0]);
    assert.ok(Buffer.from(file!.childText('Content')!, 'base64').equals(bytes), 'the exact bytes');
    assert.equal(file!.childText('Size'), String(bytes.length));
    const inner = item!.child('Message')!;
    assert.equal(inner.childText('Subject'), 'inner');
    assert.equal(inner.child('Body')!.attr('BodyType'), 'Text');
    assert.equal(inner.child('ToRecipients')!.child('Mailbox')!.childText('EmailAddress'), 'x@example.com');

    const deleted = await post(
      env.server.url,
      env.users.alice,
      `<m:DeleteAttachment><m:AttachmentIds><t:AttachmentId Id="${attIds[0]!.attr('Id')}"/><t:AttachmentId Id="${attIds[0]!.attr('Id')}"/></m:AttachmentIds></m:DeleteAttachment>`,
    );
    assert.deepEqual(outcomes(deleted.body), [['Success', 'NoError'], ['Error', 'ErrorItemNotFound']]);
    const root = messages(deleted.body)[0]!.child('RootItemId')!;
    assert.equal(root.attr('RootItemId'), parent!.id);
    const { items: after } = await getItems(env.server.url, env.users.alice, [parent!], '<t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="item:Attachments"/></t:AdditionalProperties>');
    assert.deepEqual(after[0]!.child('Attachments')!.children.map((a) => a.name), ['ItemAttachment']);
    assert.equal(after[0]!.child('ItemId')!.attr('ChangeKey'), root.attr('RootItemChangeKey'));
  });

  it("fails every attachment of a missing or foreign parent, and refuses another user's attachments", async () => {
    const [bobs] = await createItems(env.server.url, env.users.bob, [
      `<t:Message><t:Subject>b</t:Subject><t:Attachments><t:FileAttachment><t:Name>secret</t:Name><t:Content>AAAA</t:Content></t:FileAttachment></t:Attachments></t:Message>`,
    ]);
    const foreign = await post(
      env.server.url,
      env.users.alice,
      `<m:CreateAttachment><m:ParentItemId Id="${bobs!.id}"/><m:Attachments><t:FileAttachment><t:Name>a</t:Name><t:Content>AA==</t:Content></t:FileAttachment><t:FileAttachment><t:Name>b</t:Name><t:Content>AA==</t:Content></t:FileAttachment></m:Attachments></m:CreateAttachment>`,
    );
    assert.deepEqual(outcomes(foreign.body), Array(2).fill(['Error', 'ErrorAccessDenied']));
    const { items } = await getItems(env.server.url, env.users.bob, [bobs!], '<t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="item:Attachments"/></t:AdditionalProperties>');
    const bobAtt = items[0]!.child('Attachments')!.children[0]!.child('AttachmentId')!.attr('Id');
    const peek = await post(env.server.url, env.users.alice, `<m:GetAttachment><m:AttachmentIds><t:AttachmentId Id="${bobAtt}"/></m:AttachmentIds></m:GetAttachment>`);
    assert.deepEqual(outcomes(peek.body), [['Error', 'ErrorAccessDenied']]);
    const del = await post(env.server.url, env.users.alice, `<m:DeleteAttachment><m:AttachmentIds><t:AttachmentId Id="${bobAtt}"/></m:AttachmentIds></m:DeleteAttachment>`);
    assert.deepEqual(outcomes(del.body), [['Error', 'ErrorAccessDenied']]);
  });
});
