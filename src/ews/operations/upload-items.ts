// UploadItems: https://learn.microsoft.com/exchange/client-developer/web-service-reference/uploaditems-operation
import type { Mailbox } from '../../domain/mailbox.js';
import type { NewItem } from '../../domain/item.js';
import { messageToItem } from '../../export/item-mapping.js';
import { decodeItemStream, ItemStreamError } from '../../export/item-stream.js';
import type { XmlElement } from '../../soap/xml-element.js';
import type { ItemUpload, Outcome, UploadResult } from '../../store/store.js';
import type { RequestContext } from '../context.js';
import { asEwsError, EwsError, SoapFault } from '../errors.js';
import { decodeId } from '../ids.js';
import { decodeBase64Element } from '../items/base64-text.js';
import { itemIdAttrs } from '../items/item-ids.js';
import { openMailboxByGuid } from '../mailbox-access.js';
import { storeFailure } from '../items/store-errors.js';
import type { Operation } from '../operation.js';
import { batchResponse } from '../response.js';
import { addToGroup } from '../group.js';

type CreateAction = 'CreateNew' | 'Update' | 'UpdateOrCreate';
const CREATE_ACTIONS: ReadonlySet<string> = new Set(['CreateNew', 'Update', 'UpdateOrCreate']);

/** One request item, ready for the store (or already failed). */
interface Prepared {
  mailbox: Mailbox;
  upload: ItemUpload;
}

/**
 * Every item is parsed, decoded and checked first (bad data fails its item before anything is
 * written); then the good ones are written in ONE store transaction per mailbox, each in its own
 * savepoint, and the response reports each item's resulting ItemId and ChangeKey in request order.
 */
export const uploadItems: Operation = {
  name: 'UploadItems',
  async handle(request, ctx) {
    const items = request.child('Items')?.all('Item') ?? [];
    if (items.length === 0) throw SoapFault.schema("The element 'Items' must contain at least one 't:Item'.", request.line);
    const prepared: Array<Prepared | EwsError> = [];
    for (const el of items) prepared.push(await prepare(ctx, el).catch(asEwsError));
    const results = await write(ctx, prepared);
    return batchResponse({
      op: 'UploadItems',
      items: prepared,
      ctx,
      handle(p, w, i) {
        if (p instanceof EwsError) throw p;
        const r = results[i]!;
        if (!r.ok) throw storeFailure(r.error);
        w.empty('m:ItemId', itemIdAttrs(p.mailbox, r.value.item));
      },
    });
  },
};

async function prepare(ctx: RequestContext, el: XmlElement): Promise<Prepared> {
  const action = el.attr('CreateAction');
  if (!action || !CREATE_ACTIONS.has(action)) throw SoapFault.schema(`The CreateAction '${action ?? ''}' is invalid.`, el.line);
  const parentEl = el.child('ParentFolderId');
  const dataEl = el.child('Data');
  if (!parentEl || !dataEl) throw SoapFault.schema("The element 't:Item' needs 't:ParentFolderId' and 't:Data'.", el.line);
  if (el.attr('IsAssociated') === 'true' || el.attr('IsAssociated') === '1') {
    throw new EwsError('ErrorInvalidOperation', 'Associated (folder-associated information) items are not supported by this server; nothing was written.');
  }
  // t:ParentFolderId is a FolderIdType (Id, ChangeKey): the folder must be in a mailbox the caller may open.
  const folderId = decodeId(parentEl.attr('Id'), 'F');
  const mailbox = await openMailboxByGuid(ctx, folderId.mailboxGuid);
  const folder = await ctx.store.folder(mailbox.id, folderId.numbers[0]!);
  if (!folder) throw new EwsError('ErrorFolderNotFound');
  const item = decodeData(dataEl);
  const upload: ItemUpload = { folderId: folder.id, item };
  const target = await targetItem(ctx, el.child('ItemId'), mailbox, folder.id, action as CreateAction);
  if (target !== undefined) upload.replaceItemId = target;
  return { mailbox, upload };
}

/** The item an Update / UpdateOrCreate replaces; undefined means "create a new one". */
async function targetItem(ctx: RequestContext, idEl: XmlElement | undefined, mailbox: Mailbox, folderId: number, action: CreateAction): Promise<number | undefined> {
  if (action === 'CreateNew') return undefined;
  if (!idEl) {
    if (action === 'Update') throw new EwsError('ErrorInvalidIdEmpty', 'CreateAction Update needs the t:ItemId of the item to replace.');
    return undefined;
  }
  const id = decodeId(idEl.attr('Id'), 'I');
  const [existing] = id.mailboxGuid === mailbox.guid ? await ctx.store.items(mailbox.id, [id.numbers[0]!]) : [undefined];
  if (existing && existing.folderId === folderId) return existing.id;
  if (action === 'Update') throw new EwsError('ErrorItemNotFound');
  return undefined;
}

function decodeData(el: XmlElement): NewItem {
  const bytes = decodeBase64Element(el, 'ErrorCorruptData', 'The item data is corrupt: t:Data is not valid base64.');
  try {
    return messageToItem(decodeItemStream(bytes));
  } catch (err) {
    if (!(err instanceof ItemStreamError)) throw err;
    if (err.code === 'too-large') throw new EwsError('ErrorMessageSizeExceeded', `The message exceeds the maximum supported size: ${err.message}.`);
    throw new EwsError('ErrorCorruptData', `The item data is corrupt: ${err.message}.`);
  }
}

/** One store call (one transaction) per mailbox; results land at their request positions. */
async function write(ctx: RequestContext, prepared: ReadonlyArray<Prepared | EwsError>): Promise<Array<Outcome<UploadResult> | undefined>> {
  const out: Array<Outcome<UploadResult> | undefined> = new Array(prepared.length);
  const byMailbox = new Map<number, number[]>();
  prepared.forEach((p, i) => {
    if (p instanceof EwsError) return;
    addToGroup(byMailbox, p.mailbox.id, i);
  });
  for (const [mailboxId, indexes] of byMailbox) {
    const results = await ctx.store.uploadItems(mailboxId, indexes.map((i) => (prepared[i] as Prepared).upload));
    indexes.forEach((idx, k) => (out[idx] = results[k]));
  }
  return out;
}

