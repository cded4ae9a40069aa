import type { Folder } from '../../domain/folder.js';
import type { Mailbox } from '../../domain/mailbox.js';
import type { XmlElement } from '../../soap/xml-element.js';
import type { RequestContext } from '../context.js';
import { EwsError, SoapFault } from '../errors.js';
import { decodeId } from '../ids.js';
import { checkFolderAccess, openMailbox, openMailboxByGuid, type FolderPurpose } from '../mailbox-access.js';

export interface ResolvedFolder {
  mailbox: Mailbox;
  folder: Folder;
}

/**
 * Finds the folder a `t:FolderId` or `t:DistinguishedFolderId` names, checking that the caller
 * may open its mailbox. Failures are per-item {@link EwsError}s.
 */
export async function resolveFolder(ctx: RequestContext, el: XmlElement, purpose: FolderPurpose = 'open'): Promise<ResolvedFolder> {
  const resolved = await findFolder(ctx, el);
  await checkFolderAccess(ctx, resolved.mailbox, resolved.folder, purpose);
  return resolved;
}

async function findFolder(ctx: RequestContext, el: XmlElement): Promise<ResolvedFolder> {
  if (el.name === 'FolderId') {
    const id = decodeId(el.attr('Id'), 'F');
    const mailbox = await openMailboxByGuid(ctx, id.mailboxGuid);
    const folder = await ctx.store.folder(mailbox.id, id.numbers[0]!);
    if (!folder) throw new EwsError('ErrorFolderNotFound');
    return { mailbox, folder };
  }
  if (el.name === 'DistinguishedFolderId') {
    const name = el.attr('Id');
    if (!name) throw SoapFault.schema("The required attribute 'Id' is missing.", el.line);
    const address = el.child('Mailbox')?.childText('EmailAddress');
    const mailbox = await openMailbox(ctx, address);
    const folder = await ctx.store.distinguishedFolder(mailbox.id, name);
    if (!folder) throw new EwsError('ErrorFolderNotFound');
    return { mailbox, folder };
  }
  throw SoapFault.schema(`The element '${el.name}' is not a folder id.`, el.line);
}

/** The folder-id elements of a `FolderIds`-like container, in order. */
export function folderIdElements(container: XmlElement | undefined): XmlElement[] {
  return (container?.children ?? []).filter((c) => c.name === 'FolderId' || c.name === 'DistinguishedFolderId');
}
