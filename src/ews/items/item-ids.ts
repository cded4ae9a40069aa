import type { Item } from '../../domain/item.js';
import type { Mailbox } from '../../domain/mailbox.js';
import type { XmlElement } from '../../soap/xml-element.js';
import type { RequestContext } from '../context.js';
import { SoapFault } from '../errors.js';
import { decodeId, encodeChangeKey, encodeId } from '../ids.js';
import { checkItemAccess, openMailboxByGuid, ownMailboxByGuid } from '../mailbox-access.js';

export function itemIdAttrs(mailbox: Mailbox, item: Pick<Item, 'id' | 'modseq'>): { Id: string; ChangeKey: string } {
  return { Id: encodeId('I', mailbox.guid, item.id), ChangeKey: encodeChangeKey('I', item.modseq) };
}

export interface ItemRef {
  mailbox: Mailbox;
  itemId: number;
  /** As sent; undefined when absent. */
  changeKey: string | undefined;
}

/**
 * Decodes a `t:ItemId` and opens its mailbox (ErrorInvalidIdMalformed, ErrorAccessDenied, ...
 * as per-item errors). Whether the item exists is the caller's business.
 */
export async function resolveItemRef(ctx: RequestContext, el: XmlElement): Promise<ItemRef> {
  const id = decodeId(el.attr('Id'), 'I');
  // The caller's own mailbox is answered without the two awaits below, which cost more than the
  // rest of this function in batches of hundreds.
  const own = ownMailboxByGuid(ctx, id.mailboxGuid);
  if (own) return { mailbox: own, itemId: id.numbers[0]!, changeKey: el.attr('ChangeKey') };
  const mailbox = await openMailboxByGuid(ctx, id.mailboxGuid);
  await checkItemAccess(ctx, mailbox, id.numbers[0]!);
  return { mailbox, itemId: id.numbers[0]!, changeKey: el.attr('ChangeKey') };
}

/** The item-id elements of an `ItemIds` container. Other id kinds (occurrences, recurring masters) are not items we hold. */
export function itemIdElements(container: XmlElement | undefined, requestLine: number): XmlElement[] {
  const ids = container?.children ?? [];
  if (ids.length === 0) throw SoapFault.schema("The element 'ItemIds' must contain at least one item id.", requestLine);
  return ids;
}

export interface AttachmentRef {
  mailbox: Mailbox;
  itemId: number;
  attachmentId: number;
}

/** Decodes a `t:AttachmentId` (mailbox GUID, item, attachment) and opens its mailbox. */
export async function resolveAttachmentRef(ctx: RequestContext, el: XmlElement): Promise<AttachmentRef> {
  const id = decodeId(el.attr('Id'), 'A', 2);
  const mailbox = await openMailboxByGuid(ctx, id.mailboxGuid);
  await checkItemAccess(ctx, mailbox, id.numbers[0]!);
  return { mailbox, itemId: id.numbers[0]!, attachmentId: id.numbers[1]! };
}
