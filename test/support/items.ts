import assert from 'node:assert/strict';
import type { XmlElement } from '../../src/soap/xml-element.js';
import type { TestUser } from './server.js';
import { messages, outcomes, post } from './soap.js';

export interface ItemIdPair {
  id: string;
  changeKey: string;
}

/** Creates items (each `t:Message`/`t:Item` XML) with SaveOnly, asserting every one succeeded. */
export async function createItems(url: string, user: TestUser, items: string[], folder = '<t:DistinguishedFolderId Id="drafts"/>'): Promise<ItemIdPair[]> {
  const reply = await post(
    url,
    user,
    `<m:CreateItem MessageDisposition="SaveOnly"><m:SavedItemFolderId>${folder}</m:SavedItemFolderId><m:Items>${items.join('')}</m:Items></m:CreateItem>`,
  );
  assert.deepEqual(outcomes(reply.body), Array(items.length).fill(['Success', 'NoError']), reply.text.slice(0, 2000));
  return messages(reply.body).map((m) => idOf(m.child('Items')!.children[0]!));
}

export function idOf(itemEl: XmlElement): ItemIdPair {
  const el = itemEl.child('ItemId')!;
  return { id: el.attr('Id')!, changeKey: el.attr('ChangeKey')! };
}

export function itemIdXml(ids: ItemIdPair[]): string {
  return ids.map((i) => `<t:ItemId Id="${i.id}" ChangeKey="${i.changeKey}"/>`).join('');
}

/** CopyItem or MoveItem of one item into a distinguished folder, asserting it succeeded; the id of the item in the target. */
export async function copyOrMoveItem(url: string, user: TestUser, op: 'CopyItem' | 'MoveItem', item: ItemIdPair, folder: string): Promise<ItemIdPair> {
  const reply = await post(url, user, `<m:${op}><m:ToFolderId><t:DistinguishedFolderId Id="${folder}"/></m:ToFolderId><m:ItemIds><t:ItemId Id="${item.id}"/></m:ItemIds></m:${op}>`);
  assert.deepEqual(outcomes(reply.body), [['Success', 'NoError']], reply.text.slice(0, 2000));
  return idOf(messages(reply.body)[0]!.child('Items')!.children[0]!);
}

/** UpdateItem (AlwaysOverwrite, SaveOnly) of one item with one SetItemField (`message`: the t:Message holding the value), asserting it succeeded. */
export async function setItemField(url: string, user: TestUser, item: ItemIdPair, fieldUri: string, message: string): Promise<void> {
  const reply = await post(
    url,
    user,
    `<m:UpdateItem ConflictResolution="AlwaysOverwrite" MessageDisposition="SaveOnly"><m:ItemChanges><t:ItemChange><t:ItemId Id="${item.id}"/><t:Updates>
      <t:SetItemField><t:FieldURI FieldURI="${fieldUri}"/>${message}</t:SetItemField></t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>`,
  );
  assert.deepEqual(outcomes(reply.body), [['Success', 'NoError']], reply.text.slice(0, 2000));
}

/** GetItem with the given shape XML; returns the reply and the item elements (undefined for errors). */
export async function getItems(url: string, user: TestUser, ids: ItemIdPair[], shape: string) {
  const reply = await post(url, user, `<m:GetItem><m:ItemShape>${shape}</m:ItemShape><m:ItemIds>${itemIdXml(ids)}</m:ItemIds></m:GetItem>`);
  return { reply, items: messages(reply.body).map((m) => m.child('Items')?.children[0]) };
}

export async function folderCounts(url: string, user: TestUser, folder: string): Promise<{ total: number; unread: number }> {
  const reply = await post(
    url,
    user,
    `<m:GetFolder><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="${folder}"/></m:FolderIds></m:GetFolder>`,
  );
  const f = messages(reply.body)[0]!.child('Folders')!.children[0]!;
  return { total: Number(f.childText('TotalCount')), unread: Number(f.childText('UnreadCount')) };
}

export function message(subject: string, extra = ''): string {
  return `<t:Message><t:Subject>${subject}</t:Subject><t:Body BodyType="Text">body of ${subject}</t:Body>${extra}</t:Message>`;
}
