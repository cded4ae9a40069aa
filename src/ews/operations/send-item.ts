// SendItem: https://learn.microsoft.com/exchange/client-developer/web-service-reference/senditem-operation
import type { Submission } from '../../store/store.js';
import { isSendable } from '../../items/send.js';
import type { RequestContext } from '../context.js';
import { asEwsError, EwsError, SoapFault } from '../errors.js';
import { resolveFolder, type ResolvedFolder } from '../folders/resolve-folder.js';
import { decodeChangeKey } from '../ids.js';
import { itemIdElements, resolveItemRef } from '../items/item-ids.js';
import { commitSends, prepareSend, sendFailure, sentItemsOf, storedContent } from '../items/submit.js';
import type { Operation } from '../operation.js';
import { batchResponse } from '../response.js';
import type { XmlElement } from '../../soap/xml-element.js';

/**
 * Sends stored messages. The ChangeKey must name the current version (the client sends what it
 * saw). With SaveItemToFolder="true" the copy goes to SavedItemFolderId, or to the Sent Items of
 * the mailbox the message is in. A draft leaves its folder; a message already sent stays where it
 * is and a new copy is made (Exchange's resend). The whole request is one transaction.
 *
 * Delegates (the seed's two silent Exchange failures are not reproduced):
 * - a draft in the principal's Drafts with SavedItemFolderId naming the delegate's own Sent Items
 *   (no Mailbox): the copy goes to the delegate's Sent Items as asked and the draft leaves the
 *   principal's Drafts (Exchange answered Success and left the draft in place, no copy);
 * - a draft in the delegate's Drafts with SavedItemFolderId naming the principal's Sent Items:
 *   the copy goes there when the delegate may send on the principal's behalf, else the request
 *   fails with ErrorAccessDenied before anything is sent (Exchange sent it, kept the draft and
 *   stored no copy).
 */
const BOOLEANS: Record<string, boolean | undefined> = { true: true, '1': true, false: false, '0': false };

export const sendItem: Operation = {
  name: 'SendItem',
  async handle(request, ctx) {
    const saveAttr = request.attr('SaveItemToFolder');
    if (saveAttr === undefined) throw SoapFault.schema("The required attribute 'SaveItemToFolder' is missing.", request.line);
    const save = BOOLEANS[saveAttr.trim()];
    if (save === undefined) throw SoapFault.schema(`The value '${saveAttr}' of 'SaveItemToFolder' is not a valid boolean.`, request.line);
    const ids = itemIdElements(request.child('ItemIds'), request.line);
    const savedEl = request.child('SavedItemFolderId')?.children[0];

    let saveTo: ResolvedFolder | EwsError | undefined;
    if (savedEl && !save) saveTo = new EwsError('ErrorInvalidSendItemSaveSettings');
    else if (savedEl) saveTo = await resolveFolder(ctx, savedEl, 'sent-copy').catch(asEwsError);

    const prepared: Array<Submission | EwsError> = [];
    for (const el of ids) prepared.push(await prepareOne(ctx, el, save, saveTo).catch(asEwsError));
    const results = await commitSends(ctx, prepared);

    return batchResponse({
      op: 'SendItem',
      items: results,
      ctx,
      handle(result) {
        if (result instanceof EwsError) throw result;
        if (!result.ok) throw sendFailure(result.error);
      },
    });
  },
};

async function prepareOne(ctx: RequestContext, el: XmlElement, save: boolean, saveTo: ResolvedFolder | EwsError | undefined): Promise<Submission> {
  if (saveTo instanceof EwsError) throw saveTo;
  const ref = await resolveItemRef(ctx, el);
  const [item] = await ctx.store.items(ref.mailbox.id, [ref.itemId]);
  if (!item) throw new EwsError('ErrorItemNotFound');
  // Sending what the client has not seen would send the wrong message: the key is required and must be current.
  const seen = ref.changeKey === undefined ? undefined : decodeChangeKey(ref.changeKey, 'I');
  if (seen !== item.modseq) throw new EwsError('ErrorStaleObject');
  if (!isSendable(item)) throw new EwsError('ErrorInvalidItemForOperationSendItem');
  const target = save ? (saveTo ?? (await sentItemsOf(ctx, ref.mailbox))) : undefined;
  const content = await storedContent(ctx, ref.mailbox, item);
  if (!item.props.isDraft) {
    // A resend is a new message: its own Message-ID (receivers drop duplicates by it), MIME composed afresh.
    content.props = structuredClone(content.props);
    delete content.props.internetMessageId;
    delete content.mime;
  }
  return prepareSend(ctx, {
    owner: ref.mailbox,
    ...content,
    source: { itemId: item.id, modseq: item.modseq, remove: item.props.isDraft },
    ...(target ? { saveTo: target } : {}),
  });
}

