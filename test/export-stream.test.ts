import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  decodeItemStream, decodeItemStreamDetailed, encodeItemStream, ItemStreamError, type ExportedMessage,
} from '../src/export/item-stream.js';
import {
  AttachMethod, MapiPropertyBag, PidNameKeywords, PidTag, PropertySet, PropType, RecipientType,
  dateToFiletime, filetimeToDate, guidToBytes, type MapiProperty, type MapiValue,
} from '../src/export/mapi-props.js';
import { readMessageContent, writeMessageContent } from '../src/export/message-content.js';
import { Marker, MetaTag, PropertyStreamReader, PropertyStreamWriter, type StreamElement } from '../src/export/property-stream.js';
import { SEEDS } from './support/soap.js';
import { seededRandom } from '../bench/corpus.js';

const str = (value: string): MapiValue => ({ type: PropType.String, value });
const int = (value: number): MapiValue => ({ type: PropType.Integer32, value });

/** Plain, comparable form of a message (bags become arrays of properties in order). */
function plain(msg: ExportedMessage): unknown {
  return {
    properties: [...msg.properties],
    recipients: msg.recipients.map((r) => [...r]),
    attachments: msg.attachments.map((a) => ({ properties: [...a.properties], embedded: a.embedded ? plain(a.embedded) : undefined })),
  };
}

function roundTrip(msg: ExportedMessage): ExportedMessage {
  const decoded = decodeItemStream(encodeItemStream(msg));
  assert.deepEqual(plain(decoded), plain(msg));
  return decoded;
}

/** Every single- and multi-valued type the stream carries. */
const ALL_TYPES: MapiProperty[] = [
  { key: 0x6601, value: { type: PropType.Integer16, value: -12345 } },
  { key: 0x6602, value: { type: PropType.Integer32, value: -2_000_000_000 } },
  { key: 0x6603, value: { type: PropType.Floating32, value: 1.5 } },
  { key: 0x6604, value: { type: PropType.Floating64, value: Math.PI } },
  { key: 0x6605, value: { type: PropType.Currency, value: -123456789012345n } },
  { key: 0x6606, value: { type: PropType.FloatingTime, value: 45000.25 } },
  { key: 0x6607, value: { type: PropType.ErrorCode, value: 0x8004010f } },
  { key: 0x6608, value: { type: PropType.Boolean, value: true } },
  { key: 0x6609, value: { type: PropType.Boolean, value: false } },
  { key: 0x660a, value: { type: PropType.Integer64, value: -(2n ** 62n) } },
  { key: 0x660b, value: { type: PropType.Time, value: dateToFiletime(new Date('2024-02-29T12:34:56Z')) } },
  { key: 0x660c, value: { type: PropType.Guid, value: '00062008-0000-0000-c000-000000000046' } },
  { key: 0x660d, value: { type: PropType.String, value: 'Grüße 👋 日本語 — test' } },
  { key: 0x660e, value: { type: PropType.String, value: 'code page 1200 form', codePage: 1200 } },
  { key: 0x660f, value: { type: PropType.String8, value: 'café €uro' } },
  { key: 0x6610, value: { type: PropType.String8, value: 'cp1252 form', codePage: 1252 } },
  { key: 0x6611, value: { type: PropType.Binary, value: Buffer.from([0, 1, 2, 255]) } },
  { key: 0x6612, value: { type: PropType.Binary, value: Buffer.alloc(0) } },
  { key: 0x6613, value: { type: PropType.Object, value: Buffer.from('object') } },
  { key: 0x6614, value: { type: PropType.ServerId, value: Buffer.from([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]) } },
  { key: 0x6615, value: { type: PropType.String, value: '' } },
  { key: 0x6620, value: { type: PropType.MultipleInteger16, values: [1, -2, 32767] } },
  { key: 0x6621, value: { type: PropType.MultipleInteger32, values: [0, -1, 2147483647] } },
  { key: 0x6622, value: { type: PropType.MultipleFloating32, values: [0.5, -2.25] } },
  { key: 0x6623, value: { type: PropType.MultipleFloating64, values: [1e300, -0.1] } },
  { key: 0x6624, value: { type: PropType.MultipleCurrency, values: [10000n, -5n] } },
  { key: 0x6625, value: { type: PropType.MultipleFloatingTime, values: [1.25] } },
  { key: 0x6626, value: { type: PropType.MultipleInteger64, values: [2n ** 63n - 1n, -(2n ** 63n)] } },
  { key: 0x6627, value: { type: PropType.MultipleTime, values: [0n, dateToFiletime(new Date('1999-12-31T23:59:59Z'))] } },
  { key: 0x6628, value: { type: PropType.MultipleGuid, values: [PropertySet.PublicStrings, PropertySet.Common] } },
  { key: 0x6629, value: { type: PropType.MultipleString, values: ['a', '', '😀 emoji', '中文'] } },
  { key: 0x662a, value: { type: PropType.MultipleString8, values: ['plain', 'naïve'] } },
  { key: 0x662b, value: { type: PropType.MultipleBinary, values: [Buffer.from('x'), Buffer.alloc(0), randomBytes(300)] } },
  { key: 0x662c, value: { type: PropType.MultipleString, values: [] } },
];

function sampleMessage(subject: string, attachmentBytes = 64): ExportedMessage {
  const props = new MapiPropertyBag()
    .set(PidTag.MessageClass, str('IPM.Note'))
    .set(PidTag.Subject, str(subject))
    .set(PidTag.Importance, int(2))
    .set(PidTag.MessageFlags, int(1))
    .set(PidTag.MessageDeliveryTime, { type: PropType.Time, value: dateToFiletime(new Date('2025-01-02T03:04:05Z')) })
    .set(PidTag.Body, str('Hello 世界 🌍\r\nSecond line'))
    .set(PidTag.Html, { type: PropType.Binary, value: Buffer.from('<p>Hello 世界</p>') })
    .setNamed(PidNameKeywords, { type: PropType.MultipleString, values: ['Red category', '紅'] })
    .setNamed({ set: PropertySet.Common, lid: 0x8514 }, { type: PropType.Boolean, value: true })
    .setNamed({ set: PropertySet.InternetHeaders, name: 'x-custom-header' }, str('value'));
  return {
    properties: props,
    recipients: [
      new MapiPropertyBag()
        .set(PidTag.RecipientType, int(RecipientType.To))
        .set(PidTag.DisplayName, str('Zoë Ångström'))
        .set(PidTag.SmtpAddress, str('zoe@example.com')),
      new MapiPropertyBag().set(PidTag.RecipientType, int(RecipientType.Cc)).set(PidTag.SmtpAddress, str('cc@example.com')),
    ],
    attachments: [
      {
        properties: new MapiPropertyBag()
          .set(PidTag.AttachMethod, int(AttachMethod.ByValue))
          .set(PidTag.AttachLongFilename, str('résumé.pdf'))
          .set(PidTag.AttachMimeTag, str('application/pdf'))
          .set(PidTag.AttachDataBinary, { type: PropType.Binary, value: randomBytes(attachmentBytes) }),
      },
    ],
  };
}

/** The bench corpus's deterministic PRNG (mulberry32), so that a failing fuzz case can be replayed. */
const prng = seededRandom;

/** Decoding must give a message or an ItemStreamError; any other exception fails the test. */
function decodesOrRejects(decode: () => unknown, what: string): 'ok' | 'rejected' {
  try {
    decode();
    return 'ok';
  } catch (e) {
    if (e instanceof ItemStreamError) return 'rejected';
    throw new Error(`${what}: ${e instanceof Error ? e.stack : String(e)}`);
  }
}

function seedData(): Buffer[] {
  const xml = readFileSync(join(SEEDS, 'ExportItems.response-success.xml'), 'utf8');
  return [...xml.matchAll(/<m:Data>([^<]*)<\/m:Data>/g)].map((m) => Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'));
}

/** Reads elements until the end or the first error; returns them and the error. */
function readAll(buf: Buffer, base = 0): { elements: StreamElement[]; error?: ItemStreamError; completeBytes: number } {
  const r = new PropertyStreamReader(buf, base);
  const elements: StreamElement[] = [];
  let completeBytes = 0;
  try {
    while (!r.atEnd) {
      elements.push(r.next());
      completeBytes = r.offset - base;
    }
    return { elements, completeBytes };
  } catch (e) {
    if (!(e instanceof ItemStreamError)) throw e;
    return { elements, error: e, completeBytes };
  }
}

function propsOf(elements: StreamElement[]): Array<[number | string, unknown]> {
  return elements.map((el) => {
    if (el.kind === 'marker') return ['marker', el.tag];
    const v = el.property.value;
    return [typeof el.property.key === 'number' ? el.property.key : JSON.stringify(el.property.key), 'value' in v ? v.value : v.values];
  });
}

describe('export item stream: round trips', () => {
  it('carries every property type, single- and multi-valued', () => {
    const msg: ExportedMessage = { properties: new MapiPropertyBag(ALL_TYPES), recipients: [], attachments: [] };
    roundTrip(msg);
  });

  it('keeps the code page of strings where it can, else falls back to UTF-16', () => {
    const msg: ExportedMessage = {
      properties: new MapiPropertyBag()
        .set(1, { type: PropType.String8, value: '日本' })
        .set(2, { type: PropType.String8, value: 'Ελληνικά', codePage: 1253 })
        .set(3, { type: PropType.MultipleString8, values: ['ok', 'не'] }),
      recipients: [],
      attachments: [],
    };
    const back = decodeItemStream(encodeItemStream(msg));
    // windows-1252 cannot hold these characters: they travel as code-page 1200 strings, text intact.
    assert.deepEqual(back.properties.get(1), { type: PropType.String, value: '日本', codePage: 1200 });
    assert.deepEqual(back.properties.get(2), { type: PropType.String, value: 'Ελληνικά', codePage: 1200 });
    assert.deepEqual(back.properties.get(3), { type: PropType.MultipleString, values: ['ok', 'не'] });
  });

  it('carries named properties by LID and by name, in every nesting level', () => {
    const inner = sampleMessage('inner');
    const msg = sampleMessage('outer');
    msg.attachments.push({
      properties: new MapiPropertyBag().set(PidTag.AttachMethod, int(AttachMethod.EmbeddedMessage)),
      embedded: inner,
    });
    const back = roundTrip(msg);
    assert.deepEqual(back.properties.getNamed(PidNameKeywords), { type: PropType.MultipleString, values: ['Red category', '紅'] });
    const embedded = back.attachments[1]!.embedded!;
    assert.equal(embedded.properties.getString(PidTag.Subject), 'inner');
    assert.deepEqual(embedded.properties.getNamed({ set: PropertySet.Common.toUpperCase(), lid: 0x8514 }), { type: PropType.Boolean, value: true });
  });

  it('nests embedded messages, with recipients and attachments at each level', () => {
    let msg = sampleMessage('level 5');
    for (let level = 4; level >= 0; level--) {
      const outer = sampleMessage(`level ${level}`);
      outer.attachments.push({ properties: new MapiPropertyBag().set(PidTag.AttachMethod, int(AttachMethod.EmbeddedMessage)), embedded: msg });
      msg = outer;
    }
    let back: ExportedMessage | undefined = roundTrip(msg);
    for (let level = 0; level <= 5; level++) {
      assert.equal(back!.properties.getString(PidTag.Subject), `level ${level}`);
      assert.equal(back!.recipients.length, 2);
      back = back!.attachments[1]?.embedded;
    }
    assert.equal(back, undefined);
  });

  it('carries attachments of several MB byte for byte', () => {
    const big = randomBytes(5 * 1024 * 1024 + 7);
    const msg = sampleMessage('big');
    msg.attachments[0]!.properties.set(PidTag.AttachDataBinary, { type: PropType.Binary, value: big });
    const data = encodeItemStream(msg);
    assert.ok(data.length > big.length && data.length < big.length + 64 * 1024);
    const back = decodeItemStream(data);
    const got = back.attachments[0]!.properties.get(PidTag.AttachDataBinary);
    assert.ok(got && got.type === PropType.Binary && got.value.equals(big));
  });

  it('numbers recipient rows and attachments itself (PidTagRowid / PidTagAttachNumber are positions)', () => {
    const msg = sampleMessage('rows');
    msg.recipients[0]!.set(PidTag.Rowid, int(77));
    msg.attachments[0]!.properties.set(PidTag.AttachNumber, int(9));
    const content = writeMessageContent(msg);
    const { elements } = readAll(content);
    const rowids = elements.filter((e) => e.kind === 'property' && e.property.key === PidTag.Rowid).map((e) => e.kind === 'property' && e.property.value);
    assert.deepEqual(rowids, [int(0), int(1)]);
    const back = readMessageContent(content);
    assert.equal(back.recipients[0]!.has(PidTag.Rowid), false);
    assert.equal(back.attachments[0]!.properties.has(PidTag.AttachNumber), false);
  });

  it('reads back Exchange-framed data (no ewsd header)', () => {
    const msg = sampleMessage('bare');
    const bare = encodeItemStream(msg).subarray(16);
    const decoded = decodeItemStreamDetailed(bare);
    assert.equal(decoded.origin, 'exchange');
    assert.deepEqual(plain(decoded.message), plain(msg));
    assert.deepEqual(decoded.partnerVersion, [0x0f02, 0x8000 | 1544, 4]);
  });

  it('reads code-page strings: 1252 (all of 0x80-0x9F), Shift-JIS, UTF-8; rejects unknown code pages', () => {
    const cpString = (id: number, cp: number, bytes: Buffer): Buffer => {
      const head = Buffer.alloc(8);
      head.writeUInt32LE(((id << 16) | 0x8000 | cp) >>> 0, 0);
      head.writeUInt32LE(bytes.length + 1, 4);
      return Buffer.concat([head, bytes, Buffer.from([0])]);
    };
    const high = Buffer.from(Array.from({ length: 32 }, (_, i) => 0x80 + i));
    const content = Buffer.concat([
      cpString(1, 1252, high),
      cpString(2, 932, Buffer.from([0x93, 0xfa, 0x96, 0x7b])),
      cpString(3, 65001 & 0x7fff, Buffer.from('ünïcødé ✓', 'utf8')),
    ]);
    const msg = readMessageContent(content);
    assert.equal(msg.properties.getString(1), '€\x81‚ƒ„…†‡ˆ‰Š‹Œ\x8DŽ\x8F\x90‘’“”•–—˜™š›œ\x9DžŸ');
    assert.deepEqual(msg.properties.get(2), { type: PropType.String8, value: '日本', codePage: 932 });
    assert.equal(msg.properties.getString(3), 'ünïcødé ✓');
    // The 1252 text goes back out byte for byte.
    const again = writeMessageContent(msg);
    assert.ok(again.includes(high));
    assert.throws(() => readMessageContent(cpString(4, 1234, Buffer.from('x'))), (e: unknown) => e instanceof ItemStreamError && e.code === 'unsupported' && /code page 1234/.test(e.message));
  });

  it('writes the wire layout of MS-OXCFXICS: 2-byte booleans, named-property info, FXDelProp before children', () => {
    const msg: ExportedMessage = {
      properties: new MapiPropertyBag()
        .set(PidTag.ReadReceiptRequested, { type: PropType.Boolean, value: true })
        .setNamed({ set: PropertySet.Common, lid: 0x8580 }, int(7))
        .setNamed({ set: PropertySet.PublicStrings, name: 'Keywords' }, { type: PropType.MultipleString, values: ['a'] }),
      recipients: [],
      attachments: [],
    };
    const hex = writeMessageContent(msg).toString('hex');
    const expected = [
      '0b002900', '0100', // PidTagReadReceiptRequested = true, 2 bytes
      '03000080', guidToBytes(PropertySet.Common).toString('hex'), '00', '80850000', '07000000', // LID 0x8580
      '1f100180', guidToBytes(PropertySet.PublicStrings).toString('hex'), '01', Buffer.from('Keywords\0', 'utf16le').toString('hex'),
      '01000000', '04000000', '61000000', // one value: "a" + NUL, counted
      '03001640', '0d00120e', // MetaTagFXDelProp(PidTagMessageRecipients)
      '03001640', '0d00130e', // MetaTagFXDelProp(PidTagMessageAttachments)
    ].join('');
    assert.equal(hex, expected);
  });

  it('is tolerant where Exchange might differ: properties after children, repeated tags (last wins), FXDelProp anywhere', () => {
    const w = new PropertyStreamWriter();
    w.property({ key: PidTag.Subject, value: str('first') });
    w.marker(Marker.StartRecip);
    w.property({ key: PidTag.SmtpAddress, value: str('r@example.com') });
    w.marker(Marker.EndToRecip);
    w.metaU32(MetaTag.FXDelProp, 0x0e13000d);
    w.property({ key: PidTag.Subject, value: str('second') });
    const msg = readMessageContent(w.toBuffer());
    assert.equal(msg.properties.getString(PidTag.Subject), 'second');
    assert.equal(msg.properties.size, 1);
    assert.equal(msg.recipients[0]!.getString(PidTag.SmtpAddress), 'r@example.com');
  });

  it('converts FILETIME and GUIDs like Windows does', () => {
    assert.equal(dateToFiletime(new Date('1601-01-01T00:00:00Z')), 0n);
    assert.equal(dateToFiletime(new Date(0)), 116444736000000000n);
    assert.equal(filetimeToDate(116444736000000000n + 10_000_000n).toISOString(), '1970-01-01T00:00:01.000Z');
    assert.equal(guidToBytes('00020307-0000-0000-c000-000000000046').toString('hex'), '0703020000000000c000000000000046');
  });
});

describe('export item stream: the seed (Exchange 2010 SP1, shortened by the documentation)', () => {
  const [first, second, third] = seedData();

  it('finds three Data samples in the seed', () => {
    assert.ok(first && second && third);
  });

  it('third sample: recognises Exchange records, the message interface and the partner version, then reports the cut', () => {
    // Config {flags 0, method 1}, IsInterfaceOk {1, IID_IMessage, 0x80002400}, TellPartnerVersion {14.1 build 139},
    // then a TransferBuffer that declares 0x2012 bytes: the documentation kept only the first few hundred.
    assert.equal(third!.subarray(0, 16).toString('hex'), '01000000080000000000000001000000');
    assert.equal(third!.subarray(28, 44).toString('hex'), guidToBytes('00020307-0000-0000-c000-000000000046').toString('hex'));
    assert.deepEqual([third!.readUInt16LE(56), third!.readUInt16LE(58), third!.readUInt16LE(60)], [0x0e01, 0x808b, 0]);
    assert.throws(() => decodeItemStream(third!), (e: unknown) => {
      assert.ok(e instanceof ItemStreamError);
      assert.equal(e.code, 'truncated');
      assert.equal(e.offset, 62);
      assert.match(e.message, /record TransferBuffer declares 8210 bytes, \d+ remain/);
      return true;
    });
    // The content that is present reads as message properties until the cut.
    const { elements, error } = readAll(third!.subarray(70), 70);
    assert.equal(error?.code, 'truncated');
    const props = propsOf(elements);
    assert.deepEqual(props.slice(0, 7), [
      [0x4008, '/O=FIRST ORGANIZATION/OU=EXCHANGE ADMINISTRATIVE GROUP (FYDIBOHF23SPDLT)/CN=RECIPIENTS/CN='],
      [PidTag.Importance, 1],
      [PidTag.MessageClass, 'IPM.Note'],
      [PidTag.OriginatorDeliveryReportRequested, false],
      [PidTag.ReadReceiptRequested, false],
      [PidTag.Sensitivity, 0],
      [PidTag.Subject, 'Interesting - from EWSMA'],
    ]);
    // MetaTagDnPrefix arrives as a code-page 1252 string (type 0x84E4); Subject as code page 1200 (0x84B0).
    const first = elements[0]!;
    assert.ok(first.kind === 'property' && first.tag === 0x400884e4 && first.property.value.type === PropType.String8);
    assert.equal((MetaTag.DnPrefix >>> 16), 0x4008);
    const submit = elements[7]!;
    assert.ok(submit.kind === 'property' && submit.property.value.type === PropType.Time);
    assert.equal(filetimeToDate(submit.property.value.value as bigint).getUTCFullYear(), 2010);
  });

  it('third sample: the complete part, re-framed with its own header records, decodes as an Exchange item', () => {
    const { completeBytes } = readAll(third!.subarray(70), 70);
    const content = third!.subarray(70, 70 + completeBytes);
    const buffer = Buffer.alloc(8);
    buffer.writeUInt32LE(2, 0);
    buffer.writeUInt32LE(content.length, 4);
    const data = Buffer.concat([third!.subarray(0, 62), buffer, content]);
    const decoded = decodeItemStreamDetailed(data);
    assert.equal(decoded.origin, 'exchange');
    assert.deepEqual(decoded.partnerVersion, [0x0e01, 0x808b, 0]);
    assert.equal(decoded.message.properties.getString(PidTag.Subject), 'Interesting - from EWSMA');
    assert.equal(decoded.message.properties.getString(PidTag.MessageClass), 'IPM.Note');
    // ... and survives a round trip through ewsd's own framing.
    roundTrip(decoded.message);
  });

  it('second sample: Config and IsInterfaceOk are intact; the cut removed the next record header', () => {
    assert.throws(() => decodeItemStream(second!), (e: unknown) => {
      assert.ok(e instanceof ItemStreamError);
      assert.equal(e.code, 'corrupt');
      assert.equal(e.offset, 48);
      assert.match(e.message, /unknown record opcode 0x00320040/);
      return true;
    });
    // From byte 48 on, the bytes are the end of a recipient list and a whole attachment with an embedded message.
    const { elements, error } = readAll(second!.subarray(48), 48);
    assert.equal(error?.code, 'truncated');
    const props = propsOf(elements);
    assert.deepEqual(props.slice(1, 8), [
      ['marker', Marker.EndToRecip],
      [0x4016, 0x0e13000d], // MetaTagFXDelProp(PidTagMessageAttachments)
      ['marker', Marker.NewAttach],
      [PidTag.AttachNumber, 0],
      [PidTag.AttachContentId, '2ab16166-ae5d-42ef-a559-c89087d23d84'],
      [PidTag.RenderingPosition, -1],
      [PidTag.AttachSize, 1124],
    ]);
    assert.ok(props.some(([k, v]) => k === PidTag.AttachMethod && v === AttachMethod.EmbeddedMessage));
    assert.ok(props.some(([k, v]) => k === 'marker' && v === Marker.StartEmbed));
    assert.ok(props.some(([k, v]) => k === PidTag.Subject && v === 'Most fascinating'));
  });

  it('first sample: Config is cut in the middle; its tail closes a recipient, an embedded message and an attachment', () => {
    assert.throws(() => decodeItemStream(first!), (e: unknown) => e instanceof ItemStreamError && e.code === 'corrupt' && e.offset === 16);
    const at = first!.indexOf(Buffer.from([0xb0, 0x84, 0xfe, 0x39]));
    const { elements, error } = readAll(first!.subarray(at), at);
    assert.equal(error, undefined);
    assert.deepEqual(propsOf(elements), [
      [PidTag.SmtpAddress, 'User2@aujing-dom.extest.microsoft.com'],
      [PidTag.DisplayType, 0],
      [PidTag.ObjectType, 6],
      ['marker', Marker.EndToRecip],
      ['marker', Marker.EndEmbed],
      ['marker', Marker.EndAttach],
    ]);
  });
});

describe('export item stream: hostile input', () => {
  it('rejects foreign, empty, newer and damaged data with precise errors', () => {
    const good = encodeItemStream(sampleMessage('x'));
    const expectError = (data: Buffer, code: string, re: RegExp): void => {
      assert.throws(() => decodeItemStream(data), (e: unknown) => e instanceof ItemStreamError && e.code === code && re.test(e.message));
    };
    expectError(Buffer.alloc(0), 'truncated', /empty/);
    expectError(Buffer.from('Return-Path: <a@b>\r\n'), 'foreign', /not an item export stream: it starts with 52 65 74 75/);
    expectError(Buffer.from('89504e470d0a1a0a', 'hex'), 'foreign', /not an item export stream/);
    const newer = Buffer.from(good);
    newer.writeUInt16LE(2, 4);
    expectError(newer, 'unsupported', /format version 2; this server reads version 1/);
    expectError(good.subarray(0, good.length - 1), 'truncated', /declares \d+ bytes of records, only \d+ present/);
    expectError(Buffer.concat([good, Buffer.from([0])]), 'corrupt', /1 unexpected bytes after the end/);
    const flipped = Buffer.from(good);
    flipped[flipped.length - 20]! ^= 0x40;
    expectError(flipped, 'corrupt', /checksum mismatch/);
    expectError(Buffer.concat([good.subarray(16), Buffer.from('=== Truncated Data ===')]), 'truncated', /marked this data as cut short/);
    const folder = Buffer.from(good.subarray(16));
    guidToBytes('0002030c-0000-0000-c000-000000000046').copy(folder, 8 + 8 + 8 + 4);
    expectError(folder, 'unsupported', /transfers interface \{0002030c-0000-0000-c000-000000000046\}, not a message/);
  });

  it('never trusts a length: huge byte counts and value counts fail without allocating', () => {
    const w = new PropertyStreamWriter();
    w.property({ key: PidTag.Subject, value: str('ok') });
    const head = w.toBuffer();
    const hugeString = Buffer.concat([head, Buffer.from('1f003700ffffffff41004200', 'hex')]);
    assert.throws(() => readMessageContent(hugeString), /declares 4294967295 bytes, 4 remain/);
    const hugeMv = Buffer.concat([head, Buffer.from('1f101b00ffffff7f', 'hex')]);
    assert.throws(() => readMessageContent(hugeMv), (e: unknown) => e instanceof ItemStreamError && e.code === 'truncated' && /2147483647 values/.test(e.message));
    const badType = Buffer.from('09003700', 'hex');
    assert.throws(() => readMessageContent(badType), /unknown property type 0x0009 in tag 0x00370009/);
    const badNamed = Buffer.concat([Buffer.from('03000080', 'hex'), guidToBytes(PropertySet.Common), Buffer.from([7])]);
    assert.throws(() => readMessageContent(badNamed), /kind 7, expected 0 \(LID\) or 1 \(name\)/);
    const unterminatedName = Buffer.concat([Buffer.from('03000080', 'hex'), guidToBytes(PropertySet.Common), Buffer.from([1, 0x41, 0])]);
    assert.throws(() => readMessageContent(unterminatedName), /no NUL terminator/);
  });

  it('bounds nesting depth and size', () => {
    let msg: ExportedMessage = sampleMessage('deepest', 1);
    for (let i = 0; i < 40; i++) {
      msg = { properties: new MapiPropertyBag().set(PidTag.Subject, str(`d${i}`)), recipients: [], attachments: [{ properties: new MapiPropertyBag(), embedded: msg }] };
    }
    assert.throws(() => encodeItemStream(msg), /nested deeper than 32/);
    const data = encodeItemStream(msg, { maxDepth: 64 });
    assert.throws(() => decodeItemStream(data), (e: unknown) => e instanceof ItemStreamError && e.code === 'too-deep');
    assert.equal(decodeItemStream(data, { maxDepth: 64 }).properties.getString(PidTag.Subject), 'd39');
    assert.throws(() => decodeItemStream(data, { maxBytes: 1000 }), (e: unknown) => e instanceof ItemStreamError && e.code === 'too-large');
    // A stream of nothing but StartEmbed markers cannot recurse past the bound.
    const bomb = Buffer.alloc(4 * 100_000);
    for (let i = 0; i < 100_000; i++) bomb.writeUInt32LE(i % 2 ? Marker.StartEmbed : Marker.NewAttach, i * 4);
    assert.throws(() => readMessageContent(bomb), (e: unknown) => e instanceof ItemStreamError && e.code === 'too-deep');
    // Unbalanced markers.
    assert.throws(() => readMessageContent(Buffer.from('03000240', 'hex')), /EndEmbed without a StartEmbed/);
    assert.throws(() => readMessageContent(Buffer.from('03000040', 'hex')), /attachment ends without EndAttach/);
    assert.throws(() => readMessageContent(Buffer.from('0300034003000e40', 'hex')), /unexpected marker EndAttach \(0x400E0003\) inside a recipient/);
  });

  it('fuzz: truncations and byte flips give a message or an ItemStreamError, never another exception', { timeout: 120_000 }, () => {
    const rand = prng(0x5eed);
    const msg = sampleMessage('fuzz', 200);
    msg.properties.setNamed({ set: PropertySet.Mapi, name: 'n' }, { type: PropType.MultipleBinary, values: [Buffer.from('ab')] });
    msg.attachments.push({ properties: new MapiPropertyBag(ALL_TYPES), embedded: sampleMessage('inner', 10) });
    const good = encodeItemStream(msg);
    const bare = good.subarray(16); // Exchange framing: no checksum, so flips reach the parser
    const content = writeMessageContent(msg);
    const tally = { ok: 0, rejected: 0 };
    for (let i = 0; i < 3000; i++) {
      const cut = Math.floor(rand() * good.length);
      tally[decodesOrRejects(() => decodeItemStream(good.subarray(0, cut)), `truncation at ${cut}`)]++;
      const contentCut = Math.floor(rand() * content.length);
      tally[decodesOrRejects(() => readMessageContent(content.subarray(0, contentCut)), `content truncation at ${contentCut}`)]++;
      for (const [name, base] of [['bare', bare], ['content', content]] as const) {
        const mutated = Buffer.from(base);
        const flips = 1 + Math.floor(rand() * 4);
        for (let f = 0; f < flips; f++) {
          const at = Math.floor(rand() * mutated.length);
          mutated[at] = rand() < 0.5 ? mutated[at]! ^ (1 << Math.floor(rand() * 8)) : Math.floor(rand() * 256);
        }
        const decode = name === 'bare' ? () => decodeItemStream(mutated) : () => readMessageContent(mutated);
        tally[decodesOrRejects(decode, `${name} flips (iteration ${i})`)]++;
      }
    }
    assert.ok(tally.rejected > 1000, `most damaged inputs are rejected (${JSON.stringify(tally)})`);
  });
});
