import { esc } from '../../src/soap/xml-writer.js';

/** Varied messages for export/upload round trips: CreateItem `t:Message` XML. */
export function corpusMessages(opts: { hugeBytes?: number } = {}): string[] {
  const b64 = (s: string | Buffer) => (typeof s === 'string' ? Buffer.from(s) : s).toString('base64');
  const mime = [
    'From: =?UTF-8?B?' + b64('Zoë Ågren') + '?= <zoe@example.org>',
    'To: alice@example.com, "Bob B." <bob@example.net>',
    'Cc: carol@example.com',
    'Subject: =?UTF-8?B?' + b64('Grüße aus Köln – 東京 ✓') + '?=',
    'Date: Tue, 03 Feb 2026 10:11:12 +0100',
    'Message-ID: <mime-1@example.org>',
    'In-Reply-To: <parent@example.org>',
    'References: <root@example.org> <parent@example.org>',
    'X-Custom: kept',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    'Hallo – ünïcödé body 日本語',
    '--b1',
    'Content-Type: application/pdf; name="report.pdf"',
    'Content-Disposition: attachment; filename="report.pdf"',
    'Content-Transfer-Encoding: base64',
    '',
    b64(Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) % 256))),
    '--b1--',
    '',
  ].join('\r\n');
  const ext = (uri: string, value: string) => `<t:ExtendedProperty><t:ExtendedFieldURI ${uri}/>${value}</t:ExtendedProperty>`;
  const items = [
    // Properties only: every recipient kind, flags, categories, non-ASCII.
    `<t:Message><t:Subject>${esc('Ünïcode ✓ – 日本語 & <tags>')}</t:Subject><t:Sensitivity>Private</t:Sensitivity>
      <t:Body BodyType="Text">${esc('line 1\nline 2 – ß')}</t:Body>
      <t:Categories><t:String>Red</t:String><t:String>Grün</t:String></t:Categories><t:Importance>High</t:Importance>
      <t:ToRecipients><t:Mailbox><t:Name>Bob</t:Name><t:EmailAddress>bob@example.net</t:EmailAddress></t:Mailbox><t:Mailbox><t:EmailAddress>dan@example.net</t:EmailAddress></t:Mailbox></t:ToRecipients>
      <t:CcRecipients><t:Mailbox><t:Name>Çarol</t:Name><t:EmailAddress>carol@example.com</t:EmailAddress></t:Mailbox></t:CcRecipients>
      <t:BccRecipients><t:Mailbox><t:EmailAddress>hidden@example.com</t:EmailAddress></t:Mailbox></t:BccRecipients>
      <t:IsReadReceiptRequested>true</t:IsReadReceiptRequested><t:IsDeliveryReceiptRequested>false</t:IsDeliveryReceiptRequested>
      <t:From><t:Mailbox><t:Name>Alice</t:Name><t:EmailAddress>alice@example.com</t:EmailAddress></t:Mailbox></t:From>
      <t:ReplyTo><t:Mailbox><t:Name>Replies</t:Name><t:EmailAddress>replies@example.com</t:EmailAddress></t:Mailbox><t:Mailbox><t:EmailAddress>other@example.com</t:EmailAddress></t:Mailbox></t:ReplyTo>
      <t:IsRead>false</t:IsRead></t:Message>`,
    // HTML only, with an inline image, a file and an attached message.
    `<t:Message><t:Subject>html only</t:Subject><t:Body BodyType="HTML">${esc('<html><body><p>Hi <b>there</b> <img src="cid:logo@x"></p></body></html>')}</t:Body>
      <t:Attachments>
        <t:FileAttachment><t:Name>logo.png</t:Name><t:ContentType>image/png</t:ContentType><t:ContentId>logo@x</t:ContentId><t:IsInline>true</t:IsInline><t:Content>iVBORw0KGgo=</t:Content></t:FileAttachment>
        <t:FileAttachment><t:Name>naïve – résumé.txt</t:Name><t:ContentType>text/plain</t:ContentType><t:Content>${b64('hello – world')}</t:Content></t:FileAttachment>
        <t:ItemAttachment><t:Name>forwarded</t:Name><t:Message><t:Subject>inner</t:Subject><t:Body BodyType="HTML">&lt;i&gt;inner&lt;/i&gt;</t:Body>
          <t:ToRecipients><t:Mailbox><t:EmailAddress>x@example.com</t:EmailAddress></t:Mailbox></t:ToRecipients></t:Message></t:ItemAttachment>
      </t:Attachments></t:Message>`,
    // Extended properties of many kinds.
    `<t:Message><t:Subject>extended</t:Subject>
      ${ext('PropertyTag="0x1090" PropertyType="Integer"', '<t:Value>2</t:Value>')}
      ${ext('PropertyTag="0x3ffd" PropertyType="String"', '<t:Value>tag string ✓</t:Value>')}
      ${ext('DistinguishedPropertySetId="PublicStrings" PropertyName="ewsd-test" PropertyType="String"', '<t:Value>named ✓</t:Value>')}
      ${ext('DistinguishedPropertySetId="Common" PropertyId="34074" PropertyType="Boolean"', '<t:Value>true</t:Value>')}
      ${ext('PropertySetId="c11ff724-aa03-4555-9952-8fa248a11c3e" PropertyName="blob" PropertyType="Binary"', `<t:Value>${b64('\u0000\u0001binary')}</t:Value>`)}
      ${ext('PropertySetId="c11ff724-aa03-4555-9952-8fa248a11c3e" PropertyName="when" PropertyType="SystemTime"', '<t:Value>2025-06-07T08:09:10Z</t:Value>')}
      ${ext('PropertySetId="c11ff724-aa03-4555-9952-8fa248a11c3e" PropertyName="list" PropertyType="StringArray"', '<t:Values><t:Value>a</t:Value><t:Value>ü</t:Value></t:Values>')}
      ${ext('PropertySetId="c11ff724-aa03-4555-9952-8fa248a11c3e" PropertyId="7" PropertyType="Long"', '<t:Value>1234567890123</t:Value>')}
      ${ext('PropertySetId="c11ff724-aa03-4555-9952-8fa248a11c3e" PropertyId="8" PropertyType="Double"', '<t:Value>3.25</t:Value>')}
      </t:Message>`,
    // From MIME (the original bytes must survive).
    `<t:Message><t:MimeContent CharacterSet="UTF-8">${b64(mime)}</t:MimeContent></t:Message>`,
  ];
  if (opts.hugeBytes) {
    const big = Buffer.alloc(opts.hugeBytes);
    for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE((i * 2654435761) >>> 0, i);
    items.push(`<t:Message><t:Subject>huge</t:Subject><t:Attachments><t:FileAttachment><t:Name>big.bin</t:Name><t:ContentType>application/octet-stream</t:ContentType><t:Content>${big.toString('base64')}</t:Content></t:FileAttachment></t:Attachments></t:Message>`);
  }
  return items;
}
