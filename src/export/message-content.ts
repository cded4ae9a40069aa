/**
 * The message content of a FastTransfer stream ([MS-OXCFXICS] 2.2.4.3, CopyTo of a message):
 *
 *   messageContent   = propList [FXDelProp] *recipient [FXDelProp] *attachment
 *   recipient        = StartRecip propList EndToRecip
 *   attachment       = NewAttach PidTagAttachNumber attachmentContent EndAttach
 *   attachmentContent = propList [embeddedMessage]
 *   embeddedMessage  = StartEmbed messageContent EndEmbed
 *
 * PidTagRowid of recipients and PidTagAttachNumber of attachments are positions, not data: the
 * writer numbers rows itself and the reader drops them. MetaTagFXDelProp ("clear this subobject
 * list first") is written before the recipients and attachments of the top-level message, as
 * Exchange does, and ignored on reading (an upload always replaces the whole item).
 */
import { MapiPropertyBag, PidTag, PropType, propTag } from './mapi-props.js';
import { ItemStreamError, Marker, MetaTag, PropertyStreamReader, PropertyStreamWriter, tagName } from './property-stream.js';

export interface ExportedAttachment {
  properties: MapiPropertyBag;
  /** The attached message when PidTagAttachMethod is 5 (afEmbeddedMessage). */
  embedded?: ExportedMessage;
}

export interface ExportedMessage {
  properties: MapiPropertyBag;
  recipients: MapiPropertyBag[];
  attachments: ExportedAttachment[];
}

/** Default nesting bound for embedded messages (a message in an attachment of a message ...). */
export const DEFAULT_MAX_DEPTH = 32;

export function emptyMessage(): ExportedMessage {
  return { properties: new MapiPropertyBag(), recipients: [], attachments: [] };
}

// ---------------------------------------------------------------- writing

export function writeMessageContent(msg: ExportedMessage, maxDepth = DEFAULT_MAX_DEPTH): Buffer {
  const w = new PropertyStreamWriter();
  writeMessage(w, msg, 0, maxDepth);
  return w.toBuffer();
}

function writeMessage(w: PropertyStreamWriter, msg: ExportedMessage, depth: number, maxDepth: number): void {
  if (depth > maxDepth) throw new RangeError(`embedded messages nested deeper than ${maxDepth}`);
  for (const p of msg.properties) w.property(p);
  if (depth === 0) w.metaU32(MetaTag.FXDelProp, propTag(PidTag.MessageRecipients, PropType.Object));
  msg.recipients.forEach((bag, row) => {
    w.marker(Marker.StartRecip);
    w.property({ key: PidTag.Rowid, value: { type: PropType.Integer32, value: row } });
    for (const p of bag) if (p.key !== PidTag.Rowid) w.property(p);
    w.marker(Marker.EndToRecip);
  });
  if (depth === 0) w.metaU32(MetaTag.FXDelProp, propTag(PidTag.MessageAttachments, PropType.Object));
  msg.attachments.forEach((att, n) => {
    w.marker(Marker.NewAttach);
    w.property({ key: PidTag.AttachNumber, value: { type: PropType.Integer32, value: n } });
    for (const p of att.properties) if (p.key !== PidTag.AttachNumber) w.property(p);
    if (att.embedded) {
      w.marker(Marker.StartEmbed);
      writeMessage(w, att.embedded, depth + 1, maxDepth);
      w.marker(Marker.EndEmbed);
    }
    w.marker(Marker.EndAttach);
  });
}

// ---------------------------------------------------------------- reading

/** Reads a whole message content; `base` is the content's offset in the enclosing data, for errors. */
export function readMessageContent(content: Buffer, maxDepth = DEFAULT_MAX_DEPTH, base = 0): ExportedMessage {
  const r = new PropertyStreamReader(content, base);
  return readMessage(r, 0, maxDepth);
}

function readMessage(r: PropertyStreamReader, depth: number, maxDepth: number): ExportedMessage {
  const msg = emptyMessage();
  const where = depth === 0 ? 'the message' : `the embedded message at depth ${depth}`;
  for (;;) {
    if (r.atEnd) {
      if (depth === 0) return msg;
      throw new ItemStreamError('truncated', `${where} ends without EndEmbed`, r.offset);
    }
    const el = r.next();
    if (el.kind === 'property') {
      if (el.tag !== MetaTag.FXDelProp) msg.properties.setKey(el.property.key, el.property.value);
      continue;
    }
    switch (el.tag) {
      case Marker.StartRecip:
        msg.recipients.push(readRecipient(r));
        break;
      case Marker.NewAttach:
        msg.attachments.push(readAttachment(r, depth, maxDepth));
        break;
      case Marker.EndEmbed:
        if (depth > 0) return msg;
        throw new ItemStreamError('corrupt', 'EndEmbed without a StartEmbed', el.offset);
      default:
        throw new ItemStreamError('corrupt', `unexpected marker ${tagName(el.tag)} in ${where}`, el.offset);
    }
  }
}

function readRecipient(r: PropertyStreamReader): MapiPropertyBag {
  const bag = new MapiPropertyBag();
  for (;;) {
    if (r.atEnd) throw new ItemStreamError('truncated', 'a recipient ends without EndToRecip', r.offset);
    const el = r.next();
    if (el.kind === 'property') {
      if (el.property.key !== PidTag.Rowid) bag.setKey(el.property.key, el.property.value);
    } else if (el.tag === Marker.EndToRecip) {
      return bag;
    } else {
      throw new ItemStreamError('corrupt', `unexpected marker ${tagName(el.tag)} inside a recipient`, el.offset);
    }
  }
}

function readAttachment(r: PropertyStreamReader, depth: number, maxDepth: number): ExportedAttachment {
  const att: ExportedAttachment = { properties: new MapiPropertyBag() };
  for (;;) {
    if (r.atEnd) throw new ItemStreamError('truncated', 'an attachment ends without EndAttach', r.offset);
    const el = r.next();
    if (el.kind === 'property') {
      if (att.embedded) {
        throw new ItemStreamError('corrupt', `property ${tagName(el.tag)} after the embedded message of an attachment`, el.offset);
      }
      if (el.property.key !== PidTag.AttachNumber) att.properties.setKey(el.property.key, el.property.value);
      continue;
    }
    if (el.tag === Marker.EndAttach) return att;
    if (el.tag === Marker.StartEmbed) {
      if (att.embedded) throw new ItemStreamError('corrupt', 'an attachment with two embedded messages', el.offset);
      if (depth + 1 > maxDepth) {
        throw new ItemStreamError('too-deep', `embedded messages nested deeper than ${maxDepth}`, el.offset);
      }
      att.embedded = readMessage(r, depth + 1, maxDepth);
      continue;
    }
    throw new ItemStreamError('corrupt', `unexpected marker ${tagName(el.tag)} inside an attachment`, el.offset);
  }
}
