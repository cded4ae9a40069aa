// GetAttachment: https://learn.microsoft.com/exchange/client-developer/web-service-reference/getattachment-operation
import { EwsError, SoapFault } from '../errors.js';
import { writeAttachmentWithContent } from '../items/attachment-xml.js';
import { resolveAttachmentRef } from '../items/item-ids.js';
import { composeAttached } from '../items/item-mime.js';
import { parseBoolean } from '../items/item-fields.js';
import type { ItemShape, RequestedBodyType } from '../items/item-shape.js';
import type { Operation } from '../operation.js';
import { batchResponse } from '../response.js';

/** What an attached message shows: everything it holds (it has no id of its own). */
const ATTACHED_FIELDS = [
  'ItemClass', 'Subject', 'Sensitivity', 'Body', 'DateTimeReceived', 'Size', 'Categories', 'Importance', 'InReplyTo', 'IsSubmitted',
  'IsDraft', 'IsFromMe', 'InternetMessageHeaders', 'DateTimeSent', 'DateTimeCreated', 'DisplayCc', 'DisplayTo', 'HasAttachments', 'Sender',
  'ToRecipients', 'CcRecipients', 'BccRecipients', 'IsReadReceiptRequested', 'IsDeliveryReceiptRequested', 'ConversationTopic', 'From',
  'InternetMessageId', 'IsRead', 'References', 'ReplyTo',
];

/** Returns each attachment with its exact bytes (files) or its message (item attachments). */
export const getAttachment: Operation = {
  name: 'GetAttachment',
  async handle(request, ctx) {
    const shapeEl = request.child('AttachmentShape');
    const includeMime = shapeEl?.child('IncludeMimeContent');
    const bodyType = (shapeEl?.childText('BodyType') ?? 'Best') as RequestedBodyType;
    if (!['Best', 'HTML', 'Text'].includes(bodyType)) throw SoapFault.schema(`The BodyType '${bodyType}' is invalid.`, shapeEl?.line);
    const fields = new Set(ATTACHED_FIELDS);
    const withMime = includeMime ? parseBoolean(includeMime) : false;
    if (withMime) fields.add('MimeContent');
    const shape: ItemShape = { fields, extended: [], bodyType };
    const ids = request.child('AttachmentIds')?.children ?? [];
    if (ids.length === 0) throw SoapFault.schema("The element 'AttachmentIds' must contain at least one attachment id.", request.line);
    return batchResponse({
      op: 'GetAttachment',
      items: ids,
      ctx,
      errorPayload: (w) => w.empty('m:Attachments'),
      async handle(el, w) {
        const ref = await resolveAttachmentRef(ctx, el);
        const [item] = await ctx.store.items(ref.mailbox.id, [ref.itemId]);
        const attachment = item?.attachments.find((a) => a.id === ref.attachmentId);
        if (!item || !attachment) throw new EwsError('ErrorItemNotFound');
        const content = (await ctx.store.attachmentContents(ref.mailbox.id, ref.itemId, [attachment.id])).get(attachment.id);
        if (!content) throw new EwsError('ErrorItemNotFound');
        const mime = withMime && content.kind === 'item' ? await composeAttached(content.item) : undefined;
        w.open('m:Attachments');
        writeAttachmentWithContent(w, ref.mailbox, item, attachment, content, shape, mime);
        w.close('m:Attachments');
      },
    });
  },
};
