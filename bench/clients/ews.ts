import { parseXml } from '../../src/soap/xml-parser.js';
import type { XmlElement } from '../../src/soap/xml-element.js';
import { NS } from '../../src/soap/namespaces.js';
import type { CorpusMessage } from '../corpus.js';
import { NotImplemented, type ItemRef, type MailSession } from '../session.js';

/** An EWS request that came back with an error (a per-item ResponseMessage or an unexpected fault). */
export class EwsRequestError extends Error {}

const PAGE_PROPERTIES = ['item:Subject', 'message:From', 'item:DateTimeReceived', 'item:Size', 'message:IsRead'];
const MAX_CHANGES = 512; // the EWS maximum for SyncFolderItems

/**
 * A bench client for EWS over fetch(): it writes the standard SOAP bodies that real clients send
 * and reads the answers with the project's own namespace-aware parser.
 */
export class EwsSession implements MailSession {
  readonly #auth: string;

  constructor(
    readonly url: string,
    user: string,
    password: string,
  ) {
    this.#auth = 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
  }

  async store(batch: readonly CorpusMessage[]): Promise<ItemRef[]> {
    const items = batch.map((m) => `<t:Message><t:MimeContent CharacterSet="UTF-8">${m.raw.toString('base64')}</t:MimeContent></t:Message>`);
    const msgs = await this.#call(
      'CreateItem',
      `<m:CreateItem MessageDisposition="SaveOnly"><m:SavedItemFolderId><t:DistinguishedFolderId Id="inbox"/></m:SavedItemFolderId>` +
        `<m:Items>${items.join('')}</m:Items></m:CreateItem>`,
      batch.length,
    );
    return msgs.map((m) => {
      const id = m.child('Items')?.children[0]?.child('ItemId')?.attr('Id');
      if (!id) throw new EwsRequestError('CreateItem answered without an ItemId');
      return id;
    });
  }

  async listPage(offset: number, size: number): Promise<number> {
    const [msg] = await this.#call(
      'FindItem',
      `<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>` +
        PAGE_PROPERTIES.map((p) => `<t:FieldURI FieldURI="${p}"/>`).join('') +
        `</t:AdditionalProperties></m:ItemShape>` +
        `<m:IndexedPageItemView MaxEntriesReturned="${size}" Offset="${offset}" BasePoint="Beginning"/>` +
        `<m:ParentFolderIds><t:DistinguishedFolderId Id="inbox"/></m:ParentFolderIds></m:FindItem>`,
      1,
    );
    return msg!.child('RootFolder')?.child('Items')?.children.length ?? 0;
  }

  async fetch(refs: readonly ItemRef[]): Promise<Buffer[]> {
    const msgs = await this.#call(
      'GetItem',
      `<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:IncludeMimeContent>true</t:IncludeMimeContent></m:ItemShape>` +
        `<m:ItemIds>${itemIds(refs)}</m:ItemIds></m:GetItem>`,
      refs.length,
    );
    return msgs.map((m) => Buffer.from(m.child('Items')?.children[0]?.childText('MimeContent') ?? '', 'base64'));
  }

  async setRead(refs: readonly ItemRef[], read: boolean): Promise<void> {
    const changes = refs.map(
      (id) =>
        `<t:ItemChange><t:ItemId Id="${id}"/><t:Updates><t:SetItemField><t:FieldURI FieldURI="message:IsRead"/>` +
        `<t:Message><t:IsRead>${read}</t:IsRead></t:Message></t:SetItemField></t:Updates></t:ItemChange>`,
    );
    await this.#call(
      'UpdateItem',
      `<m:UpdateItem MessageDisposition="SaveOnly" ConflictResolution="AlwaysOverwrite"><m:ItemChanges>${changes.join('')}</m:ItemChanges></m:UpdateItem>`,
      refs.length,
    );
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
    await this.#call('DeleteItem', `<m:DeleteItem DeleteType="HardDelete"><m:ItemIds>${itemIds(refs)}</m:ItemIds></m:DeleteItem>`, refs.length);
  }

  async close(): Promise<void> {}

  async #sync(state: string | undefined): Promise<{ state: string; last: boolean; changes: number }> {
    const [msg] = await this.#call(
      'SyncFolderItems',
      `<m:SyncFolderItems><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>` +
        `<m:SyncFolderId><t:DistinguishedFolderId Id="inbox"/></m:SyncFolderId>` +
        (state === undefined ? '' : `<m:SyncState>${state}</m:SyncState>`) +
        `<m:MaxChangesReturned>${MAX_CHANGES}</m:MaxChangesReturned></m:SyncFolderItems>`,
      1,
    );
    const next = msg!.childText('SyncState');
    if (next === undefined) throw new EwsRequestError('SyncFolderItems answered without a SyncState');
    return { state: next, last: msg!.childText('IncludesLastItemInRange') !== 'false', changes: msg!.child('Changes')?.children.length ?? 0 };
  }

  /** POSTs one operation; returns its ResponseMessages after checking there is one per item and all succeeded. */
  async #call(operation: string, bodyXml: string, expected: number): Promise<XmlElement[]> {
    const res = await fetch(this.url, {
      method: 'POST',
      headers: { 'Content-Type': 'text/xml; charset=utf-8', Authorization: this.#auth },
      body:
        `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="${NS.soap}" xmlns:m="${NS.messages}" xmlns:t="${NS.types}">` +
        `<soap:Header><t:RequestServerVersion Version="Exchange2016"/></soap:Header><soap:Body>${bodyXml}</soap:Body></soap:Envelope>`,
    });
    const text = await res.text();
    let body: XmlElement | undefined;
    try {
      body = parseXml(text).child('Body', NS.soap)?.children[0];
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

function itemIds(refs: readonly ItemRef[]): string {
  return refs.map((id) => `<t:ItemId Id="${id}"/>`).join('');
}
