import { parseXml } from '../../src/soap/xml-parser.js';
import { NS } from '../../src/soap/namespaces.js';
import type { CorpusMessage } from '../corpus.js';
import { HttpConnection } from './http-connection.js';
import { withRoom } from './kept-buffer.js';
import {
  createItemRequest, deleteItemXml, exportItemsXml, findItemXml, getInboxIdXml, getItemXml, soapEnvelope, syncFolderItemsXml, updateIsReadXml, uploadItemsXml,
} from './ews-requests.js';
import {
  base64Room, countElements, decodeBase64Into, firstAttribute, firstText, firstTextRange, responseMessages, type ResponseMessage,
} from './ews-response.js';
import { NotImplemented, type ItemRef, type MailSession } from '../session.js';

/** An EWS request that came back with an error (a per-item ResponseMessage or an unexpected fault). */
export class EwsRequestError extends Error {}

/**
 * A bench client for EWS over one keep-alive HTTP connection (http-connection.ts, which reads each
 * answer into one buffer kept for the session): it writes the standard SOAP bodies that real
 * clients send and reads the answers with a scan for the values it needs (ews-response.ts); an
 * answer that is not all Success is parsed in full to say what went wrong.
 */
export class EwsSession implements MailSession {
  readonly #headers: string;
  readonly #path: string;
  readonly #connection: HttpConnection;
  #inbox: string | undefined;
  /**
   * CreateItem requests are written into this one buffer, grown as needed: a new 5 MB buffer per
   * request had V8 run a full collection of the client's heap (the corpus) every few requests, for
   * the external memory alone. A request is done with it once its answer has arrived and its body
   * has all been handed to the socket (HttpConnection#request waits for both).
   */
  #request = Buffer.allocUnsafeSlow(1 << 20);
  /**
   * GetItem's MIME is decoded into this one buffer, grown as needed: the bodies fetch returns are
   * views of it, valid until the session's next call. A fresh buffer per message (~0.37 MB per
   * GetItem of 10) had V8 run a full collection every ~25 requests, for the external memory alone.
   */
  #decoded = Buffer.allocUnsafeSlow(1 << 20);

  constructor(
    readonly url: string,
    user: string,
    password: string,
    /** Told every request body and its answer (the protocol floor's recording pass, canned-ews.ts). */
    private readonly record?: (request: Buffer, answer: Buffer) => void,
  ) {
    const auth = 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
    this.#headers = `Content-Type: text/xml; charset=utf-8\r\nAuthorization: ${auth}\r\n`;
    const u = new URL(url);
    this.#path = u.pathname + u.search;
    this.#connection = new HttpConnection(u.hostname, Number(u.port || 80));
  }

  /**
   * Authenticates once on the session's connection (a GET of the endpoint), as the IMAP session
   * logs in when it opens: a server's first check of a password (ewsd: scrypt, ~50 ms of CPU) is
   * then not inside the first timed request, as Dovecot's LOGIN is not.
   */
  async signIn(): Promise<void> {
    const { status } = await this.#connection.request('GET', this.#path, this.#headers);
    if (status !== 200) throw new EwsRequestError(`signing in: HTTP ${status}`);
  }

  async store(batch: readonly CorpusMessage[]): Promise<ItemRef[]> {
    const request = createItemRequest(
      batch.map((m) => m.raw),
      (size) => (this.#request = withRoom(this.#request, size)),
    );
    const msgs = await this.#call('CreateItem', request, batch.length);
    return msgs.map((m) => {
      const id = firstAttribute(m.text, 'ItemId', 'Id');
      if (!id) throw new EwsRequestError('CreateItem answered without an ItemId');
      return id;
    });
  }

  async listPage(offset: number, size: number): Promise<number> {
    const [msg] = await this.#call('FindItem', findItemXml(offset, size), 1);
    return countElements(msg!.text, 'ItemId');
  }

  async fetch(refs: readonly ItemRef[]): Promise<Buffer[]> {
    const msgs = await this.#call('GetItem', getItemXml(refs), refs.length);
    const ranges = msgs.map((m) => {
      const range = firstTextRange(m.bytes, 'MimeContent');
      if (!range) throw new EwsRequestError('GetItem answered without MimeContent');
      return range;
    });
    const room = ranges.reduce((n, [start, end]) => n + base64Room(end - start), 0);
    this.#decoded = withRoom(this.#decoded, room);
    let at = 0;
    return msgs.map((m, i) => {
      const [start, end] = ranges[i]!;
      const length = decodeBase64Into(m.bytes, start, end, this.#decoded, at);
      at += length;
      return this.#decoded.subarray(at - length, at);
    });
  }

  async setRead(refs: readonly ItemRef[], read: boolean): Promise<void> {
    await this.#call('UpdateItem', updateIsReadXml(refs, read), refs.length);
  }

  /** Syncs the whole inbox from scratch (as a client's first sync does) and keeps the final state. */
  async syncState(): Promise<string> {
    let state: string | undefined;
    for (;;) {
      const page = await this.#sync(state);
      state = page.state;
      if (page.last) return state;
    }
  }

  async changesSince(state: string): Promise<number> {
    let changes = 0;
    for (let s = state; ; ) {
      const page = await this.#sync(s);
      changes += page.changes;
      if (page.last) return changes;
      s = page.state;
    }
  }

  async delete(refs: readonly ItemRef[]): Promise<void> {
    await this.#call('DeleteItem', deleteItemXml(refs), refs.length);
  }

  async exportItems(refs: readonly ItemRef[]): Promise<string[]> {
    const msgs = await this.#call('ExportItems', exportItemsXml(refs), refs.length);
    return msgs.map((m) => {
      const data = firstText(m.text, 'Data');
      if (!data) throw new EwsRequestError('ExportItems answered without Data');
      return data;
    });
  }

  async uploadItems(data: readonly string[]): Promise<ItemRef[]> {
    this.#inbox ??= await this.#inboxId();
    const msgs = await this.#call('UploadItems', uploadItemsXml(this.#inbox, data), data.length);
    return msgs.map((m) => {
      const id = firstAttribute(m.text, 'ItemId', 'Id');
      if (!id) throw new EwsRequestError('UploadItems answered without an ItemId');
      return id;
    });
  }

  /** UploadItems names its folder by FolderId only: the inbox's id, asked once. */
  async #inboxId(): Promise<string> {
    const [msg] = await this.#call('GetFolder', getInboxIdXml(), 1);
    const id = firstAttribute(msg!.text, 'FolderId', 'Id');
    if (!id) throw new EwsRequestError('GetFolder answered without a FolderId');
    return id;
  }

  async close(): Promise<void> {
    this.#connection.close();
  }

  async #sync(state: string | undefined): Promise<{ state: string; last: boolean; changes: number }> {
    const [msg] = await this.#call('SyncFolderItems', syncFolderItemsXml(state), 1);
    const next = firstText(msg!.text, 'SyncState');
    if (next === undefined) throw new EwsRequestError('SyncFolderItems answered without a SyncState');
    const changes = countElements(msg!.text, 'Create', 'Update', 'Delete', 'ReadFlagChange');
    return { state: next, last: firstText(msg!.text, 'IncludesLastItemInRange') !== 'false', changes };
  }

  /**
   * POSTs one operation (the operation element, or the whole request already in bytes); returns its
   * ResponseMessages after checking there is one per item and all succeeded.
   */
  async #call(operation: string, body: string | Buffer, expected: number): Promise<ResponseMessage[]> {
    const request = typeof body === 'string' ? Buffer.from(soapEnvelope(body)) : body;
    const { status, body: answer } = await this.#connection.request('POST', this.#path, this.#headers, request);
    this.record?.(request, answer);
    // The messages are views of the session's answer buffer: read before the next call. An answer
    // whose (possibly UTF-8) text matters is decoded below.
    const msgs = responseMessages(answer);
    if (msgs.length === expected && msgs.every((m) => m.responseClass === 'Success')) return msgs;
    throw this.#failure(operation, status, answer.toString('utf8'), msgs.length, expected);
  }

  /** Words what went wrong with an answer, from its full parse. */
  #failure(operation: string, status: number, text: string, got: number, expected: number): Error {
    let body;
    try {
      body = parseXml(text).child('Body', NS.soap)?.children[0];
    } catch {
      return new EwsRequestError(`${operation}: HTTP ${status}, not XML: ${text.slice(0, 200)}`);
    }
    if (!body) return new EwsRequestError(`${operation}: HTTP ${status} without a SOAP body`);
    if (body.name === 'Fault') {
      const code = body.all().find((c) => c.name === 'faultcode')?.text.trim() ?? '';
      const reason = body.all().find((c) => c.name === 'faultstring')?.text.trim() ?? '';
      if (code.endsWith(':ErrorInvalidOperation') && reason.includes(operation)) return new NotImplemented(operation);
      return new EwsRequestError(`${operation}: fault ${code}: ${reason}`);
    }
    const msgs = body.child('ResponseMessages')?.children ?? [];
    const failed = msgs.filter((m) => m.attr('ResponseClass') !== 'Success');
    if (failed.length > 0) {
      return new EwsRequestError(`${operation}: ${failed.length} of ${msgs.length} failed, first ${failed[0]!.childText('ResponseCode')}: ${failed[0]!.childText('MessageText') ?? ''}`);
    }
    return new EwsRequestError(`${operation}: ${got} response messages for ${expected} items`);
  }
}
