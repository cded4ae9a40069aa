/**
 * A message body's text as parse-mime.ts gives it, and the same text decoded again from the
 * range of the message it was read from (a store keeping a reference instead of the text).
 * One place for both, so the two can never disagree.
 */
import type { MimeBodySource } from './mime-message.js';
import { decodesToNothing, decodeTextBody } from './native-text.js';
import { repairC1 } from './windows-1252.js';

/** A decoded body as a message gives it: Windows-1252's C1 repaired, without its last line end; undefined if empty. */
export function finishBody(value: string | undefined): string | undefined {
  return repairC1(body(value));
}

/**
 * A decoded body without its last line end; undefined if that leaves nothing. postal-mime reads
 * bodies line by line and ends every line with LF, the last one too, although the line break
 * before a boundary belongs to the boundary (RFC 2046 5.1.1).
 */
export function body(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const v = value.endsWith('\n') ? value.slice(0, -1) : value;
  return v === '' ? undefined : v;
}

/** The body a {@link MimeBodySource} of `raw` stands for, exactly as parseMime gave it; undefined for one that decodes to nothing. */
export function bodyFromMime(raw: Buffer, source: Omit<MimeBodySource, 'type'>): string | undefined {
  return finishBody(decodeTextBody(raw, source.start, source.end, source.quotedPrintable, source.charset));
}

/** Whether that body is nothing (bodyFromMime gives undefined), told without decoding it. */
export function bodyIsNothing(raw: Buffer, source: Omit<MimeBodySource, 'type'>): boolean {
  return decodesToNothing(raw, source.start, source.end, source.quotedPrintable, source.charset);
}
