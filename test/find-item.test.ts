import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer, type TestUser } from './support/server.js';
import { messages, outcomes, post } from './support/soap.js';
import { createItems } from './support/items.js';

describe('FindItem', () => {
  let server: TestServer;
  let alice: TestUser;
  before(async () => {
    server = await startTestServer();
    alice = await server.addUser('alice@example.com');
    // 25 messages received a minute apart; subjects in a different order than dates.
    const items = Array.from({ length: 25 }, (_, i) => {
      const received = new Date(Date.UTC(2024, 0, 1, 0, i)).toISOString();
      const subject = `msg ${String((i * 7) % 25).padStart(2, '0')}${i === 3 ? ' quarterly report' : ''}`;
      return `<t:Message><t:Subject>${subject}</t:Subject><t:Body BodyType="Text">body ${i}</t:Body><t:ToRecipients><t:Mailbox><t:EmailAddress>to${i}@example.com</t:EmailAddress></t:Mailbox></t:ToRecipients>
        <t:ExtendedProperty><t:ExtendedFieldURI PropertyTag="0xe06" PropertyType="SystemTime"/><t:Value>${received}</t:Value></t:ExtendedProperty>
        <t:ExtendedProperty><t:ExtendedFieldURI PropertyTag="0xe07" PropertyType="Integer"/><t:Value>${i % 2}</t:Value></t:ExtendedProperty></t:Message>`;
    });
    await createItems(server.url, alice, items, '<t:DistinguishedFolderId Id="inbox"/>');
  });
  after(() => server.stop());

  const find = (view: string, extra = '', shape = '<t:BaseShape>IdOnly</t:BaseShape>', traversal = 'Shallow') =>
    post(
      server.url,
      alice,
      `<m:FindItem Traversal="${traversal}"><m:ItemShape>${shape}</m:ItemShape>${view}${extra}<m:ParentFolderIds><t:DistinguishedFolderId Id="inbox"/></m:ParentFolderIds></m:FindItem>`,
    );
  const root = (reply: Awaited<ReturnType<typeof find>>) => messages(reply.body)[0]!.child('RootFolder')!;

  it('pages as DavMail does: IdOnly, sorted by IMAP UID, 10 at a time until IncludesLastItemInRange', async () => {
    const uids: number[] = [];
    let offset = 0;
    for (;;) {
      const reply = await find(
        `<m:IndexedPageItemView MaxEntriesReturned="10" Offset="${offset}" BasePoint="Beginning"/>`,
        '<m:SortOrder><t:FieldOrder Order="Ascending"><t:ExtendedFieldURI PropertyTag="0xe23" PropertyType="Integer"/></t:FieldOrder></m:SortOrder>',
        '<t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:ExtendedFieldURI PropertyTag="0xe23" PropertyType="Integer"/><t:FieldURI FieldURI="message:IsRead"/></t:AdditionalProperties>',
      );
      const r = root(reply);
      assert.equal(r.attr('TotalItemsInView'), '25');
      const page = r.child('Items')!.children;
      uids.push(...page.map((m) => Number(m.child('ExtendedProperty')!.childText('Value'))));
      offset = Number(r.attr('IndexedPagingOffset'));
      assert.equal(offset, uids.length);
      if (r.attr('IncludesLastItemInRange') === 'true') break;
      assert.equal(page.length, 10);
    }
    assert.deepEqual(uids, Array.from({ length: 25 }, (_, i) => uids[0]! + i));
  });

  it('sorts newest first by default and on any field when asked, and never returns bodies or recipient lists', async () => {
    const shape = '<t:BaseShape>AllProperties</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="item:Body"/><t:FieldURI FieldURI="message:ToRecipients"/></t:AdditionalProperties>';
    const byDate = root(await find('<m:IndexedPageItemView MaxEntriesReturned="3" Offset="0" BasePoint="Beginning"/>', '', shape)).child('Items')!.children;
    assert.deepEqual(byDate.map((m) => m.childText('DateTimeReceived')), ['2024-01-01T00:24:00Z', '2024-01-01T00:23:00Z', '2024-01-01T00:22:00Z']);
    assert.equal(byDate[0]!.child('Body'), undefined);
    assert.equal(byDate[0]!.child('ToRecipients'), undefined);
    assert.equal(byDate[0]!.childText('DisplayTo'), 'to24@example.com');

    const bySubject = root(
      await find(
        '<m:IndexedPageItemView MaxEntriesReturned="3" Offset="0" BasePoint="Beginning"/>',
        '<m:SortOrder><t:FieldOrder Order="Descending"><t:FieldURI FieldURI="item:Subject"/></t:FieldOrder></m:SortOrder>',
        '<t:BaseShape>Default</t:BaseShape>',
      ),
    ).child('Items')!.children;
    assert.deepEqual(bySubject.map((m) => m.childText('Subject')), ['msg 24', 'msg 23', 'msg 22']);

    // An order the store has no column for (a recipient list) sorts in memory.
    const byTo = root(
      await find(
        '<m:IndexedPageItemView MaxEntriesReturned="2" Offset="0" BasePoint="Beginning"/>',
        '<m:SortOrder><t:FieldOrder Order="Ascending"><t:FieldURI FieldURI="message:ToRecipients"/></t:FieldOrder></m:SortOrder>',
        '<t:BaseShape>Default</t:BaseShape>',
      ),
    ).child('Items')!.children;
    assert.deepEqual(byTo.map((m) => m.childText('DisplayTo')), ['to0@example.com', 'to1@example.com']);
  });

  it('pages from the end and fractionally', async () => {
    const end = root(await find('<m:IndexedPageItemView MaxEntriesReturned="10" Offset="20" BasePoint="End"/>', '', '<t:BaseShape>Default</t:BaseShape>'));
    assert.equal(end.child('Items')!.children.length, 5);
    assert.equal(end.attr('IncludesLastItemInRange'), 'true');
    const frac = root(await find('<m:FractionalPageItemView MaxEntriesReturned="10" Numerator="1" Denominator="2"/>'));
    assert.equal(frac.attr('NumeratorOffset'), '22');
    assert.equal(frac.attr('AbsoluteDenominator'), '25');
    assert.equal(frac.child('Items')!.children.length, 10);
    const beyond = root(await find('<m:IndexedPageItemView MaxEntriesReturned="10" Offset="40" BasePoint="Beginning"/>'));
    assert.equal(beyond.child('Items')!.children.length, 0);
    assert.equal(beyond.attr('IncludesLastItemInRange'), 'true');
  });

  it('searches with a QueryString; nothing soft-deleted and no associated items give empty views', async () => {
    const hits = root(await find('<m:IndexedPageItemView MaxEntriesReturned="10" Offset="0" BasePoint="Beginning"/>', '<m:QueryString>Quarterly</m:QueryString>', '<t:BaseShape>Default</t:BaseShape>'));
    assert.equal(hits.attr('TotalItemsInView'), '1');
    assert.match(hits.child('Items')!.children[0]!.childText('Subject')!, /quarterly report/);
    for (const traversal of ['SoftDeleted', 'Associated']) {
      const r = root(await find('<m:IndexedPageItemView MaxEntriesReturned="10" Offset="0" BasePoint="Beginning"/>', '', '<t:BaseShape>IdOnly</t:BaseShape>', traversal));
      assert.equal(r.attr('TotalItemsInView'), '0');
    }
  });

  it('restricts with the restriction engine: comparisons, Contains, Exists, Excludes, And/Or/Not', async () => {
    const subjects = async (restriction: string) => {
      const r = root(
        await find(
          '<m:IndexedPageItemView MaxEntriesReturned="100" Offset="0" BasePoint="Beginning"/>',
          `<m:Restriction>${restriction}</m:Restriction><m:SortOrder><t:FieldOrder Order="Ascending"><t:FieldURI FieldURI="item:Subject"/></t:FieldOrder></m:SortOrder>`,
          '<t:BaseShape>Default</t:BaseShape>',
        ),
      );
      const list = r.child('Items')!.children.map((m) => m.childText('Subject')!);
      assert.equal(r.attr('TotalItemsInView'), String(list.length));
      return list;
    };
    const unread = await subjects('<t:IsEqualTo><t:FieldURI FieldURI="message:IsRead"/><t:FieldURIOrConstant><t:Constant Value="false"/></t:FieldURIOrConstant></t:IsEqualTo>');
    assert.equal(unread.length, 13);
    assert.deepEqual(
      await subjects('<t:Contains ContainmentMode="Substring" ContainmentComparison="IgnoreCase"><t:FieldURI FieldURI="item:Subject"/><t:Constant Value="QUARTERLY"/></t:Contains>'),
      ['msg 21 quarterly report'],
    );
    const late = await subjects('<t:IsGreaterThanOrEqualTo><t:FieldURI FieldURI="item:DateTimeReceived"/><t:FieldURIOrConstant><t:Constant Value="2024-01-01T00:23:00Z"/></t:FieldURIOrConstant></t:IsGreaterThanOrEqualTo>');
    assert.equal(late.length, 2);
    const both = await subjects(
      `<t:And><t:Not><t:IsEqualTo><t:FieldURI FieldURI="message:IsRead"/><t:FieldURIOrConstant><t:Constant Value="true"/></t:FieldURIOrConstant></t:IsEqualTo></t:Not>
        <t:IsLessThan><t:ExtendedFieldURI PropertyTag="0xe06" PropertyType="SystemTime"/><t:FieldURIOrConstant><t:Constant Value="2024-01-01T00:04:00Z"/></t:FieldURIOrConstant></t:IsLessThan></t:And>`,
    );
    assert.equal(both.length, 2, 'unread among the first four received (0 and 2)');
    // 0x0e07 bit 1 (read) excluded: the unread ones again.
    assert.equal((await subjects('<t:Excludes><t:ExtendedFieldURI PropertyTag="0xe07" PropertyType="Integer"/><t:Bitmask Value="1"/></t:Excludes>')).length, 13);
    assert.equal((await subjects('<t:Exists><t:ExtendedFieldURI PropertyTag="0x1090" PropertyType="Integer"/></t:Exists>')).length, 0);
  });

  it('searches bodies and Internet headers, also of a body kept inside the MIME, and only reads them when a filter asks', async () => {
    const text = `${'A body long enough to be kept inside its MIME. '.repeat(15)}The word zebra-7 is only here.`;
    const raw = Buffer.from(`From: a@example.com\r\nTo: alice@example.com\r\nSubject: with a ticket\r\nX-Ticket: T-4711\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${text}\r\n`);
    await createItems(server.url, alice, [
      `<t:Message><t:MimeContent CharacterSet="UTF-8">${raw.toString('base64')}</t:MimeContent></t:Message>`,
      '<t:Message><t:Subject>without</t:Subject><t:Body BodyType="Text">nothing to see</t:Body></t:Message>',
    ]);
    const inDrafts = async (filter: string) => {
      const reply = await post(
        server.url,
        alice,
        `<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>Default</t:BaseShape></m:ItemShape><m:IndexedPageItemView MaxEntriesReturned="10" Offset="0" BasePoint="Beginning"/>${filter}<m:ParentFolderIds><t:DistinguishedFolderId Id="drafts"/></m:ParentFolderIds></m:FindItem>`,
      );
      return root(reply).child('Items')!.children.map((m) => m.childText('Subject'));
    };
    assert.deepEqual(await inDrafts('<m:Restriction><t:Contains ContainmentMode="Substring" ContainmentComparison="IgnoreCase"><t:FieldURI FieldURI="item:Body"/><t:Constant Value="ZEBRA-7"/></t:Contains></m:Restriction>'), ['with a ticket']);
    assert.deepEqual(await inDrafts('<m:QueryString>zebra-7</m:QueryString>'), ['with a ticket']);
    assert.deepEqual(
      await inDrafts('<m:Restriction><t:IsEqualTo><t:IndexedFieldURI FieldURI="item:InternetMessageHeader" FieldIndex="X-Ticket"/><t:FieldURIOrConstant><t:Constant Value="t-4711"/></t:FieldURIOrConstant></t:IsEqualTo></m:Restriction>'),
      ['with a ticket'],
    );
    assert.deepEqual(
      await inDrafts('<m:Restriction><t:Not><t:Contains ContainmentMode="Substring" ContainmentComparison="IgnoreCase"><t:FieldURI FieldURI="item:Body"/><t:Constant Value="zebra"/></t:Contains></t:Not></m:Restriction>'),
      ['without'],
    );
    assert.deepEqual(await inDrafts('<m:Restriction><t:IsEqualTo><t:FieldURI FieldURI="item:Subject"/><t:FieldURIOrConstant><t:Constant Value="WITHOUT"/></t:FieldURIOrConstant></t:IsEqualTo></m:Restriction>'), ['without']);
  });

  it('answers one message per parent folder, with per-folder errors', async () => {
    const reply = await post(
      server.url,
      alice,
      `<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:IndexedPageItemView MaxEntriesReturned="1" Offset="0" BasePoint="Beginning"/>
        <m:ParentFolderIds><t:DistinguishedFolderId Id="inbox"/><t:FolderId Id="garbage"/><t:DistinguishedFolderId Id="drafts"/></m:ParentFolderIds></m:FindItem>`,
    );
    assert.deepEqual(outcomes(reply.body), [
      ['Success', 'NoError'],
      ['Error', 'ErrorInvalidIdMalformed'],
      ['Success', 'NoError'],
    ]);
    const bad = await find('<m:IndexedPageItemView MaxEntriesReturned="0" Offset="0" BasePoint="Beginning"/>');
    assert.deepEqual(outcomes(bad.body), [['Error', 'ErrorInvalidPagingMaxRows']]);
  });
});
