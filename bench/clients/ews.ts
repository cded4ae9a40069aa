import { Agent, request } from 'node:http';
import { parseXml } from '../../src/soap/xml-parser.js';
import { NS } from '../../src/soap/namespaces.js';
import type { CorpusMessage } from '../corpus.js';
import {
  createItemRequest, deleteItemXml, exportItemsXml, findItemXml, getInboxIdXml, getItemXml, soapEnvelope, syncFolderItemsXml, updateIsReadXml, uploadItemsXml,
} from './ews-requests.js';
import { countElements, firstAttribute, firstText, responseMessages, type ResponseMessageText } from './ews-response.js';
import { NotImplemented, type ItemRef, type MailSession } from '../session.js';

/** An EWS request that came back with an error (a per-item ResponseMessage or an unexpected fault). */
export class EwsRequestError extends Error {}

/**
 * A bench client for EWS over one keep-alive HTTP connection (node:http, as a client library would
 * hold it): it writes the standard SOAP bodies that real clients send and reads the answers with
 * a scan for the values it needs (ews-response.ts); an answer that is not all Success is parsed
 * in full to say what went wrong.
 */
export class EwsSession implements MailSession {
  readonly #auth: string;
  readonly #url: URL;
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 1 });
  #inbox: string | undefined;
  /**
   * Answers are read into this one buffer, grown as needed and kept for the session (its calls
   * run one at a time, and each answer is read before the next request). A fresh buffer for every
   * answer of ~0.5 MB (GetItem with MIME content) cost the client page faults and the garbage
   * collections V8 runs when external memory grows fast.
   */
  #answer = Buffer.allocUnsafeSlow(1 << 20);
  /**
   * CreateItem requests are written into this one buffer, grown as needed, for the same reason: a
   * new 5 MB buffer per request had V8 run a full collection of the client's heap (the corpus)
   * every few requests, for the external memory alone. A request is done with it once its answer
   * has arrived and its body has all been handed to the socket (#post waits for both).
   */
  #request = Buffer.allocUnsafeSlow(1 << 20);

  constructor(
    readonly url: string,
    user: string,
    password: string,
    /** Told every request body and its answer (the protocol floor's recording pass, canned-ews.ts). */
    private readonly record?: (request: Buffer, answer: Buffer) => void,
  ) {
    this.#auth = 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
    this.#url = new URL(url);
  }

  /**
   * Authenticates once on the session's connection (a GET of the endpoint), as the IMAP session
   * logs in when it opens: a server's first check of a password (ewsd: scrypt, ~50 ms of CPU) is
   * then not inside the first timed request, as Dovecot's LOGIN is not.
   */
  signIn(): Promise<void> {
    return new Promise((resolve, reject) => {
      const req = request(this.#url, { method: 'GET', agent: this.#agent, headers: { Authorization: this.#auth } }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new EwsRequestError(`signing in: HTTP ${res.statusCode}`))));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
  }

  async store(batch: readonly CorpusMessage[]): Promise<ItemRef[]> {
    const request = createItemRequest(
      batch.map((m) => m.raw),
      (size) => (size <= this.#request.length ? this.#request : (this.#request = Buffer.allocUnsafeSlow(Math.max(size, 2 * this.#request.length)))),
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
    return msgs.map((m) => {
      const mime = firstText(m.text, 'MimeContent');
      if (mime === undefined) throw new EwsRequestError('GetItem answered without MimeContent');
      return Buffer.from(mime, 'base64');
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
    this.#agent.destroy();
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
  async #call(operation: string, body: string | Buffer, expected: number): Promise<ResponseMessageText[]> {
    const request = typeof body === 'string' ? Buffer.from(soapEnvelope(body)) : body;
    const { status, body: answer } = await this.#post(request);
    this.record?.(request, answer);
    // Latin-1 keeps every byte as one character: markup, ids and base64 are ASCII, and an answer
    // whose (possibly UTF-8) text matters is decoded again below.
    const msgs = responseMessages(answer.toString('latin1'));
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

  #post(payload: Buffer): Promise<{ status: number; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const req = request(
        this.#url,
        {
          method: 'POST',
          agent: this.#agent,
          headers: { 'Content-Type': 'text/xml; charset=utf-8', 'Content-Length': payload.length, Authorization: this.#auth },
        },
        (res) => {
          let length = 0;
          res.on('data', (c: Buffer) => {
            if (length + c.length > this.#answer.length) {
              const grown = Buffer.allocUnsafeSlow(Math.max(2 * this.#answer.length, length + c.length));
              this.#answer.copy(grown, 0, 0, length);
              this.#answer = grown;
            }
            length += c.copy(this.#answer, length);
          });
          res.on('end', () => void sent.then(() => resolve({ status: res.statusCode ?? 0, body: this.#answer.subarray(0, length) })));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      // The body's buffer may be reused once the request is over: only after the socket took all of it.
      const sent = new Promise<void>((done) => req.on('finish', done));
      req.end(payload);
    });
  }
}
