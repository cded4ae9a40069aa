import { ImapFlow } from 'imapflow';
import type { CorpusMessage } from '../corpus.js';
import type { ItemRef, MailSession } from '../session.js';

export class ImapRequestError extends Error {}

/**
 * The IMAP side of each workload, with imapflow (one connection, INBOX selected). The commands are
 * the IMAP equivalents of the EWS requests: APPEND, FETCH of header fields, UID FETCH BODY.PEEK[],
 * UID STORE +FLAGS.SILENT, FETCH (FLAGS) (CHANGEDSINCE), UID STORE \Deleted + UID EXPUNGE.
 */
export class ImapSession implements MailSession {
  private constructor(readonly client: ImapFlow) {}

  static async open(host: string, port: number, user: string, pass: string): Promise<ImapSession> {
    const client = new ImapFlow({ host, port, secure: false, auth: { user, pass }, logger: false, disableAutoIdle: true });
    await client.connect();
    await client.mailboxOpen('INBOX');
    return new ImapSession(client);
  }

  async store(batch: readonly CorpusMessage[]): Promise<ItemRef[]> {
    const refs: ItemRef[] = [];
    for (const m of batch) {
      const res = await this.client.append('INBOX', m.raw);
      if (!res || res.uid === undefined) throw new ImapRequestError('APPEND failed or gave no UID');
      refs.push(String(res.uid));
    }
    return refs;
  }

  async listPage(offset: number, size: number): Promise<number> {
    // Sequence numbers, like EWS's Offset: the page at this position of the folder.
    const exists = this.client.mailbox ? this.client.mailbox.exists : 0;
    if (offset >= exists) return 0;
    const page = await this.client.fetchAll(`${offset + 1}:${Math.min(exists, offset + size)}`, {
      uid: true,
      flags: true,
      internalDate: true,
      size: true,
      headers: ['subject', 'from', 'date'],
    });
    return page.length;
  }

  async fetch(refs: readonly ItemRef[]): Promise<Buffer[]> {
    const got = await this.client.fetchAll(refs.join(','), { uid: true, source: true }, { uid: true });
    const byUid = new Map(got.map((m) => [String(m.uid), m.source]));
    return refs.map((r) => {
      const source = byUid.get(r);
      if (!source) throw new ImapRequestError(`UID ${r} was not fetched`);
      return source;
    });
  }

  async setRead(refs: readonly ItemRef[], read: boolean): Promise<void> {
    const set = refs.join(',');
    const ok = read
      ? await this.client.messageFlagsAdd(set, ['\\Seen'], { uid: true, silent: true })
      : await this.client.messageFlagsRemove(set, ['\\Seen'], { uid: true, silent: true });
    if (!ok) throw new ImapRequestError('UID STORE failed');
  }

  async syncState(): Promise<string> {
    const status = await this.client.status('INBOX', { highestModseq: true });
    if (!status || status.highestModseq === undefined) throw new ImapRequestError('the server reports no HIGHESTMODSEQ (CONDSTORE)');
    return String(status.highestModseq);
  }

  async changesSince(state: string): Promise<number> {
    const changed = await this.client.fetchAll('1:*', { uid: true, flags: true }, { uid: true, changedSince: BigInt(state) });
    return changed.length;
  }

  async delete(refs: readonly ItemRef[]): Promise<void> {
    if (!(await this.client.messageDelete(refs.join(','), { uid: true }))) throw new ImapRequestError('UID STORE \\Deleted + UID EXPUNGE failed');
  }

  async close(): Promise<void> {
    try {
      await this.client.logout();
    } catch {
      this.client.close();
    }
  }
}
