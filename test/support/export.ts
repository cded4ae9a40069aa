import assert from 'node:assert/strict';
import type { TestUser } from './server.js';
import { messages, outcomes, post } from './soap.js';
import type { ItemIdPair } from './items.js';

/** The FolderId of a distinguished folder (or of `FolderId` element XML). */
export async function folderId(url: string, user: TestUser, distinguished: string, mailbox?: string): Promise<{ id: string; changeKey: string }> {
  const mb = mailbox ? `<t:Mailbox><t:EmailAddress>${mailbox}</t:EmailAddress></t:Mailbox>` : '';
  const reply = await post(
    url,
    user,
    `<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="${distinguished}">${mb}</t:DistinguishedFolderId></m:FolderIds></m:GetFolder>`,
  );
  const el = messages(reply.body)[0]!.child('Folders')!.children[0]!.child('FolderId')!;
  return { id: el.attr('Id')!, changeKey: el.attr('ChangeKey')! };
}

/** ExportItems; asserts success and returns each item's Data (base64) and ItemId. */
export async function exportData(url: string, user: TestUser, ids: ItemIdPair[]): Promise<Array<{ id: ItemIdPair; data: string }>> {
  const reply = await post(url, user, `<m:ExportItems><m:ItemIds>${ids.map((i) => `<t:ItemId Id="${i.id}"/>`).join('')}</m:ItemIds></m:ExportItems>`);
  assert.deepEqual(outcomes(reply.body), Array(ids.length).fill(['Success', 'NoError']), reply.text.slice(0, 1000));
  return messages(reply.body).map((m) => {
    const idEl = m.child('ItemId')!;
    return { id: { id: idEl.attr('Id')!, changeKey: idEl.attr('ChangeKey')! }, data: m.childText('Data')! };
  });
}

export interface UploadEntry {
  folder: { id: string; changeKey?: string };
  data: string;
  action?: 'CreateNew' | 'Update' | 'UpdateOrCreate';
  itemId?: ItemIdPair;
}

export function uploadXml(entries: UploadEntry[]): string {
  const items = entries.map(
    (e) =>
      `<t:Item CreateAction="${e.action ?? 'CreateNew'}"><t:ParentFolderId Id="${e.folder.id}"/>${e.itemId ? `<t:ItemId Id="${e.itemId.id}"/>` : ''}<t:Data>${e.data}</t:Data></t:Item>`,
  );
  return `<m:UploadItems><m:Items>${items.join('')}</m:Items></m:UploadItems>`;
}

/** UploadItems; returns the reply and the ItemId of each successful message. */
export async function upload(url: string, user: TestUser, entries: UploadEntry[]) {
  const reply = await post(url, user, uploadXml(entries));
  const ids = messages(reply.body).map((m) => {
    const el = m.child('ItemId');
    return el ? { id: el.attr('Id')!, changeKey: el.attr('ChangeKey')! } : undefined;
  });
  return { reply, ids, outcomes: outcomes(reply.body) };
}

/**
 * Exports `item`, uploads it as a new item into the inbox (asserting success), hands the new item
 * to `check`, then asserts that exporting the new item gives the very same Data.
 */
export async function exportUploadRoundTrip(url: string, user: TestUser, item: ItemIdPair, check: (uploaded: ItemIdPair) => Promise<void>): Promise<void> {
  const exported = await exportData(url, user, [item]);
  const folder = await folderId(url, user, 'inbox');
  const up = await upload(url, user, exported.map((e) => ({ folder, data: e.data })));
  assert.deepEqual(up.outcomes, [['Success', 'NoError']]);
  await check(up.ids[0]!);
  const again = await exportData(url, user, [up.ids[0]!]);
  assert.equal(again[0]!.data, exported[0]!.data, 'the re-export is identical');
}

/**
 * MIME composed from properties (items not created from MIME) gets fresh multipart boundaries and,
 * for attached messages, fresh Message-IDs and dates on every GetItem: those are made neutral.
 */
function neutralMime(b64: string): string {
  const text = Buffer.from(b64, 'base64').toString('latin1')
    .replace(/--_NmP-[0-9a-f]+-Part/g, '--_NmP-x-Part')
    .replace(/Message-ID: <[0-9a-f]{32}@localhost>\r\nDate: [^\r]*/g, 'Message-ID: <generated>');
  return Buffer.from(text, 'latin1').toString('base64');
}

/** The `t:Message` elements of a GetItem response as text, without what must differ between copies. */
export function comparableItems(responseText: string): string[] {
  const found = responseText.match(/<t:Message>[\s\S]*?<\/t:Message>(?=<\/m:Items>)/g) ?? [];
  return found.map((x) =>
    x
      .replace(/ (Id|ChangeKey|RootItemId|RootItemChangeKey)="[^"]*"/g, '')
      .replace(/<t:ParentFolderId[^>]*\/>/g, '')
      .replace(/(<t:MimeContent[^>]*>)([^<]*)/, (_m, open: string, b64: string) => open + neutralMime(b64)),
  );
}
