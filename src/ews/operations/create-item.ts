// CreateItem: https://learn.microsoft.com/exchange/client-developer/web-service-reference/createitem-operation
import type { Folder } from '../../domain/folder.js';
import type { Item, NewItem } from '../../domain/item.js';
import type { Mailbox } from '../../domain/mailbox.js';
import type { XmlElement } from '../../soap/xml-element.js';
import type { XmlWriter } from '../../soap/xml-writer.js';
import type { RequestContext } from '../context.js';
import { asEwsError, EwsError, SoapFault } from '../errors.js';
import { resolveFolder } from '../folders/resolve-folder.js';
import type { Operation } from '../operation.js';
import { batchResponse } from '../response.js';
import { itemIdAttrs } from '../items/item-ids.js';
import { attachmentIdAttrs, itemElement } from '../items/item-xml.js';
import { parseNewItem } from '../items/parse-item.js';
import { storeFailure } from '../items/store-errors.js';
import { storeAsParsed } from '../items/store-as-parsed.js';
import { isSendable } from '../../items/send.js';
import { commitSends, prepareSend, sendFailure, sentItemsOf } from '../items/submit.js';
import type { Submission } from '../../store/store.js';

const DISPOSITIONS = new Set(['SaveOnly', 'SendOnly', 'SendAndSaveCopy']);

export const createItem: Operation = {
  name: 'CreateItem',
  async handle(request, ctx) {
    const disposition = request.attr('MessageDisposition') ?? 'SaveOnly';
    if (!DISPOSITIONS.has(disposition)) throw SoapFault.schema(`The MessageDisposition '${disposition}' is invalid.`, request.line);
    const elements = request.child('Items')?.children ?? [];
    if (elements.length === 0) throw SoapFault.schema("The element 'Items' must contain at least one item.", request.line);

    if (disposition !== 'SaveOnly') return sendNewItems(ctx, elements, disposition === 'SendAndSaveCopy', request.child('SavedItemFolderId'));

    const target = await savedFolder(ctx, request.child('SavedItemFolderId'));
    // Every item's parse at once (their MIME goes to the MIME threads, most of it already under
    // way: early-mime.ts); the good ones are stored, in order, as their parses come back.
    const results =
      target instanceof EwsError
        ? elements.map(() => target)
        : await storeAsParsed(
            elements.map((el) => parseOrError(el, target.mailbox)),
            isEwsError,
            (items) => ctx.store.createItems(target.mailbox.id, target.folder.id, items),
          );

    return batchResponse({
      op: 'CreateItem',
      items: results,
      ctx,
      errorPayload: emptyItems,
      handle(result, w) {
        if (result instanceof EwsError) throw result;
        if (!result.ok) throw storeFailure(result.error, 'ErrorFolderNotFound');
        const mailbox = (target as { mailbox: Mailbox }).mailbox;
        writeCreated(w, mailbox, result.value);
      },
    });
  },
};

type Target = { mailbox: Mailbox; folder: Folder };

/**
 * SendOnly / SendAndSaveCopy: each message is sent as it is created; no ItemId comes back. The
 * copy goes to SavedItemFolderId, by default the caller's Sent Items (SendOnly keeps none, and a
 * SavedItemFolderId given with it is not used). With t:MimeContent the MIME goes out as given
 * (minus Bcc, plus Message-ID/Date when missing): DavMail and Evolution send that way.
 */
async function sendNewItems(ctx: RequestContext, elements: readonly XmlElement[], keepCopy: boolean, savedEl: XmlElement | undefined): Promise<XmlWriter> {
  let saveTo: Target | EwsError | undefined;
  const idEl = savedEl?.children[0];
  if (keepCopy) saveTo = await (idEl ? resolveFolder(ctx, idEl, 'sent-copy') : sentItemsOf(ctx, ctx.account)).catch(asEwsError);
  const prepared: Array<Submission | EwsError> = [];
  for (const el of elements) {
    prepared.push(
      await (async () => {
        if (saveTo instanceof EwsError) throw saveTo;
        const item = await parseNewItem(el, ctx.account);
        if (!isSendable(item)) throw new EwsError('ErrorInvalidItemForOperationSendItem');
        return prepareSend(ctx, { owner: ctx.account, props: item.props, attachments: item.attachments, ...(item.mime ? { mime: item.mime } : {}), ...(saveTo ? { saveTo } : {}) });
      })().catch(asEwsError),
    );
  }
  const results = await commitSends(ctx, prepared);
  return batchResponse({
    op: 'CreateItem',
    items: results,
    ctx,
    errorPayload: emptyItems,
    handle(result, w) {
      if (result instanceof EwsError) throw result;
      if (!result.ok) throw sendFailure(result.error);
      emptyItems(w);
    },
  });
}


/** SavedItemFolderId, or the caller's Drafts when absent. A bad folder fails every item. */
async function savedFolder(ctx: RequestContext, el: XmlElement | undefined): Promise<Target | EwsError> {
  try {
    const idEl = el?.children[0];
    if (idEl) return await resolveFolder(ctx, idEl);
    const drafts = await ctx.store.distinguishedFolder(ctx.account.id, 'drafts');
    if (!drafts) throw new EwsError('ErrorFolderNotFound');
    return { mailbox: ctx.account, folder: drafts };
  } catch (err) {
    return asEwsError(err);
  }
}

function isEwsError(parsed: NewItem | EwsError): parsed is EwsError {
  return parsed instanceof EwsError;
}

function parseOrError(el: XmlElement, mailbox: Mailbox): Promise<NewItem | EwsError> {
  return parseNewItem(el, mailbox).catch(asEwsError);
}

/** `m:Items` with the new ItemId (and attachment ids, which exchangelib zips with what it sent). */
function writeCreated(w: XmlWriter, mailbox: Mailbox, item: Item): void {
  const el = `t:${itemElement(item.props.itemClass)}`;
  w.open('m:Items').open(el).empty('t:ItemId', itemIdAttrs(mailbox, item));
  if (item.attachments.length) {
    w.open('t:Attachments');
    for (const a of item.attachments) {
      const name = a.kind === 'file' ? 't:FileAttachment' : 't:ItemAttachment';
      w.open(name).empty('t:AttachmentId', attachmentIdAttrs(mailbox, item, a)).close(name);
    }
    w.close('t:Attachments');
  }
  w.close(el).close('m:Items');
}

function emptyItems(w: XmlWriter): void {
  w.empty('m:Items');
}
