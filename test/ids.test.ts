import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EwsError } from '../src/ews/errors.js';
import { decodeChangeKey, decodeId, encodeChangeKey, encodeId } from '../src/ews/ids.js';
import { useTestServer, type TestUser } from './support/server.js';
import { messages, outcomes, post } from './support/soap.js';

const GUID = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof EwsError);
    return err.code;
  }
  return 'NoError';
}

describe('ids', () => {
  it('round-trip folder, item and attachment ids', () => {
    assert.deepEqual(decodeId(encodeId('F', GUID, 7), 'F'), { kind: 'F', mailboxGuid: GUID, numbers: [7] });
    assert.deepEqual(decodeId(encodeId('I', GUID, Number.MAX_SAFE_INTEGER), 'I'), { kind: 'I', mailboxGuid: GUID, numbers: [Number.MAX_SAFE_INTEGER] });
    assert.deepEqual(decodeId(encodeId('A', GUID, 3, 4), 'A', 2), { kind: 'A', mailboxGuid: GUID, numbers: [3, 4] });
  });

  it('are the base64 of version, kind, GUID and big-endian numbers, whatever was made or read before', () => {
    // The plain way of building the record: what the cached header and scratch buffer must match.
    const reference = (kind: string, guid: string, numbers: number[]) => {
      const buf = Buffer.alloc(18 + 8 * numbers.length);
      buf[0] = 1;
      buf[1] = kind.charCodeAt(0);
      Buffer.from(guid.replace(/-/g, ''), 'hex').copy(buf, 2);
      numbers.forEach((n, i) => buf.writeBigUInt64BE(BigInt(n), 18 + 8 * i));
      return buf.toString('base64');
    };
    const OTHER = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
    let seed = 7;
    const random = () => {
      seed = (seed * 48271) % 2147483647;
      return seed / 2147483647;
    };
    for (let i = 0; i < 2000; i++) {
      const guid = random() < 0.5 ? GUID : OTHER;
      const kind = (['F', 'I', 'A'] as const)[i % 3]!;
      const count = kind === 'A' ? 2 : 1;
      const numbers = Array.from({ length: count }, () => 1 + Math.floor(random() * (random() < 0.5 ? 1000 : Number.MAX_SAFE_INTEGER)));
      const id = encodeId(kind, guid, ...numbers);
      assert.equal(id, reference(kind, guid, numbers));
      assert.deepEqual(decodeId(id, kind, count), { kind, mailboxGuid: guid, numbers });
      assert.equal(decodeChangeKey(encodeChangeKey(kind, numbers[0]!), kind), numbers[0]);
    }
  });

  it('are XML-safe base64 of at most 512 characters', () => {
    const id = encodeId('A', GUID, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    assert.match(id, /^[A-Za-z0-9+/]+=*$/);
    assert.ok(id.length <= 512);
  });

  it('refuse tampered, truncated, non-base64, over-long and wrong-kind ids as malformed', () => {
    const good = encodeId('F', GUID, 42);
    const bytes = Buffer.from(good, 'base64');
    const flip = (i: number) => {
      const b = Buffer.from(bytes);
      b[i]! ^= 0xff;
      return b.toString('base64');
    };
    const zero = Buffer.from(bytes);
    zero.fill(0, 18);
    for (const bad of [
      flip(0), // version
      flip(1), // kind
      good.slice(0, -4), // truncated
      good + 'AAAA', // extended
      good.slice(1), // not a multiple of four
      'not-an-id',
      '!!!!',
      good.replace(/.$/, '?'),
      'A'.repeat(516),
      zero.toString('base64'), // object number 0
      encodeId('I', GUID, 42), // an item id where a folder id belongs
    ]) {
      assert.equal(code(() => decodeId(bad, 'F')), 'ErrorInvalidIdMalformed', bad);
    }
    assert.equal(code(() => decodeId('', 'F')), 'ErrorInvalidIdEmpty');
    assert.equal(code(() => decodeId(undefined, 'F')), 'ErrorInvalidIdEmpty');
  });

  it('ChangeKeys round-trip and are tied to their kind', () => {
    assert.equal(decodeChangeKey(encodeChangeKey('F', 12345), 'F'), 12345);
    assert.equal(decodeChangeKey(encodeChangeKey('F', 12345), 'I'), undefined);
    assert.equal(decodeChangeKey('garbage', 'F'), undefined);
    assert.notEqual(encodeChangeKey('F', 1), encodeChangeKey('F', 2));
  });
});

describe('ids over HTTP: mailboxes are isolated', () => {
  const env = useTestServer('alice', 'bob');

  const getFolder = (user: TestUser, idXml: string) =>
    post(env.server.url, user, `<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds>${idXml}</m:FolderIds></m:GetFolder>`);

  async function inboxId(user: TestUser): Promise<string> {
    const reply = await getFolder(user, '<t:DistinguishedFolderId Id="inbox"/>');
    return messages(reply.body)[0]!.child('Folders')!.children[0]!.child('FolderId')!.attr('Id')!;
  }

  it('answers an id of another user\'s folder with ErrorAccessDenied', async () => {
    const reply = await getFolder(env.users.alice, `<t:FolderId Id="${await inboxId(env.users.bob)}"/>`);
    assert.deepEqual(outcomes(reply.body), [['Error', 'ErrorAccessDenied']]);
  });

  it('answers a forged id (own GUID, another user\'s folder number) with ErrorFolderNotFound', async () => {
    const theirs = decodeId(await inboxId(env.users.bob), 'F');
    const mine = decodeId(await inboxId(env.users.alice), 'F');
    const forged = encodeId('F', mine.mailboxGuid, theirs.numbers[0]!);
    const reply = await getFolder(env.users.alice, `<t:FolderId Id="${forged}"/>`);
    assert.deepEqual(outcomes(reply.body), [['Error', 'ErrorFolderNotFound']]);
  });

  it('answers a DistinguishedFolderId naming another mailbox with ErrorAccessDenied, an unknown one with ErrorNonExistentMailbox', async () => {
    const reply = await getFolder(
      env.users.alice,
      '<t:DistinguishedFolderId Id="inbox"><t:Mailbox><t:EmailAddress>bob@example.com</t:EmailAddress></t:Mailbox></t:DistinguishedFolderId>' +
        '<t:DistinguishedFolderId Id="inbox"><t:Mailbox><t:EmailAddress>nobody@example.com</t:EmailAddress></t:Mailbox></t:DistinguishedFolderId>' +
        '<t:DistinguishedFolderId Id="inbox"><t:Mailbox><t:EmailAddress>ALICE@example.com</t:EmailAddress></t:Mailbox></t:DistinguishedFolderId>',
    );
    assert.deepEqual(outcomes(reply.body), [
      ['Error', 'ErrorAccessDenied'],
      ['Error', 'ErrorNonExistentMailbox'],
      ['Success', 'NoError'],
    ]);
  });

  it('answers an id of a removed user\'s mailbox with ErrorNonExistentMailbox naming the GUID', async () => {
    const carol = await env.server.addUser('carol@example.com');
    const id = await inboxId(carol);
    const guid = decodeId(id, 'F').mailboxGuid;
    assert.equal(await env.server.store.removeAccount(carol.email), true);
    const reply = await getFolder(env.users.alice, `<t:FolderId Id="${id}"/>`);
    assert.deepEqual(outcomes(reply.body), [['Error', 'ErrorNonExistentMailbox']]);
    const message = messages(reply.body)[0]!;
    assert.equal(message.childText('MessageText'), 'No mailbox with such guid.');
    const value = message.child('MessageXml')!.child('Value')!;
    assert.equal(value.attr('Name'), 'MailboxGuid');
    assert.equal(value.text, guid);
  });

  it('answers garbled ids with ErrorInvalidIdMalformed, item by item', async () => {
    const good = await inboxId(env.users.alice);
    const reply = await getFolder(env.users.alice, `<t:FolderId Id="${good.slice(0, -4)}"/><t:FolderId Id="${good}"/><t:FolderId Id="${'A'.repeat(600)}"/><t:FolderId Id="@@@@"/>`);
    assert.deepEqual(outcomes(reply.body), [
      ['Error', 'ErrorInvalidIdMalformed'],
      ['Success', 'NoError'],
      ['Error', 'ErrorInvalidIdMalformed'],
      ['Error', 'ErrorInvalidIdMalformed'],
    ]);
    assert.equal(messages(reply.body)[0]!.childText('MessageText'), 'Id is malformed.');
  });
});
