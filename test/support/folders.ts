import assert from 'node:assert/strict';
import type { TestUser } from './server.js';
import { messages, outcomes, post } from './soap.js';

/** A folder id as a response carries it. */
export interface FolderRef {
  id: string;
  changeKey: string;
}

/** `<t:FolderId Id=.../>` for a request. */
export function folderIdXml(ref: FolderRef | string): string {
  return typeof ref === 'string' ? `<t:DistinguishedFolderId Id="${ref}"/>` : `<t:FolderId Id="${ref.id}"/>`;
}

/** Creates folders under `parent` (a distinguished name or a ref) and returns their ids. */
export async function createFolders(url: string, user: TestUser, parent: FolderRef | string, ...names: string[]): Promise<FolderRef[]> {
  const reply = await post(
    url,
    user,
    `<m:CreateFolder><m:ParentFolderId>${folderIdXml(parent)}</m:ParentFolderId><m:Folders>${names
      .map((n) => `<t:Folder><t:DisplayName>${n}</t:DisplayName></t:Folder>`)
      .join('')}</m:Folders></m:CreateFolder>`,
  );
  assert.deepEqual(outcomes(reply.body), names.map(() => ['Success', 'NoError']));
  return messages(reply.body).map((m) => {
    const id = m.child('Folders')!.children[0]!.child('FolderId')!;
    return { id: id.attr('Id')!, changeKey: id.attr('ChangeKey')! };
  });
}

/** Display names of the children (Shallow) or subtree (Deep) of a folder, in response order. */
export async function folderNames(url: string, user: TestUser, parent: FolderRef | string, traversal: 'Shallow' | 'Deep' = 'Shallow'): Promise<string[]> {
  const reply = await post(
    url,
    user,
    `<m:FindFolder Traversal="${traversal}"><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape><m:ParentFolderIds>${folderIdXml(parent)}</m:ParentFolderIds></m:FindFolder>`,
  );
  assert.deepEqual(outcomes(reply.body), [['Success', 'NoError']]);
  return (messages(reply.body)[0]!.child('RootFolder')!.child('Folders')!.children ?? []).map((f) => f.childText('DisplayName')!);
}
