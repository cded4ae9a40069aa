import { strictBase64 } from '../../soap/base64.js';
import type { XmlElement } from '../../soap/xml-element.js';
import { decodedBase64 } from '../../soap/xml-parser.js';
import { EwsError } from '../errors.js';

/**
 * Base64 as clients send it: alphabet and whitespace, then at most two '=' and whitespace. Checked
 * as "no foreign character" plus a look at the tail from the first '=': one pass over megabytes
 * of MimeContent instead of an anchored pattern's (same language as /^[A-Za-z0-9+/\s]*={0,2}\s*$/).
 */
const NOT_BASE64 = /[^A-Za-z0-9+/\s=]/;
const PADDING_TAIL = /^={1,2}\s*$/;

/** Throws EwsError `code` (with `messageText`, else Exchange's text for the code) if `text` is not base64. */
export function decodeBase64(text: string, code: string, messageText?: string): Buffer {
  // The usual unbroken base64 is checked and decoded in one pass; the rest (white space inside)
  // is checked by pattern, then decoded.
  const strict = strictBase64(text);
  if (strict) return strict;
  const pad = text.indexOf('=');
  if (NOT_BASE64.test(text) || (pad >= 0 && !PADDING_TAIL.test(text.slice(pad)))) throw new EwsError(code, messageText);
  return Buffer.from(text, 'base64');
}

/** The bytes of an element's base64 text: decoded by the streaming parser as it read it when it could, else here. */
export function decodeBase64Element(el: XmlElement | undefined, code: string, messageText?: string): Buffer {
  return (el && decodedBase64(el)) ?? decodeBase64(el?.text ?? '', code, messageText);
}
