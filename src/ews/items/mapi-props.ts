import type { Item, MessageProps } from '../../domain/item.js';
import type { ExtendedProperty } from '../../domain/item.js';
import { ewsDate, parseEwsDate } from '../dates.js';
import { EwsError } from '../errors.js';

/**
 * MAPI properties ewsd computes from the item instead of storing. DavMail's IMAP mode reads them
 * (0x0e23 is the IMAP UID; without it DavMail hides the message); see ews-clients.md gotcha 13.
 */
export const PR_MESSAGE_FLAGS = 0x0e07;
const PR_MESSAGE_DELIVERY_TIME = 0x0e06;
const PR_MESSAGE_SIZE = 0x0e08;
const PR_INTERNET_ARTICLE_NUMBER = 0x0e23;
const PR_LAST_MODIFICATION_TIME = 0x3008;
const PR_CREATION_TIME = 0x3007;
const PR_TRANSPORT_MESSAGE_HEADERS = 0x007d;
const PR_HASATTACH = 0x0e1b;

const MSGFLAG_READ = 0x1;
const MSGFLAG_SUBMIT = 0x4;
const MSGFLAG_UNSENT = 0x8;
const MSGFLAG_HASATTACH = 0x10;
const MSGFLAG_FROMME = 0x20;

/** Read-only: a client may ask for them but never set them. */
const READ_ONLY_TAGS = new Set([PR_MESSAGE_SIZE, PR_INTERNET_ARTICLE_NUMBER, PR_LAST_MODIFICATION_TIME, PR_CREATION_TIME, PR_HASATTACH]);

/** The value of a computed property, or undefined when the tag is not computed (or has no value). */
export function computedMapiValue(item: Item, tag: number): string | undefined {
  switch (tag) {
    case PR_INTERNET_ARTICLE_NUMBER: return String(item.uid);
    case PR_MESSAGE_SIZE: return String(item.size);
    case PR_MESSAGE_FLAGS: return String(messageFlags(item));
    case PR_MESSAGE_DELIVERY_TIME: return ewsDate(item.dateTimeReceived);
    case PR_LAST_MODIFICATION_TIME: return ewsDate(item.modifiedAt);
    case PR_CREATION_TIME: return ewsDate(item.createdAt);
    case PR_HASATTACH: return String(item.hasAttachments);
    case PR_TRANSPORT_MESSAGE_HEADERS: {
      const headers = item.props.internetMessageHeaders;
      return headers.length ? headers.map((h) => `${h.name}: ${h.value}`).join('\r\n') + '\r\n\r\n' : undefined;
    }
    default: return undefined;
  }
}

function messageFlags(item: Item): number {
  const p = item.props;
  return (
    (p.isRead ? MSGFLAG_READ : 0) |
    (p.isSubmitted ? MSGFLAG_SUBMIT : 0) |
    (p.isDraft ? MSGFLAG_UNSENT : 0) |
    (item.hasAttachments ? MSGFLAG_HASATTACH : 0) |
    (p.isFromMe ? MSGFLAG_FROMME : 0)
  );
}

/**
 * Applies a written extended property that maps onto a first-class one (flags, delivery time) and
 * reports whether it did; read-only computed tags are refused with ErrorInvalidPropertySet.
 */
export function applyMappedProperty(props: MessageProps, prop: ExtendedProperty): boolean {
  const tag = prop.name.propertyTag;
  if (tag === undefined) return false;
  if (READ_ONLY_TAGS.has(tag)) throw new EwsError('ErrorInvalidPropertySet', `The property 0x${tag.toString(16)} is read-only.`);
  if (tag === PR_MESSAGE_FLAGS && prop.value !== undefined) {
    const flags = Number(prop.value.trim());
    props.isRead = (flags & MSGFLAG_READ) !== 0;
    props.isDraft = (flags & MSGFLAG_UNSENT) !== 0;
    return true;
  }
  if (tag === PR_MESSAGE_DELIVERY_TIME && prop.value !== undefined) {
    const date = parseEwsDate(prop.value);
    if (date) props.dateTimeReceived = date;
    return true;
  }
  return false;
}

/** Whether deleting this tag means something other than removing a stored value. */
export function isComputedTag(tag: number | undefined): boolean {
  return tag !== undefined && (READ_ONLY_TAGS.has(tag) || tag === PR_MESSAGE_FLAGS || tag === PR_MESSAGE_DELIVERY_TIME);
}
