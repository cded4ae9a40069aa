import assert from 'node:assert/strict';
import { emptyMessageProps, type NewItem } from '../../src/domain/item.js';
import type { Outcome, Store } from '../../src/store/store.js';

/**
 * Items for the SQLite store's MIME segment tests: a message of about `kb` KB whose one attachment
 * is kept inside its MIME (the rows refer to its base64 range); its subject says which.
 */
export function attachedMessage(subject: string, kb: number): NewItem {
  const content = Buffer.from(`${subject}: ${'attached '.repeat(kb * 100)}`);
  const encoded = content.toString('base64');
  const mime = Buffer.from(`Subject: ${subject}\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\ntext\r\n--b\r\nContent-Transfer-Encoding: base64\r\n\r\n${encoded}\r\n--b--\r\n`, 'latin1');
  const start = mime.indexOf(encoded);
  const props = emptyMessageProps();
  props.subject = subject;
  return { props, mime, attachments: [{ kind: 'file', name: 'a.txt', contentType: 'text/plain', isInline: false, content, mimeSource: { mime, start, end: start + encoded.length } }] };
}

/** The values of outcomes that must all have succeeded. */
export const values = <T>(outcomes: Array<Outcome<T>>): T[] =>
  outcomes.map((o) => {
    assert.ok(o.ok, String(!o.ok && o.error));
    return o.value;
  });

/** A new account in `store` and its inbox. */
export async function mailboxWithInbox(store: Store, email = 'seg@example.com'): Promise<{ mailboxId: number; inboxId: number }> {
  const mailboxId = (await store.createAccount({ email, displayName: 'S', passwordHash: 'x' })).id;
  const inboxId = (await store.distinguishedFolder(mailboxId, 'inbox'))!.id;
  return { mailboxId, inboxId };
}
