import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseXml } from '../src/soap/xml-parser.js';
import { NS } from '../src/soap/namespaces.js';
import { SoapFault } from '../src/ews/errors.js';
import { parseRestriction } from '../src/ews/restrictions/parse-restriction.js';
import { evaluateRestriction } from '../src/ews/restrictions/evaluate-restriction.js';
import type { PropertyRef, PropertyValue, Restriction } from '../src/ews/restrictions/restriction.js';

/** Parses `<t:Restriction>` content written with the t: prefix. */
function restriction(inner: string): Restriction {
  return parseRestriction(parseXml(`<t:Restriction xmlns:t="${NS.types}" xmlns:xsi="${NS.xsi}">${inner}</t:Restriction>`));
}

/** An object as a map from FieldURI (or `0x` tag) to value. */
function matches(r: Restriction, props: Record<string, PropertyValue>): boolean {
  return evaluateRestriction(r, (ref: PropertyRef) => {
    if (ref.kind === 'field') return props[ref.uri];
    if (ref.kind === 'indexed') return props[`${ref.uri}:${ref.index}`];
    return ref.field.propertyTag !== undefined ? props[`0x${ref.field.propertyTag.toString(16)}`] : undefined;
  });
}

const eq = (field: string, value: string, op = 'IsEqualTo') =>
  `<t:${op}><t:FieldURI FieldURI="${field}"/><t:FieldURIOrConstant><t:Constant Value="${value}"/></t:FieldURIOrConstant></t:${op}>`;

describe('restriction parsing', () => {
  it('builds a typed tree from every operand form', () => {
    const r = restriction(
      `<t:And>${eq('folder:DisplayName', 'Inbox')}` +
        `<t:IsGreaterThan><t:IndexedFieldURI FieldURI="contacts:EmailAddress" FieldIndex="EmailAddress1"/><t:FieldURIOrConstant><t:FieldURI FieldURI="item:Subject"/></t:FieldURIOrConstant></t:IsGreaterThan>` +
        `<t:Not><t:Exists><t:ExtendedFieldURI PropertyTag="13843" PropertyType="String"/></t:Exists></t:Not>` +
        `<t:Contains ContainmentMode="Substring" ContainmentComparison="IgnoreCase"><t:FieldURI FieldURI="item:Subject"/><t:Constant Value="x"/></t:Contains>` +
        `<t:Excludes><t:FieldURI FieldURI="message:Flags"/><t:Bitmask Value="0x10"/></t:Excludes>` +
        `<t:IsEqualTo><t:Path xsi:type="t:PathToUnindexedFieldType" FieldURI="item:Size"/><t:FieldURIOrConstant><t:Constant Value="1"/></t:FieldURIOrConstant></t:IsEqualTo>` +
        `</t:And>`,
    );
    assert.deepEqual(r, {
      op: 'And',
      children: [
        { op: 'IsEqualTo', property: { kind: 'field', uri: 'folder:DisplayName' }, operand: { kind: 'constant', value: 'Inbox' } },
        {
          op: 'IsGreaterThan',
          property: { kind: 'indexed', uri: 'contacts:EmailAddress', index: 'EmailAddress1' },
          operand: { kind: 'field', uri: 'item:Subject' },
        },
        { op: 'Not', child: { op: 'Exists', property: { kind: 'extended', field: { propertyTag: 0x3613, propertyType: 'String' } } } },
        { op: 'Contains', property: { kind: 'field', uri: 'item:Subject' }, constant: 'x', mode: 'Substring', comparison: 'IgnoreCase' },
        { op: 'Excludes', property: { kind: 'field', uri: 'message:Flags' }, bitmask: 16 },
        { op: 'IsEqualTo', property: { kind: 'field', uri: 'item:Size' }, operand: { kind: 'constant', value: '1' } },
      ],
    });
  });

  it('defaults Contains to FullString and Exact, as Exchange does', () => {
    assert.deepEqual(restriction(`<t:Contains><t:FieldURI FieldURI="item:Subject"/><t:Constant Value="a"/></t:Contains>`), {
      op: 'Contains',
      property: { kind: 'field', uri: 'item:Subject' },
      constant: 'a',
      mode: 'FullString',
      comparison: 'Exact',
    });
  });

  it('reads requests in a default namespace', () => {
    const r = parseRestriction(
      parseXml(`<Restriction xmlns="${NS.types}"><IsEqualTo><FieldURI FieldURI="folder:DisplayName"/><FieldURIOrConstant><Constant Value="A"/></FieldURIOrConstant></IsEqualTo></Restriction>`),
    );
    assert.equal(r.op, 'IsEqualTo');
  });

  it('refuses malformed expressions with schema faults', () => {
    const bad = [
      '',
      `${eq('a:b', '1')}${eq('a:b', '2')}`,
      '<t:Near/>',
      '<t:And/>',
      '<t:Not/>',
      `<t:IsEqualTo><t:FieldURI FieldURI="item:Subject"/></t:IsEqualTo>`,
      `<t:IsEqualTo><t:FieldURIOrConstant><t:Constant Value="1"/></t:FieldURIOrConstant></t:IsEqualTo>`,
      `<t:Contains ContainmentMode="Everywhere"><t:FieldURI FieldURI="item:Subject"/><t:Constant Value="a"/></t:Contains>`,
      `<t:Contains><t:FieldURI FieldURI="item:Subject"/></t:Contains>`,
      `<t:Excludes><t:FieldURI FieldURI="item:Subject"/><t:Bitmask Value="lots"/></t:Excludes>`,
      `<t:Exists><t:ExtendedFieldURI PropertyTag="0x3613"/></t:Exists>`,
      '<t:Not>'.repeat(80) + '<t:Exists><t:FieldURI FieldURI="a:b"/></t:Exists>' + '</t:Not>'.repeat(80),
    ];
    for (const xml of bad) assert.throws(() => restriction(xml), SoapFault, xml.slice(0, 80));
  });
});

describe('restriction evaluation', () => {
  it('compares strings case-insensitively and numbers numerically', () => {
    assert.equal(matches(restriction(eq('folder:DisplayName', 'INBOX')), { 'folder:DisplayName': 'Inbox' }), true);
    assert.equal(matches(restriction(eq('folder:DisplayName', 'Inbox2')), { 'folder:DisplayName': 'Inbox' }), false);
    assert.equal(matches(restriction(eq('folder:DisplayName', 'b', 'IsGreaterThan')), { 'folder:DisplayName': 'Apple' }), false);
    assert.equal(matches(restriction(eq('folder:DisplayName', 'B', 'IsLessThan')), { 'folder:DisplayName': 'apple' }), true);
    assert.equal(matches(restriction(eq('folder:TotalCount', '9', 'IsGreaterThan')), { 'folder:TotalCount': 10 }), true, '10 > 9, not "10" < "9"');
    assert.equal(matches(restriction(eq('folder:TotalCount', '10', 'IsGreaterThanOrEqualTo')), { 'folder:TotalCount': 10 }), true);
    assert.equal(matches(restriction(eq('folder:TotalCount', '10', 'IsLessThanOrEqualTo')), { 'folder:TotalCount': 11 }), false);
    assert.equal(matches(restriction(eq('folder:TotalCount', 'ten')), { 'folder:TotalCount': 10 }), false);
  });

  it('compares booleans and dates in their own types', () => {
    assert.equal(matches(restriction(eq('message:IsRead', 'true')), { 'message:IsRead': true }), true);
    assert.equal(matches(restriction(eq('message:IsRead', '0')), { 'message:IsRead': false }), true);
    assert.equal(matches(restriction(eq('message:IsRead', 'yes')), { 'message:IsRead': true }), false);
    const received = { 'item:DateTimeReceived': new Date('2026-11-23T10:00:00Z') };
    assert.equal(matches(restriction(eq('item:DateTimeReceived', '2026-11-23T09:00:00Z', 'IsGreaterThan')), received), true);
    assert.equal(matches(restriction(eq('item:DateTimeReceived', '2026-11-23T11:00:00.000+01:00')), received), true, 'offsets are honoured');
    assert.equal(matches(restriction(eq('item:DateTimeReceived', '2026-11-23T10:00:00.0000001Z', 'IsLessThan')), received), false);
  });

  it('treats a missing property as false for every comparison, IsNotEqualTo included', () => {
    for (const op of ['IsEqualTo', 'IsNotEqualTo', 'IsGreaterThan', 'IsLessThan']) assert.equal(matches(restriction(eq('folder:FolderClass', 'x', op)), {}), false, op);
    const davmail = restriction(
      `<t:Or>${eq('folder:FolderClass', 'IPF.Note')}<t:Not><t:Exists><t:FieldURI FieldURI="folder:FolderClass"/></t:Exists></t:Not></t:Or>`,
    );
    assert.equal(matches(davmail, {}), true);
    assert.equal(matches(davmail, { 'folder:FolderClass': 'IPF.Note' }), true);
    assert.equal(matches(davmail, { 'folder:FolderClass': 'IPF.Appointment' }), false);
  });

  it('matches multi-valued properties when any value does', () => {
    const cats = { 'item:Categories': ['Red', 'Blue'] };
    assert.equal(matches(restriction(eq('item:Categories', 'blue')), cats), true);
    assert.equal(matches(restriction(`<t:Contains ContainmentMode="Prefixed" ContainmentComparison="IgnoreCase"><t:FieldURI FieldURI="item:Categories"/><t:Constant Value="RE"/></t:Contains>`), cats), true);
    assert.equal(matches(restriction(eq('item:Categories', 'Green')), cats), false);
  });

  it('compares a property with another property', () => {
    const r = restriction(`<t:IsEqualTo><t:FieldURI FieldURI="a:x"/><t:FieldURIOrConstant><t:FieldURI FieldURI="a:y"/></t:FieldURIOrConstant></t:IsEqualTo>`);
    assert.equal(matches(r, { 'a:x': 'Same', 'a:y': 'same' }), true);
    assert.equal(matches(r, { 'a:x': 'Same' }), false);
  });

  it('honours every containment mode and comparison', () => {
    const c = (mode: string, comparison: string, constant: string, value: string) =>
      matches(
        restriction(`<t:Contains ContainmentMode="${mode}" ContainmentComparison="${comparison}"><t:FieldURI FieldURI="item:Subject"/><t:Constant Value="${constant}"/></t:Contains>`),
        { 'item:Subject': value },
      );
    assert.equal(c('FullString', 'Exact', 'Hello', 'Hello'), true);
    assert.equal(c('FullString', 'Exact', 'hello', 'Hello'), false);
    assert.equal(c('FullString', 'IgnoreCase', 'hello', 'Hello'), true);
    assert.equal(c('Prefixed', 'IgnoreCase', 'HEL', 'Hello world'), true);
    assert.equal(c('Prefixed', 'IgnoreCase', 'world', 'Hello world'), false);
    assert.equal(c('Substring', 'Exact', 'lo wo', 'Hello world'), true);
    assert.equal(c('Substring', 'Exact', 'LO WO', 'Hello world'), false);
    assert.equal(c('PrefixOnWords', 'IgnoreCase', 'wor', 'Hello world'), true);
    assert.equal(c('PrefixOnWords', 'IgnoreCase', 'orl', 'Hello world'), false);
    assert.equal(c('ExactPhrase', 'IgnoreCase', 'hello world', 'Say hello world!'), true);
    assert.equal(c('ExactPhrase', 'IgnoreCase', 'hello wor', 'Say hello world!'), false);
    assert.equal(c('Substring', 'IgnoreNonSpacingCharacters', 'Cafe', 'Café au lait'), true);
    assert.equal(c('Substring', 'Exact', 'Cafe', 'Café au lait'), false);
    assert.equal(c('Substring', 'IgnoreCaseAndNonSpacingCharacters', 'CAFE', 'café'), true);
    assert.equal(c('Substring', 'LooseAndIgnoreCase', 'abc', 'ＡＢＣ'), true, 'full-width letters fold under Loose');
    assert.equal(matches(restriction(`<t:Contains ContainmentMode="Substring"><t:FieldURI FieldURI="item:Size"/><t:Constant Value="1"/></t:Contains>`), { 'item:Size': 1 }), false);
  });

  it('tests bits with Excludes and presence with Exists', () => {
    const excl = (mask: string) => restriction(`<t:Excludes><t:ExtendedFieldURI PropertyTag="0xe07" PropertyType="Integer"/><t:Bitmask Value="${mask}"/></t:Excludes>`);
    assert.equal(matches(excl('0x1'), { '0xe07': 0b1000 }), true);
    assert.equal(matches(excl('8'), { '0xe07': 0b1000 }), false);
    assert.equal(matches(excl('0x1'), {}), false);
    const exists = restriction(`<t:Exists><t:ExtendedFieldURI PropertyTag="0x10f4" PropertyType="Boolean"/></t:Exists>`);
    assert.equal(matches(exists, { '0x10f4': false }), true);
    assert.equal(matches(exists, {}), false);
  });

  it('combines with And, Or and Not', () => {
    const r = restriction(`<t:And>${eq('a:x', '1')}<t:Or>${eq('a:y', '2')}<t:Not>${eq('a:z', '3')}</t:Not></t:Or></t:And>`);
    assert.equal(matches(r, { 'a:x': 1, 'a:y': 2, 'a:z': 3 }), true);
    assert.equal(matches(r, { 'a:x': 1, 'a:y': 5, 'a:z': 3 }), false);
    assert.equal(matches(r, { 'a:x': 1, 'a:y': 5, 'a:z': 4 }), true);
    assert.equal(matches(r, { 'a:x': 2, 'a:y': 2 }), false);
  });
});
