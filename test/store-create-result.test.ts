import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { emptyMessageProps, type ItemBody, type NewItem } from '../src/domain/item.js';
import { itemFromMime } from '../src/items/mime-mapping.js';
import { parseMime } from '../src/mime/parse-mime.js';
import type { Account } from '../src/domain/mailbox.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { fixture } from './support/mime.js';

/** createItems builds its results from what it wrote instead of reading them back: they must be the same. */
describe('SQLite createItems results', () => {
  it('equal the items as read back, for MIME items, attachments, repeated extended properties and dates', () =>
    withStore(async (store, account) => {
      const drafts = (await store.distinguishedFolder(account.id, 'drafts'))!;
      const raw = fixture('mixed-pdf.eml');
      const fromMime: NewItem = { ...(await itemFromMime(raw)), mime: raw };
      const tag = (n: number) => ({ propertyTag: n, propertyType: 'String' });
      const plain: NewItem = {
        props: {
          ...emptyMessageProps(),
          subject: 'plain',
          dateTimeSent: new Date('2026-01-02T03:04:05Z'),
          body: { type: 'HTML', content: '<b>x</b>' },
          extended: [
            { key: 'tag:1', name: tag(1), value: 'a' },
            { key: 'tag:2', name: { propertySetId: 'c11ff724-aa03-4555-9952-8fa248a11c3e', propertyName: 'list', propertyType: 'StringArray' }, values: ['x', 'y'] },
            { key: 'tag:1', name: tag(1), value: 'again' },
          ],
        },
        attachments: [
          { kind: 'file', name: 'a.bin', contentType: 'application/octet-stream', isInline: false, content: Buffer.from([1, 2, 3]), contentLocation: 'http://x/a' },
          { kind: 'item', name: 'inner', isInline: true, item: { props: { ...emptyMessageProps(), subject: 'inner' }, attachments: [] } },
        ],
      };
      const created = await store.createItems(account.id, drafts.id, [fromMime, plain, { props: emptyMessageProps(), attachments: [] }]);
      const items = created.map((c) => (assert.ok(c.ok), c.value));
      const read = await store.items(account.id, items.map((i) => i.id));
      assert.deepStrictEqual(items, read);
      assert.deepEqual(
        items[1]!.props.extended.map((e) => e.value ?? e.values),
        [['x', 'y'], 'again'],
      );
    }));

  it('keep a body left in the MIME without reading it, and read it back from there', () =>
    withStore(async (store, account) => {
      const inbox = (await store.distinguishedFolder(account.id, 'inbox'))!;
      const html = Array.from({ length: 40 }, (_, i) => `<p>Gr=C3=BC=C3=9Fe ${i}, a line long enough to be folded by the =\r\nencoder</p>`).join('\r\n');
      const raw = Buffer.from(
        'From: a@example.com\r\nSubject: in place\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary="b"\r\n\r\n' +
          '--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nthe text alternative\r\n' +
          `--b\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${html}\r\n--b--\r\n`,
      );
      const parsed = await itemFromMime(raw);
      assert.ok(parsed.bodySource, 'the body is left in the MIME');
      assert.ok(Object.getOwnPropertyDescriptor(parsed.props.body, 'content')?.get, 'and decoded only when read');
      // The same body, whose text fails the test if anything reads it while the item is stored.
      const unread = Object.defineProperty({ type: 'HTML' }, 'content', {
        enumerable: true,
        get: () => assert.fail('the body was read while storing it'),
      }) as ItemBody;
      const item: NewItem = { props: { ...parsed.props, body: unread }, attachments: parsed.attachments, mime: raw, bodySource: { ...parsed.bodySource, body: unread } };
      const [created] = await store.createItems(account.id, inbox.id, [item]);
      assert.ok(created?.ok);
      assert.equal(created.value.props.body, unread);
      const [read] = await store.items(account.id, [created.value.id]);
      const expected = (await parseMime(raw, { nativeBase64: false })).html!;
      assert.deepStrictEqual(read!.props.body, { type: 'HTML', content: expected });
      assert.match(expected, /^<p>Grüße 0, a line long enough to be folded by the encoder<\/p>/);
    }));
});

/** Runs `test` on a store in a fresh directory with one account, closing and removing it after. */
async function withStore(test: (store: SqliteStore, account: Account) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ewsd-store-'));
  const store = SqliteStore.open(dir);
  try {
    await test(store, await store.createAccount({ email: 'alice@example.com', displayName: 'Alice', passwordHash: 'scrypt$16384$8$1$c2FsdA==$a2V5' }));
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
