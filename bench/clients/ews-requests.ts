import { NS } from '../../src/soap/namespaces.js';
import { Base64Chunk } from '../../src/soap/xml-writer.js';

/**
 * The SOAP bodies the bench sends, as real EWS clients write them (prefixes m: and t:, declared
 * on the envelope). Kept apart from the transport so a test can validate each against Messages.xsd.
 */

const PAGE_PROPERTIES = ['item:Subject', 'message:From', 'item:DateTimeReceived', 'item:Size', 'message:IsRead'];
/** The EWS maximum for SyncFolderItems. */
export const MAX_CHANGES = 512;

export function soapEnvelope(operationXml: string): string {
  return (
    `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="${NS.soap}" xmlns:m="${NS.messages}" xmlns:t="${NS.types}">` +
    `<soap:Header><t:RequestServerVersion Version="Exchange2016"/></soap:Header><soap:Body>${operationXml}</soap:Body></soap:Envelope>`
  );
}

/** CreateItem SaveOnly into the inbox, one t:Message with t:MimeContent (base64) per message. */
export function createItemXml(mimes: readonly Buffer[]): string {
  const items = mimes.map((raw) => `<t:Message><t:MimeContent CharacterSet="UTF-8">${raw.toString('base64')}</t:MimeContent></t:Message>`);
  return (
    `<m:CreateItem MessageDisposition="SaveOnly"><m:SavedItemFolderId><t:DistinguishedFolderId Id="inbox"/></m:SavedItemFolderId>` +
    `<m:Items>${items.join('')}</m:Items></m:CreateItem>`
  );
}

/**
 * The whole CreateItem request of {@link createItemXml} in its envelope, written straight into one
 * buffer: each message's base64 goes into place, encoded in pieces as ewsd's own responses are
 * (Base64Chunk), instead of joining 5 MB of strings and encoding them again (the markup is ASCII,
 * so every character is one byte). `buffer(size)` gives the memory to write into, at least `size`
 * bytes (a session hands out the one it keeps).
 */
export function createItemRequest(mimes: readonly Buffer[], buffer: (size: number) => Buffer = Buffer.allocUnsafe): Buffer {
  const [head, tail] = soapEnvelope(createItemXml([])).split('<m:Items></m:Items>') as [string, string];
  const open = '<t:Message><t:MimeContent CharacterSet="UTF-8">';
  const close = '</t:MimeContent></t:Message>';
  const pieces = [`${head}<m:Items>`, ...mimes.flatMap((raw) => [open, new Base64Chunk(raw), close]), `</m:Items>${tail}`];
  const size = pieces.reduce((n, p) => n + (typeof p === 'string' ? p.length : p.byteLength), 0);
  const out = buffer(size).subarray(0, size);
  let at = 0;
  for (const p of pieces) at += typeof p === 'string' ? out.write(p, at, 'latin1') : p.writeTo(out, at);
  if (at !== size) throw new Error(`CreateItem request: wrote ${at} of ${size} bytes`);
  return out;
}

/** FindItem IdOnly plus the columns of a message list, one page at `offset`. */
export function findItemXml(offset: number, size: number): string {
  return (
    `<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>` +
    PAGE_PROPERTIES.map((p) => `<t:FieldURI FieldURI="${p}"/>`).join('') +
    `</t:AdditionalProperties></m:ItemShape>` +
    `<m:IndexedPageItemView MaxEntriesReturned="${size}" Offset="${offset}" BasePoint="Beginning"/>` +
    `<m:ParentFolderIds><t:DistinguishedFolderId Id="inbox"/></m:ParentFolderIds></m:FindItem>`
  );
}

/** GetItem IdOnly with the MIME content. */
export function getItemXml(ids: readonly string[]): string {
  return (
    `<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:IncludeMimeContent>true</t:IncludeMimeContent></m:ItemShape>` +
    `<m:ItemIds>${itemIds(ids)}</m:ItemIds></m:GetItem>`
  );
}

/** UpdateItem setting message:IsRead, overwriting whatever changed meanwhile (no ChangeKey). */
export function updateIsReadXml(ids: readonly string[], read: boolean): string {
  const changes = ids.map(
    (id) =>
      `<t:ItemChange><t:ItemId Id="${id}"/><t:Updates><t:SetItemField><t:FieldURI FieldURI="message:IsRead"/>` +
      `<t:Message><t:IsRead>${read}</t:IsRead></t:Message></t:SetItemField></t:Updates></t:ItemChange>`,
  );
  return `<m:UpdateItem MessageDisposition="SaveOnly" ConflictResolution="AlwaysOverwrite"><m:ItemChanges>${changes.join('')}</m:ItemChanges></m:UpdateItem>`;
}

/** SyncFolderItems of the inbox, from `state` (or from scratch). */
export function syncFolderItemsXml(state: string | undefined): string {
  return (
    `<m:SyncFolderItems><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>` +
    `<m:SyncFolderId><t:DistinguishedFolderId Id="inbox"/></m:SyncFolderId>` +
    (state === undefined ? '' : `<m:SyncState>${state}</m:SyncState>`) +
    `<m:MaxChangesReturned>${MAX_CHANGES}</m:MaxChangesReturned></m:SyncFolderItems>`
  );
}

export function deleteItemXml(ids: readonly string[]): string {
  return `<m:DeleteItem DeleteType="HardDelete"><m:ItemIds>${itemIds(ids)}</m:ItemIds></m:DeleteItem>`;
}

// Ids are base64 (no character that needs escaping in an attribute).
function itemIds(ids: readonly string[]): string {
  return ids.map((id) => `<t:ItemId Id="${id}"/>`).join('');
}

export function exportItemsXml(ids: readonly string[]): string {
  return `<m:ExportItems><m:ItemIds>${ids.map((id) => `<t:ItemId Id="${id}"/>`).join('')}</m:ItemIds></m:ExportItems>`;
}

export function uploadItemsXml(folderId: string, data: readonly string[]): string {
  const items = data.map((d) => `<t:Item CreateAction="CreateNew"><t:ParentFolderId Id="${folderId}"/><t:Data>${d}</t:Data></t:Item>`);
  return `<m:UploadItems><m:Items>${items.join('')}</m:Items></m:UploadItems>`;
}

export function getInboxIdXml(): string {
  return '<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="inbox"/></m:FolderIds></m:GetFolder>';
}
