import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptyMessageProps } from '../src/domain/item.js';
import { prepareOutgoing, receivedCopies, UnsendableMessage } from '../src/items/send.js';
import { parseMime } from '../src/mime/parse-mime.js';

const NOW = new Date('2026-11-23T20:00:00Z');

function draft() {
  const p = emptyMessageProps();
  p.subject = 'Prüfung: Ärger über „Zeichen“';
  p.body = { type: 'HTML', content: '<p>Hello <b>Bob</b></p>' };
  p.to = [{ name: 'Bob Büttner', address: 'bob@example.com' }];
  p.cc = [{ address: 'carol@remote.test' }];
  p.bcc = [{ address: 'secret@remote.test' }, { address: 'BOB@example.com' }];
  return p;
}

describe('the sent message (src/items/send.ts)', () => {
  it('composes RFC 5322: From, Date, Message-ID, To/Cc, no Bcc, HTML + text, attachments, encoded headers', async () => {
    const out = await prepareOutgoing({
      props: draft(),
      attachments: [{ kind: 'file', name: 'notes.txt', contentType: 'text/plain', isInline: false, content: Buffer.from('attached text') }],
      from: { name: 'Alice', address: 'alice@example.com' },
      now: NOW,
    });
    assert.deepEqual(out.recipients, ['bob@example.com', 'carol@remote.test', 'secret@remote.test'], 'To+Cc+Bcc, each mailbox once');
    assert.equal(out.envelopeSender, 'alice@example.com');
    const head = out.raw.toString('latin1').split('\r\n\r\n')[0]!;
    assert.doesNotMatch(head, /^bcc:/im);
    assert.ok(/^[\x00-\x7f]*$/.test(head), 'headers are ASCII (RFC 2047)');
    const m = await parseMime(out.raw);
    assert.equal(m.subject, 'Prüfung: Ärger über „Zeichen“');
    assert.deepEqual(m.from, { name: 'Alice', address: 'alice@example.com' });
    assert.equal(m.sender, undefined);
    assert.deepEqual(m.to, [{ name: 'Bob Büttner', address: 'bob@example.com' }]);
    assert.deepEqual(m.bcc, []);
    assert.equal(m.date?.toISOString(), NOW.toISOString());
    assert.equal(m.messageId, out.copy.props.internetMessageId);
    assert.match(m.html ?? '', /<b>Bob<\/b>/);
    assert.match(m.text ?? '', /Hello Bob/);
    assert.deepEqual(m.attachments.map((a) => [a.filename, a.content.toString()]), [['notes.txt', 'attached text']]);
    // The copy keeps the Bcc recipients and is a sent, read message.
    assert.equal(out.copy.props.bcc.length, 2);
    assert.equal(out.copy.props.isDraft, false);
    assert.equal(out.copy.props.isRead, true);
    assert.equal(out.copy.props.dateTimeSent?.toISOString(), NOW.toISOString());
  });

  it('a delegate: From = principal, Sender = delegate, envelope sender = delegate', async () => {
    const out = await prepareOutgoing({ props: draft(), attachments: [], from: { name: 'Alice', address: 'alice@example.com' }, sender: { name: 'Bob', address: 'bob@example.com' }, now: NOW });
    const m = await parseMime(out.raw);
    assert.equal(m.from?.address, 'alice@example.com');
    assert.equal(m.sender?.address, 'bob@example.com');
    assert.equal(out.envelopeSender, 'bob@example.com');
  });

  it('MIME as given: Bcc (folded) and X-Unsent removed, From/Date/Message-ID added when missing, the rest byte for byte', async () => {
    const props = draft();
    props.internetMessageId = '<given@example.com>';
    const body = 'Subject: hi\r\nTo: bob@example.com\r\nBcc: a@remote.test,\r\n\tb@remote.test\r\nX-Unsent: 1\r\nX-Custom: kept\r\n\r\nbody\r\n';
    const out = await prepareOutgoing({ props, attachments: [], mime: Buffer.from(body), from: { name: 'Alice', address: 'alice@example.com' }, now: NOW });
    assert.equal(
      out.raw.toString(),
      'From: "Alice" <alice@example.com>\r\nDate: Mon, 23 Nov 2026 20:00:00 +0000\r\nMessage-ID: <given@example.com>\r\nSubject: hi\r\nTo: bob@example.com\r\nX-Custom: kept\r\n\r\nbody\r\n',
    );
  });

  it('refuses a message without recipients or with an address that is not one', async () => {
    const none = emptyMessageProps();
    await assert.rejects(prepareOutgoing({ props: none, attachments: [], from: { address: 'alice@example.com' }, now: NOW }), UnsendableMessage);
    const bad = draft();
    bad.to = [{ name: 'Just a name' }];
    await assert.rejects(prepareOutgoing({ props: bad, attachments: [], from: { address: 'alice@example.com' }, now: NOW }), /Just a name/);
  });

  it("local recipients' copies are unread, received now, with the sent bytes", async () => {
    const out = await prepareOutgoing({ props: draft(), attachments: [], from: { address: 'alice@example.com' }, now: NOW });
    const [bob, carol] = await receivedCopies(out.raw, ['bob@example.com', 'carol@example.com'], NOW);
    for (const c of [bob!, carol!]) {
      assert.equal(c.props.isRead, false);
      assert.equal(c.props.isDraft, false);
      assert.equal(c.props.dateTimeReceived?.toISOString(), NOW.toISOString());
      assert.equal(c.mime, out.raw);
      assert.deepEqual(c.props.bcc, []);
    }
    assert.notEqual(bob!.props, carol!.props);
  });
});
