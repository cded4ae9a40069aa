import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { emptyMessageProps, type NewItem } from '../src/domain/item.js';
import { itemFromMime } from '../src/items/mime-mapping.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { fixture } from './support/mime.js';

/** createItems builds its results from what it wrote instead of reading them back: they must be the same. */
describe('SQLite createItems results', () => {
  it('equal the items as read back, for MIME items, attachments, repeated extended properties and dates', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ewsd-store-'));
    const store = SqliteStore.open(dir);
    try {
      const account = await store.createAccount({ email: 'alice@example.com', displayName: 'Alice', passwordHash: 'scrypt$16384$8$1$c2FsdA==$a2V5' });
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
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
