import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  base64Room, countElements, decodeBase64Into, firstAttribute, firstText, firstTextRange, responseMessages,
} from '../bench/clients/ews-response.js';
import { createItemRequest, createItemXml, soapEnvelope } from '../bench/clients/ews-requests.js';

// The bench client's response scan (bench/clients/ews-response.ts) must read what the full parse
// would: whatever the prefixes, each message's own values, failures kept apart.
const response = (prefix: string, t: string) =>
  Buffer.from(
    `<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>` +
  `<${prefix}GetItemResponse><${prefix}ResponseMessages>` +
  `<${prefix}GetItemResponseMessage ResponseClass="Success"><${prefix}ResponseCode>NoError</${prefix}ResponseCode><${prefix}Items>` +
  `<${t}Message><${t}MimeContent CharacterSet="UTF-8">QUJD</${t}MimeContent><${t}ItemId Id="AAA=" ChangeKey="k1"/></${t}Message></${prefix}Items></${prefix}GetItemResponseMessage>` +
  `<${prefix}GetItemResponseMessage ResponseClass="Error"><${prefix}MessageText>Not found</${prefix}MessageText><${prefix}ResponseCode>ErrorItemNotFound</${prefix}ResponseCode><${prefix}Items/></${prefix}GetItemResponseMessage>` +
  `<${prefix}GetItemResponseMessage ResponseClass="Success"><${prefix}ResponseCode>NoError</${prefix}ResponseCode><${prefix}Items>` +
  `<${t}Message><${t}MimeContent>REVG</${t}MimeContent><${t}ItemId Id="BBB=" ChangeKey="k2"/></${t}Message></${prefix}Items></${prefix}GetItemResponseMessage>` +
  `</${prefix}ResponseMessages></${prefix}GetItemResponse></s:Body></s:Envelope>`,
  );

/** The first `element`'s text decoded from base64 as the session does it: into a used buffer, after other bytes. */
function firstBase64(bytes: Buffer, element: string): Buffer | undefined {
  const range = firstTextRange(bytes, element);
  if (!range) return undefined;
  const into = Buffer.alloc(5 + base64Room(range[1] - range[0]) + 5, 0xee);
  const length = decodeBase64Into(bytes, range[0], range[1], into, 5);
  assert.ok(into.subarray(5 + length).every((b) => b === 0xee) && into.subarray(0, 5).every((b) => b === 0xee), 'wrote outside its room');
  return into.subarray(5, 5 + length);
}

describe('bench EWS response scan', () => {
  for (const [prefix, t] of [['m:', 't:'], ['', ''], ['messages.x-1:', 'typ:']] as const) {
    it(`reads each message's own values with prefixes "${prefix}" / "${t}"`, () => {
      const msgs = responseMessages(response(prefix, t));
      assert.deepEqual(
        msgs.map((m) => m.responseClass),
        ['Success', 'Error', 'Success'],
      );
      assert.deepEqual(
        msgs.map((m) => firstAttribute(m.text, 'ItemId', 'Id')),
        ['AAA=', undefined, 'BBB='],
      );
      assert.deepEqual(
        msgs.map((m) => firstText(m.text, 'MimeContent')),
        ['QUJD', undefined, 'REVG'],
      );
      assert.deepEqual(
        msgs.map((m) => firstBase64(m.bytes, 'MimeContent')?.toString()),
        ['ABC', undefined, 'DEF'],
      );
      assert.equal(firstText(msgs[1]!.text, 'ResponseCode'), 'ErrorItemNotFound');
      assert.equal(countElements(msgs[0]!.text, 'ItemId'), 1);
    });
  }

  it('takes nothing for markup from inside a payload, and skips elements whose text has references', () => {
    // Base64 can spell element names; only what follows a '<' is a tag.
    const payload = 'GetItemResponseMessageResponseClassErrorMimeContentItemId'.repeat(2000) + '==';
    const xml = `<m:GetItemResponseMessage ResponseClass="Success"><t:MimeContent>${payload}</t:MimeContent><t:ItemId Id="A"/></m:GetItemResponseMessage>`;
    const msgs = responseMessages(Buffer.from(xml));
    assert.deepEqual(msgs.map((m) => m.responseClass), ['Success']);
    assert.equal(firstText(msgs[0]!.text, 'MimeContent'), payload);
    assert.ok(firstBase64(msgs[0]!.bytes, 'MimeContent')!.equals(Buffer.from(payload, 'base64')));
    assert.equal(countElements(xml, 'ItemId'), 1);
    assert.equal(firstText('<a>x&amp;y</a><a>plain</a>', 'a'), 'plain');
    assert.equal(firstText('<a>x<b/></a>', 'a'), undefined);
  });

  it('finds no messages in a fault', () => {
    const fault = `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault><faultcode>a:ErrorInvalidOperation</faultcode></s:Fault></s:Body></s:Envelope>`;
    assert.deepEqual(responseMessages(Buffer.from(fault)), []);
  });

  it('decodes base64 payloads of every size from the bytes, with or without white space', () => {
    const element = (b64: string, attrs = '') => Buffer.from(`<m:X><t:MimeContent${attrs}>${b64}</t:MimeContent></m:X>`);
    for (const size of [0, 1, 2, 3, 49_151, 49_152, 49_153, 200_000, 1_000_001]) {
      const data = Buffer.alloc(size);
      for (let i = 0; i < size; i++) data[i] = (i * 7919 + (i >> 8)) & 255;
      const b64 = data.toString('base64');
      assert.ok(firstBase64(element(b64), 'MimeContent')!.equals(data), `${size} bytes`);
      assert.ok(firstBase64(element(b64, ' CharacterSet="UTF-8"'), 'MimeContent')!.equals(data), `${size} bytes, an attribute`);
      // Line breaks (which Exchange does not write, but a client must take) anywhere in the text.
      const wrapped = b64.replace(/.{76}/g, '$&\r\n');
      assert.ok(firstBase64(element(wrapped), 'MimeContent')!.equals(data), `${size} bytes, wrapped`);
    }
    assert.equal(firstBase64(Buffer.from('<t:MimeContent/>'), 'MimeContent')!.length, 0);
    // Not the element: a longer name, a closing tag, the name inside a payload or text, a reference.
    assert.equal(firstBase64(Buffer.from('<t:MimeContentX>QUJD</t:MimeContentX>'), 'MimeContent'), undefined);
    assert.equal(firstBase64(Buffer.from('<t:Body>MimeContent</t:Body></t:MimeContent>'), 'MimeContent'), undefined);
    assert.equal(firstBase64(Buffer.from('<t:A>x&amp;</t:A><t:MimeContent>QU&#74;D</t:MimeContent>'), 'MimeContent'), undefined);
    assert.equal(firstBase64(Buffer.from('<t:MimeContent>QUJD</t:MimeContent>'), 'MimeContent')!.toString(), 'ABC');
  });

  it('takes a message start only from a tag of its own, not from one spelled in a payload', () => {
    const spelled = Buffer.from('<m:GetItemResponseMessage ResponseClass="Success"><t:MimeContent>GetItemResponseMessage</t:MimeContent></m:GetItemResponseMessage>');
    assert.equal(responseMessages(spelled).length, 1);
    assert.equal(responseMessages(Buffer.from('<m:ResponseMessages></m:ResponseMessages>')).length, 0);
  });

  it('counts the changes of a sync page by their element names only', () => {
    const changes = `<m:Changes><t:Create><t:Message><t:ItemId Id="a"/></t:Message></t:Create><t:ReadFlagChange><t:ItemId Id="b"/><t:IsRead>true</t:IsRead></t:ReadFlagChange><t:Delete><t:ItemId Id="c"/></t:Delete><t:Update><t:Message><t:ItemId Id="d"/></t:Message></t:Update></m:Changes>`;
    assert.equal(countElements(`<m:SyncFolderItemsResponseMessage ResponseClass="Success">${changes}`, 'Create', 'Update', 'Delete', 'ReadFlagChange'), 4);
    assert.equal(countElements('<m:DeleteItemResponseMessage ResponseClass="Success"/>', 'Create', 'Update', 'Delete', 'ReadFlagChange'), 0);
  });

  it('writes the CreateItem request in bytes exactly as the envelope of createItemXml', () => {
    const mimes = [Buffer.from('Subject: a\r\n\r\nx\r\n'), Buffer.alloc(0), Buffer.from([0, 255, 1, 254, 2]), Buffer.alloc(100_001, 7)];
    const reused = Buffer.alloc(200_000, 1);
    for (let n = 0; n <= mimes.length; n++) {
      const expected = Buffer.from(soapEnvelope(createItemXml(mimes.slice(0, n))));
      assert.ok(createItemRequest(mimes.slice(0, n)).equals(expected), `${n} messages`);
      // Written into a buffer kept between requests (the session's), over an earlier request.
      let asked = 0;
      const written = createItemRequest(mimes.slice(0, n), (size) => ((asked = size), reused));
      assert.equal(asked, expected.length);
      assert.ok(written.equals(expected), `${n} messages, into a reused buffer`);
    }
  });
});
