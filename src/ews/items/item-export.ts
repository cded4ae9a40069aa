import type { Item, NewAttachment } from '../../domain/item.js';
import type { ExportSource } from '../../export/item-mapping.js';
import type { Store } from '../../store/store.js';

/**
 * Everything an export of one item carries: properties, attachments with their bytes and dates,
 * the original MIME (when the item came from MIME) and its history. Shared by ExportItems and
 * `ewsd export`.
 */
export async function loadExportSource(store: Store, mailboxId: number, item: Item): Promise<ExportSource> {
  // The MIME first: the attachments kept inside it are cut from this one read.
  const mime = item.hasMime ? await store.itemMime(mailboxId, item.id) : undefined;
  const contents = item.attachments.length ? await store.attachmentContents(mailboxId, item.id, undefined, mime) : new Map();
  const attachments: NewAttachment[] = [];
  for (const a of item.attachments) {
    const content = contents.get(a.id);
    if (!content) continue;
    const common = { name: a.name, isInline: a.isInline, lastModified: a.lastModified };
    const meta: { contentId?: string; contentLocation?: string } = {};
    if (a.contentId !== undefined) meta.contentId = a.contentId;
    if (content.kind === 'file') {
      if (a.contentLocation !== undefined) meta.contentLocation = a.contentLocation;
      attachments.push({ kind: 'file', ...common, ...meta, contentType: a.contentType ?? 'application/octet-stream', content: content.content });
    } else {
      attachments.push({ kind: 'item', ...common, ...meta, ...(a.contentType !== undefined ? { contentType: a.contentType } : {}), item: content.item });
    }
  }
  const source: ExportSource = {
    props: item.props,
    attachments,
    createdAt: item.createdAt,
    modifiedAt: item.modifiedAt,
    dateTimeReceived: item.dateTimeReceived,
    size: item.size,
    hasAttachments: item.hasAttachments,
  };
  if (mime) source.mime = mime;
  return source;
}
