import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useTestServer } from './support/server.js';
import { messages, outcomes, post } from './support/soap.js';
import { createItems, getItems, idOf, type ItemIdPair } from './support/items.js';

const EXTENDED: Array<[uri: string, value: string]> = [
  ['PropertyTag="0x1090" PropertyType="Integer"', '<t:Value>2</t:Value>'],
  ['PropertyTag="0x3a4f" PropertyType="String"', '<t:Value>  spaced &amp; &lt;kept&gt;  </t:Value>'],
  ['DistinguishedPropertySetId="PublicStrings" PropertyName="Keywords" PropertyType="StringArray"', '<t:Values><t:Value>red</t:Value><t:Value>blue</t:Value></t:Values>'],
  ['DistinguishedPropertySetId="Common" PropertyId="34160" PropertyType="Boolean"', '<t:Value>true</t:Value>'],
  ['PropertySetId="c11ff724-aa03-4555-9952-8fa248a11c3e" PropertyName="Custom" PropertyType="SystemTime"', '<t:Value>2024-05-06T07:08:09Z</t:Value>'],
  ['PropertySetId="c11ff724-aa03-4555-9952-8fa248a11c3e" PropertyId="7" PropertyType="Binary"', '<t:Value>AAECAwQ=</t:Value>'],
  ['PropertyTag="0x6701" PropertyType="Long"', '<t:Value>-9007199254740993</t:Value>'],
  ['PropertyTag="0x6702" PropertyType="Double"', '<t:Value>3.25</t:Value>'],
  ['PropertyTag="0x6703" PropertyType="IntegerArray"', '<t:Values><t:Value>1</t:Value><t:Value>-2</t:Value></t:Values>'],
  ['PropertyTag="0x6704" PropertyType="Short"', '<t:Value>7</t:Value>'],
  ['PropertyTag="0x6705" PropertyType="CLSID"', '<t:Value>c11ff724-aa03-4555-9952-8fa248a11c3e</t:Value>'],
  ['PropertyTag="0x6706" PropertyType="BinaryArray"', '<t:Values><t:Value>AQ==</t:Value><t:Value>Ag==</t:Value></t:Values>'],
];

describe('message item properties', () => {
  const env = useTestServer('alice');

  it('stores extended properties of every form and type and returns them exactly, echoing the URI canonically', async () => {
    const props = EXTENDED.map(([uri, value]) => `<t:ExtendedProperty><t:ExtendedFieldURI ${uri}/>${value}</t:ExtendedProperty>`).join('');
    // Children in DavMail's order: extended properties before the subject.
    const [id] = await createItems(env.server.url, env.users.alice, [`<t:Message>${props}<t:Subject>ext</t:Subject></t:Message>`]);
    const ask = EXTENDED.map(([uri]) => `<t:ExtendedFieldURI ${uri}/>`).join('') + '<t:ExtendedFieldURI PropertyTag="0x6799" PropertyType="String"/>';
    const { items } = await getItems(env.server.url, env.users.alice, [id!], `<t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>${ask}</t:AdditionalProperties>`);
    const got = items[0]!.all('ExtendedProperty');
    assert.equal(got.length, EXTENDED.length, 'an absent property is left out');
    got.forEach((p, i) => {
      const uri = p.child('ExtendedFieldURI')!;
      const expected = Object.fromEntries([...EXTENDED[i]![0].matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
      assert.deepEqual({ ...uri.attrs }, expected);
    });
    assert.equal(got[1]!.child('Value')!.text, '  spaced & <kept>  ');
    assert.deepEqual(got[2]!.child('Values')!.all('Value').map((v) => v.text), ['red', 'blue']);
    assert.equal(got[6]!.childText('Value'), '-9007199254740993');

    // Evolution's decimal tag and an upper-case hex tag name the same property; the echo is canonical.
    const { items: again } = await getItems(
      env.server.url,
      env.users.alice,
      [id!],
      '<t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:ExtendedFieldURI PropertyTag="4240" PropertyType="Integer"/><t:ExtendedFieldURI PropertyTag="0x3A4F" PropertyType="String"/></t:AdditionalProperties>',
    );
    const [flag, str] = again[0]!.all('ExtendedProperty');
    assert.equal(flag!.child('ExtendedFieldURI')!.attr('PropertyTag'), '0x1090');
    assert.equal(str!.child('ExtendedFieldURI')!.attr('PropertyTag'), '0x3a4f');
  });

  it('sets and deletes extended properties with UpdateItem; computed MAPI properties follow the item', async () => {
    const [id] = await createItems(env.server.url, env.users.alice, [`<t:Message><t:Subject>flags</t:Subject><t:IsRead>false</t:IsRead></t:Message>`]);
    const update = (ck: ItemIdPair, body: string) =>
      post(
        env.server.url,
        env.users.alice,
        `<m:UpdateItem ConflictResolution="AlwaysOverwrite" MessageDisposition="SaveOnly"><m:ItemChanges><t:ItemChange><t:ItemId Id="${ck.id}" ChangeKey="${ck.changeKey}"/><t:Updates>${body}</t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>`,
      );
    const setFlag = await update(
      id!,
      `<t:SetItemField><t:ExtendedFieldURI PropertyTag="0x1090" PropertyType="Integer"/><t:Message><t:ExtendedProperty><t:ExtendedFieldURI PropertyTag="0x1090" PropertyType="Integer"/><t:Value>2</t:Value></t:ExtendedProperty></t:Message></t:SetItemField>
       <t:SetItemField><t:ExtendedFieldURI PropertyTag="0xe07" PropertyType="Integer"/><t:Message><t:ExtendedProperty><t:ExtendedFieldURI PropertyTag="0xe07" PropertyType="Integer"/><t:Value>1</t:Value></t:ExtendedProperty></t:Message></t:SetItemField>`,
    );
    assert.deepEqual(outcomes(setFlag.body), [['Success', 'NoError']]);
    const shape =
      '<t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="message:IsRead"/><t:FieldURI FieldURI="item:IsDraft"/>' +
      ['0xe23', '0xe08', '0xe07', '0x1090'].map((t) => `<t:ExtendedFieldURI PropertyTag="${t}" PropertyType="Integer"/>`).join('') +
      '<t:ExtendedFieldURI PropertyTag="0xe06" PropertyType="SystemTime"/><t:ExtendedFieldURI PropertyTag="0x3008" PropertyType="SystemTime"/></t:AdditionalProperties>';
    const { items } = await getItems(env.server.url, env.users.alice, [id!], shape);
    const values = Object.fromEntries(items[0]!.all('ExtendedProperty').map((p) => [p.child('ExtendedFieldURI')!.attr('PropertyTag'), p.childText('Value')]));
    assert.equal(items[0]!.childText('IsRead'), 'true', '0x0e07 bit 1 marks the message read');
    assert.equal(items[0]!.childText('IsDraft'), 'false', '0x0e07 without bit 8 makes it a sent message');
    assert.equal(values['0xe07'], '1');
    assert.equal(values['0x1090'], '2');
    assert.match(values['0xe23']!, /^[1-9]\d*$/);
    assert.match(values['0xe08']!, /^[1-9]\d*$/);
    assert.match(values['0xe06']!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(values['0x3008']!.length, 20);

    const current = idOf(items[0]!);
    const del = await update(current, `<t:DeleteItemField><t:ExtendedFieldURI PropertyTag="0x1090" PropertyType="Integer"/></t:DeleteItemField>`);
    assert.deepEqual(outcomes(del.body), [['Success', 'NoError']]);
    const readOnly = await update(
      current,
      `<t:SetItemField><t:ExtendedFieldURI PropertyTag="0xe23" PropertyType="Integer"/><t:Message><t:ExtendedProperty><t:ExtendedFieldURI PropertyTag="0xe23" PropertyType="Integer"/><t:Value>5</t:Value></t:ExtendedProperty></t:Message></t:SetItemField>`,
    );
    assert.deepEqual(outcomes(readOnly.body), [['Error', 'ErrorInvalidPropertySet']]);
    const { items: after } = await getItems(env.server.url, env.users.alice, [id!], shape);
    assert.equal(after[0]!.all('ExtendedProperty').some((p) => p.child('ExtendedFieldURI')!.attr('PropertyTag') === '0x1090'), false);
  });

  it('converts the body to the BodyType asked for', async () => {
    const [html, text] = await createItems(env.server.url, env.users.alice, [
      `<t:Message><t:Subject>h</t:Subject><t:Body BodyType="HTML">&lt;p&gt;Hello &lt;b&gt;world&lt;/b&gt;&lt;/p&gt;</t:Body></t:Message>`,
      `<t:Message><t:Subject>t</t:Subject><t:Body BodyType="Text">a &lt; b
second line</t:Body></t:Message>`,
    ]);
    const body = async (bodyType: string) => {
      const { items } = await getItems(
        env.server.url,
        env.users.alice,
        [html!, text!],
        `<t:BaseShape>IdOnly</t:BaseShape><t:BodyType>${bodyType}</t:BodyType><t:AdditionalProperties><t:FieldURI FieldURI="item:Body"/></t:AdditionalProperties>`,
      );
      return items.map((m) => [m!.child('Body')!.attr('BodyType'), m!.child('Body')!.text]);
    };
    const best = await body('Best');
    assert.deepEqual(best.map((b) => b[0]), ['HTML', 'Text']);
    assert.equal(best[0]![1], '<p>Hello <b>world</b></p>');
    const asText = await body('Text');
    assert.deepEqual(asText.map((b) => b[0]), ['Text', 'Text']);
    assert.match(asText[0]![1]!, /Hello world/);
    assert.doesNotMatch(asText[0]![1]!, /</);
    const asHtml = await body('HTML');
    assert.deepEqual(asHtml.map((b) => b[0]), ['HTML', 'HTML']);
    assert.match(asHtml[1]![1]!, /a &lt; b/);
  });

  it('returns every property it holds with AllProperties, in schema order (validated)', async () => {
    const [id] = await createItems(env.server.url, env.users.alice, [
      `<t:Message><t:ItemClass>IPM.Note</t:ItemClass><t:Subject>full</t:Subject><t:Sensitivity>Private</t:Sensitivity><t:Body BodyType="Text">x</t:Body>
       <t:Categories><t:String>Red</t:String><t:String>Work</t:String></t:Categories><t:Importance>High</t:Importance><t:InReplyTo>&lt;a@b&gt;</t:InReplyTo>
       <t:Sender><t:Mailbox><t:EmailAddress>alice@example.com</t:EmailAddress></t:Mailbox></t:Sender>
       <t:ToRecipients><t:Mailbox><t:Name>Bob</t:Name><t:EmailAddress>bob@example.com</t:EmailAddress></t:Mailbox></t:ToRecipients>
       <t:CcRecipients><t:Mailbox><t:EmailAddress>carol@example.com</t:EmailAddress></t:Mailbox></t:CcRecipients>
       <t:BccRecipients><t:Mailbox><t:EmailAddress>dan@example.com</t:EmailAddress></t:Mailbox></t:BccRecipients>
       <t:IsReadReceiptRequested>true</t:IsReadReceiptRequested><t:IsDeliveryReceiptRequested>false</t:IsDeliveryReceiptRequested>
       <t:From><t:Mailbox><t:Name>Alice</t:Name><t:EmailAddress>alice@example.com</t:EmailAddress></t:Mailbox></t:From>
       <t:IsRead>false</t:IsRead><t:References>&lt;a@b&gt;</t:References>
       <t:ReplyTo><t:Mailbox><t:EmailAddress>replies@example.com</t:EmailAddress></t:Mailbox></t:ReplyTo></t:Message>`,
    ]);
    const { items } = await getItems(
      env.server.url,
      env.users.alice,
      [id!],
      '<t:BaseShape>AllProperties</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="calendar:Start"/><t:FieldURI FieldURI="contacts:DisplayName"/><t:FieldURI FieldURI="item:UniqueBody"/><t:FieldURI FieldURI="task:Status"/></t:AdditionalProperties>',
    );
    const m = items[0]!;
    assert.equal(m.childText('Sensitivity'), 'Private');
    assert.deepEqual(m.child('Categories')!.all('String').map((s) => s.text), ['Red', 'Work']);
    assert.equal(m.childText('IsFromMe'), 'true');
    assert.equal(m.childText('IsDraft'), 'true');
    assert.equal(m.childText('IsRead'), 'false');
    assert.equal(m.childText('DisplayTo'), 'Bob');
    assert.equal(m.child('BccRecipients')!.child('Mailbox')!.childText('EmailAddress'), 'dan@example.com');
    assert.equal(m.childText('ConversationTopic'), 'full');
    assert.match(m.childText('InternetMessageId')!, /^<.+@example\.com>$/);
  });

  it('stores inline attachments and returns their ids and metadata', async () => {
    const reply = await post(
      env.server.url,
      env.users.alice,
      `<m:CreateItem MessageDisposition="SaveOnly"><m:Items><t:Message><t:Subject>with attachments</t:Subject>
        <t:Attachments>
          <t:FileAttachment><t:Name>a.txt</t:Name><t:ContentType>text/plain</t:ContentType><t:Content>${Buffer.from('hello').toString('base64')}</t:Content></t:FileAttachment>
          <t:FileAttachment><t:Name>logo.png</t:Name><t:ContentType>image/png</t:ContentType><t:ContentId>logo@x</t:ContentId><t:IsInline>true</t:IsInline><t:Content>iVBORw0KGgo=</t:Content></t:FileAttachment>
          <t:ItemAttachment><t:Name>forwarded</t:Name><t:Message><t:Subject>inner</t:Subject><t:Body BodyType="Text">inner body</t:Body></t:Message></t:ItemAttachment>
        </t:Attachments></t:Message></m:Items></m:CreateItem>`,
    );
    assert.deepEqual(outcomes(reply.body), [['Success', 'NoError']]);
    const created = messages(reply.body)[0]!.child('Items')!.child('Message')!;
    const attIds = created.child('Attachments')!.children.map((a) => [a.name, a.child('AttachmentId')!.attr('Id')]);
    assert.deepEqual(attIds.map((a) => a[0]), ['FileAttachment', 'FileAttachment', 'ItemAttachment']);
    const { items } = await getItems(
      env.server.url,
      env.users.alice,
      [idOf(created)],
      '<t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="item:Attachments"/><t:FieldURI FieldURI="item:HasAttachments"/></t:AdditionalProperties>',
    );
    const atts = items[0]!.child('Attachments')!.children;
    assert.deepEqual(atts.map((a) => a.childText('Name')), ['a.txt', 'logo.png', 'forwarded']);
    assert.equal(atts[0]!.childText('Size'), '5');
    assert.equal(atts[1]!.childText('IsInline'), 'true');
    assert.equal(atts[1]!.childText('ContentId'), 'logo@x');
    assert.equal(atts[0]!.child('AttachmentId')!.attr('Id'), attIds[0]![1]);
    assert.equal(items[0]!.childText('HasAttachments'), 'true');
  });

  it('honours the three conflict resolution modes', async () => {
    const [id] = await createItems(env.server.url, env.users.alice, [`<t:Message><t:Subject>v1</t:Subject><t:Importance>Low</t:Importance></t:Message>`]);
    const update = async (mode: string, key: ItemIdPair, field: string, value: string) => {
      const reply = await post(
        env.server.url,
        env.users.alice,
        `<m:UpdateItem ConflictResolution="${mode}" MessageDisposition="SaveOnly"><m:ItemChanges><t:ItemChange><t:ItemId Id="${key.id}" ChangeKey="${key.changeKey}"/><t:Updates><t:SetItemField><t:FieldURI FieldURI="${field}"/><t:Message>${value}</t:Message></t:SetItemField></t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>`,
      );
      const m = messages(reply.body)[0]!;
      return { outcome: outcomes(reply.body)[0], key: m.child('Items')?.children[0] ? idOf(m.child('Items')!.children[0]!) : undefined };
    };
    const v1 = id!;
    const v2 = await update('NeverOverwrite', v1, 'item:Subject', '<t:Subject>v2</t:Subject>');
    assert.deepEqual(v2.outcome, ['Success', 'NoError']);
    assert.equal(v2.key!.id, v1.id);
    // A stale key: NeverOverwrite refuses whatever the field.
    assert.deepEqual((await update('NeverOverwrite', v1, 'item:Importance', '<t:Importance>High</t:Importance>')).outcome, ['Error', 'ErrorIrresolvableConflict']);
    // AutoResolve: a field nobody changed since v1 applies; the subject (changed in v2) conflicts.
    const v3 = await update('AutoResolve', v1, 'item:Importance', '<t:Importance>High</t:Importance>');
    assert.deepEqual(v3.outcome, ['Success', 'NoError']);
    assert.deepEqual((await update('AutoResolve', v1, 'item:Subject', '<t:Subject>lost</t:Subject>')).outcome, ['Error', 'ErrorIrresolvableConflict']);
    // AlwaysOverwrite ignores the key.
    assert.deepEqual((await update('AlwaysOverwrite', v1, 'item:Subject', '<t:Subject>forced</t:Subject>')).outcome, ['Success', 'NoError']);
    // A key that is not one of ours.
    assert.deepEqual((await update('AutoResolve', { id: v1.id, changeKey: 'CQAAABYAAAApjGm7' }, 'item:Subject', '<t:Subject>x</t:Subject>')).outcome, [
      'Error',
      'ErrorInvalidChangeKey',
    ]);
    const { items } = await getItems(env.server.url, env.users.alice, [v1], '<t:BaseShape>Default</t:BaseShape>');
    assert.equal(items[0]!.childText('Subject'), 'forced');
    assert.equal(items[0]!.childText('Importance'), 'High');
  });

  it('appends to and deletes list fields; recipients of a sent message cannot change', async () => {
    const [draft] = await createItems(env.server.url, env.users.alice, [
      `<t:Message><t:Subject>lists</t:Subject><t:ToRecipients><t:Mailbox><t:EmailAddress>a@example.com</t:EmailAddress></t:Mailbox></t:ToRecipients><t:Categories><t:String>one</t:String></t:Categories></t:Message>`,
    ]);
    const reply = await post(
      env.server.url,
      env.users.alice,
      `<m:UpdateItem ConflictResolution="AutoResolve" MessageDisposition="SaveOnly"><m:ItemChanges><t:ItemChange><t:ItemId Id="${draft!.id}" ChangeKey="${draft!.changeKey}"/><t:Updates>
        <t:AppendToItemField><t:FieldURI FieldURI="message:ToRecipients"/><t:Message><t:ToRecipients><t:Mailbox><t:EmailAddress>b@example.com</t:EmailAddress></t:Mailbox></t:ToRecipients></t:Message></t:AppendToItemField>
        <t:AppendToItemField><t:FieldURI FieldURI="item:Categories"/><t:Message><t:Categories><t:String>two</t:String></t:Categories></t:Message></t:AppendToItemField>
        <t:DeleteItemField><t:FieldURI FieldURI="item:Subject"/></t:DeleteItemField>
      </t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>`,
    );
    assert.deepEqual(outcomes(reply.body), [['Success', 'NoError']]);
    const { items } = await getItems(env.server.url, env.users.alice, [draft!], '<t:BaseShape>AllProperties</t:BaseShape>');
    assert.deepEqual(items[0]!.child('ToRecipients')!.all('Mailbox').map((m) => m.childText('EmailAddress')), ['a@example.com', 'b@example.com']);
    assert.deepEqual(items[0]!.child('Categories')!.all('String').map((s) => s.text), ['one', 'two']);
    assert.equal(items[0]!.child('Subject'), undefined);

    const [sent] = await createItems(env.server.url, env.users.alice, [
      `<t:Message><t:Subject>sent</t:Subject><t:ExtendedProperty><t:ExtendedFieldURI PropertyTag="0x0E07" PropertyType="Integer"/><t:Value>1</t:Value></t:ExtendedProperty></t:Message>`,
    ]);
    const refused = await post(
      env.server.url,
      env.users.alice,
      `<m:UpdateItem ConflictResolution="AutoResolve" MessageDisposition="SaveOnly"><m:ItemChanges><t:ItemChange><t:ItemId Id="${sent!.id}" ChangeKey="${sent!.changeKey}"/><t:Updates>
        <t:SetItemField><t:FieldURI FieldURI="message:ToRecipients"/><t:Message><t:ToRecipients><t:Mailbox><t:EmailAddress>b@example.com</t:EmailAddress></t:Mailbox></t:ToRecipients></t:Message></t:SetItemField>
      </t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>`,
    );
    assert.deepEqual(outcomes(refused.body), [['Error', 'ErrorInvalidPropertyUpdateSentMessage']]);
  });
});
