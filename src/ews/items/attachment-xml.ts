import type { AttachedItem, Attachment, Item } from '../../domain/item.js';
import type { Mailbox } from '../../domain/mailbox.js';
import type { XmlWriter } from '../../soap/xml-writer.js';
import type { AttachmentContent } from '../../store/store.js';
import { ewsDate } from '../dates.js';
import type { ItemShape } from './item-shape.js';
import { attachmentIdAttrs, writeItem } from './item-xml.js';

/** An attachment with its content (GetAttachment): file bytes, or the attached message with every property. */
export function writeAttachmentWithContent(
  w: XmlWriter,
  mailbox: Mailbox,
  parent: Item,
  a: Attachment,
  content: AttachmentContent,
  shape: ItemShape,
  mime?: Buffer,
): void {
  const el = a.kind === 'file' ? 't:FileAttachment' : 't:ItemAttachment';
  w.open(el).empty('t:AttachmentId', attachmentIdAttrs(mailbox, parent, a));
  w.leaf('t:Name', a.name).leaf('t:ContentType', a.contentType).leaf('t:ContentId', a.contentId).leaf('t:ContentLocation', a.contentLocation);
  w.leaf('t:Size', a.size).leaf('t:LastModifiedTime', ewsDate(a.lastModified)).leaf('t:IsInline', a.isInline);
  if (content.kind === 'file') {
    w.leaf('t:IsContactPhoto', false).base64('t:Content', content.content);
  } else {
    writeItem(w, mailbox, asItem(content.item, a), shape, mime ? { mime } : {});
  }
  w.close(el);
}

/** An attached message seen as an item (it has no id, folder or history of its own). */
function asItem(attached: AttachedItem, a: Attachment): Item {
  return {
    id: 0,
    mailboxId: 0,
    folderId: 0,
    modseq: 0,
    uid: 0,
    props: attached.props,
    fieldVersions: {},
    size: a.size,
    hasAttachments: attached.attachments.some((x) => !x.isInline),
    attachments: [],
    hasMime: false,
    dateTimeReceived: attached.props.dateTimeReceived ?? a.lastModified,
    createdAt: a.lastModified,
    modifiedAt: a.lastModified,
  };
}
