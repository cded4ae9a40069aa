// CreateAttachment: https://learn.microsoft.com/exchange/client-developer/web-service-reference/createattachment-operation
import type { Attachment, Item, NewAttachment } from '../../domain/item.js';
import type { Mailbox } from '../../domain/mailbox.js';
import { EwsError, SoapFault } from '../errors.js';
import { resolveItemRef } from '../items/item-ids.js';
import { attachmentIdAttrs } from '../items/item-xml.js';
import { parseAttachment } from '../items/parse-item.js';
import { storeFailure } from '../items/store-errors.js';
import type { Operation } from '../operation.js';
import { batchResponse } from '../response.js';

type Created = { mailbox: Mailbox; item: Item; attachment: Attachment };

/**
 * One message per attachment. The good ones are added in one transaction; each answer carries
 * the new AttachmentId with the parent's new ChangeKey (exchangelib takes it from RootItemChangeKey).
 * A parent that cannot be found or opened fails every attachment.
 */
export const createAttachment: Operation = {
  name: 'CreateAttachment',
  async handle(request, ctx) {
    const parentEl = request.child('ParentItemId');
    if (!parentEl) throw SoapFault.schema("The element 'ParentItemId' is required.", request.line);
    const elements = request.child('Attachments')?.children ?? [];
    if (elements.length === 0) throw SoapFault.schema("The element 'Attachments' must contain at least one attachment.", request.line);
    const parsed: Array<NewAttachment | EwsError> = [];
    for (const el of elements) {
      try {
        parsed.push(await parseAttachment(el));
      } catch (err) {
        if (!(err instanceof EwsError)) throw err;
        parsed.push(err);
      }
    }
    let results: Array<Created | EwsError>;
    try {
      const ref = await resolveItemRef(ctx, parentEl);
      const { item, added } = await ctx.store.addAttachments(ref.mailbox.id, ref.itemId, parsed.filter((p): p is NewAttachment => !(p instanceof EwsError)));
      let next = 0;
      results = parsed.map((p) => (p instanceof EwsError ? p : { mailbox: ref.mailbox, item, attachment: added[next++]! }));
    } catch (err) {
      const failure = storeFailure(err);
      results = parsed.map(() => failure);
    }
    return batchResponse({
      op: 'CreateAttachment',
      items: results,
      ctx,
      errorPayload: (w) => w.empty('m:Attachments'),
      handle(result, w) {
        if (result instanceof EwsError) throw result;
        const el = result.attachment.kind === 'file' ? 't:FileAttachment' : 't:ItemAttachment';
        w.open('m:Attachments').open(el).empty('t:AttachmentId', attachmentIdAttrs(result.mailbox, result.item, result.attachment)).close(el).close('m:Attachments');
      },
    });
  },
};
