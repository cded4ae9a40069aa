import { parseXml } from '../../src/soap/xml-parser.js';
import type { XmlElement } from '../../src/soap/xml-element.js';
import { NS } from '../../src/soap/namespaces.js';
import type { CorpusMessage } from '../corpus.js';
import {
  createItemXml, deleteItemXml, exportItemsXml, findItemXml, getInboxIdXml, getItemXml, soapEnvelope, syncFolderItemsXml, updateIsReadXml, uploadItemsXml,
} from './ews-requests.js';
import { NotImplemented, type ItemRef, type MailSession } from '../session.js';

/** An EWS request that came back with an error (a per-item ResponseMessage or an unexpected fault). */
export class EwsRequestError extends Error {}

/**
 * A bench client for EWS over fetch(): it writes the standard SOAP bodies that real clients send
 * and reads the answers with the project's own namespace-aware parser.
 */
export class EwsSession implements MailSession {
  readonly #auth: string;
  /** The MimeContent texts of the last response, lifted out before parsing (see liftMimeContent). */
  #mime: string[] = [];
  #inbox: string | undefined;

  constructor(
    readonly url: string,
    user: string,
    password: string,
  ) {
    this.#auth = 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
  }

  async store(batch: readonly CorpusMessage[]): Promise<ItemRef[]> {
    const msgs = await this.#call('CreateItem', createItemXml(batch.map((m) => m.raw)), batch.length);
    return msgs.map((m) => {
      const id = m.child('Items')?.children[0]?.child('ItemId')?.attr('Id');
      if (!id) throw new EwsRequestError('CreateItem answered without an ItemId');
      return id;
    });
  }

  async listPage(offset: number, size: number): Promise<number> {
    const [msg] = await this.#call('FindItem', findItemXml(offset, size), 1);
    return msg!.child('RootFolder')?.child('Items')?.children.length ?? 0;
  }

  async fetch(refs: readonly ItemRef[]): Promise<Buffer[]> {
    const msgs = await this.#call('GetItem', getItemXml(refs), refs.length);
    return msgs.map((m) => {
      const slot = m.child('Items')?.children[0]?.child('MimeContent')?.attr(MIME_SLOT);
      if (slot === undefined) throw new EwsRequestError('GetItem answered without MimeContent');
      return Buffer.from(this.#mime[Number(slot)]!, 'base64');
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
      const data = m.childText('Data');
      if (!data) throw new EwsRequestError('ExportItems answered without Data');
      return data;
    });
  }

  async uploadItems(data: readonly string[]): Promise<ItemRef[]> {
    this.#inbox ??= await this.#inboxId();
    const msgs = await this.#call('UploadItems', uploadItemsXml(this.#inbox, data), data.length);
    return msgs.map((m) => {
      const id = m.child('ItemId')?.attr('Id');
      if (!id) throw new EwsRequestError('UploadItems answered without an ItemId');
      return id;
    });
  }

  /** UploadItems names its folder by FolderId only: the inbox's id, asked once. */
  async #inboxId(): Promise<string> {
    const [msg] = await this.#call('GetFolder', getInboxIdXml(), 1);
    const id = msg!.child('Folders')?.children[0]?.child('FolderId')?.attr('Id');
    if (!id) throw new EwsRequestError('GetFolder answered without a FolderId');
    return id;
  }

  async close(): Promise<void> {}

  async #sync(state: string | undefined): Promise<{ state: string; last: boolean; changes: number }> {
    const [msg] = await this.#call('SyncFolderItems', syncFolderItemsXml(state), 1);
    const next = msg!.childText('SyncState');
    if (next === undefined) throw new EwsRequestError('SyncFolderItems answered without a SyncState');
    return { state: next, last: msg!.childText('IncludesLastItemInRange') !== 'false', changes: msg!.child('Changes')?.children.length ?? 0 };
  }

  /** POSTs one operation; returns its ResponseMessages after checking there is one per item and all succeeded. */
  async #call(operation: string, bodyXml: string, expected: number): Promise<XmlElement[]> {
    const res = await fetch(this.url, {
      method: 'POST',
      headers: { 'Content-Type': 'text/xml; charset=utf-8', Authorization: this.#auth },
      body: soapEnvelope(bodyXml),
    });
    const text = await res.text();
    let body: XmlElement | undefined;
    try {
      const lifted = liftMimeContent(text);
      this.#mime = lifted.mime;
      body = parseXml(lifted.xml).child('Body', NS.soap)?.children[0];
    } catch {
      throw new EwsRequestError(`${operation}: HTTP ${res.status}, not XML: ${text.slice(0, 200)}`);
    }
    if (!body) throw new EwsRequestError(`${operation}: HTTP ${res.status} without a SOAP body`);
    if (body.name === 'Fault') {
      const code = body.all().find((c) => c.name === 'faultcode')?.text.trim() ?? '';
      const reason = body.all().find((c) => c.name === 'faultstring')?.text.trim() ?? '';
      if (code.endsWith(':ErrorInvalidOperation') && reason.includes(operation)) throw new NotImplemented(operation);
      throw new EwsRequestError(`${operation}: fault ${code}: ${reason}`);
    }
    const msgs = body.child('ResponseMessages')?.children ?? [];
    const failed = msgs.find((m) => m.attr('ResponseClass') !== 'Success');
    if (failed) {
      const others = msgs.filter((m) => m.attr('ResponseClass') !== 'Success').length;
      throw new EwsRequestError(`${operation}: ${others} of ${msgs.length} failed, first ${failed.childText('ResponseCode')}: ${failed.childText('MessageText') ?? ''}`);
    }
    if (msgs.length !== expected) throw new EwsRequestError(`${operation}: ${msgs.length} response messages for ${expected} items`);
    return msgs;
  }
}

/** The attribute that replaces a lifted MimeContent's text: the index of the text. */
const MIME_SLOT = 'bench-mime-slot';
// Base64 holds neither '<' nor '&', so the element's text runs up to the next '<'.
const MIME_CONTENT = /<((?:[\w.-]+:)?MimeContent)\b([^>]*)>([^<]*)<\/\1>/g;

/**
 * Takes the (large, base64) MimeContent texts out of a response before it goes to the XML parser,
 * leaving an attribute that says where each went. A character-by-character SAX parse of megabytes
 * of base64 would make the client, not the server, the bottleneck of the fetch workload.
 */
function liftMimeContent(xml: string): { xml: string; mime: string[] } {
  const mime: string[] = [];
  const rest = xml.replace(MIME_CONTENT, (_all, name: string, attrs: string, text: string) => {
    mime.push(text);
    return `<${name}${attrs} ${MIME_SLOT}="${mime.length - 1}"></${name}>`;
  });
  return { xml: rest, mime };
}
