import type { MimeItem } from '../../items/mime-mapping.js';
import { NS } from '../../soap/namespaces.js';
import type { XmlElement } from '../../soap/xml-element.js';
import { decodeBase64Element } from './base64-text.js';
import { MESSAGE_ELEMENTS } from './item-fields.js';
import { itemFromMimeContent } from './item-mime.js';

/**
 * MIME of CreateItem parsed while the rest of the request is still being read.
 *
 * A CreateItem of 100 messages is ~5 MB of XML. Read first and parsed after, the MIME threads
 * idle while the event loop reads the XML, and the event loop idles while they parse. Each
 * item's MimeContent is decoded and handed to the threads as soon as its end tag is read
 * (the request reader calls {@link startItemMime}); parseNewItem then takes the parse that is
 * already under way instead of starting one. The work is the same as parseNewItem's own, on the
 * same bytes, so the item cannot differ; what is not taken (the request turns out malformed,
 * the operation fails first) is dropped with the request.
 */

interface StartedMime {
  mime: Buffer;
  item: Promise<MimeItem>;
}

const started = new WeakMap<XmlElement, StartedMime>();

/** Starts parsing `el` if it is the t:MimeContent of an item directly in m:CreateItem/m:Items. */
export function startItemMime(el: XmlElement, ancestors: readonly XmlElement[]): void {
  if (el.name !== 'MimeContent' || el.ns !== NS.types) return;
  const n = ancestors.length;
  const item = ancestors[n - 1];
  const items = ancestors[n - 2];
  const operation = ancestors[n - 3];
  if (!item || !items || !operation) return;
  if (!MESSAGE_ELEMENTS.has(item.name) || item.ns !== NS.types) return;
  if (items.name !== 'Items' || items.ns !== NS.messages || operation.name !== 'CreateItem' || operation.ns !== NS.messages) return;
  let mime: Buffer;
  try {
    mime = decodeBase64Element(el, 'ErrorMimeContentInvalidBase64String');
  } catch {
    return; // parseNewItem decodes it again and gives the item its error
  }
  const parse = itemFromMimeContent(mime);
  // Never an unhandled rejection: a parse nobody takes fails nobody.
  parse.catch(() => undefined);
  started.set(el, { mime, item: parse });
}

/** The parse {@link startItemMime} began for this MimeContent element, handed over once. */
export function takeStartedMime(el: XmlElement): StartedMime | undefined {
  const s = started.get(el);
  if (s) started.delete(el);
  return s;
}
