/**
 * Works around a Node.js 20 bug (nodejs/node#60888, a regression since 20.18.3): TextDecoder
 * for 'windows-1252' (which is also what the WHATWG labels 'iso-8859-1', 'latin1' and
 * 'us-ascii' mean) decodes as ISO-8859-1, so bytes 0x80-0x9F come out as C1 control characters
 * instead of the euro sign, curly quotes, dashes... postal-mime decodes every header and body
 * with TextDecoder, so that bug would garble the most common legacy charset in mail.
 *
 * C1 controls essentially never occur in real mail text, so mapping them to the characters
 * windows-1252 puts at those bytes repairs the output after the fact without touching the
 * runtime. When Node is fixed no C1 character is produced and this does nothing.
 */
const C1_TO_WINDOWS_1252: readonly (string | undefined)[] = [
  '\u20ac', undefined, '\u201a', '\u0192', '\u201e', '\u2026', '\u2020', '\u2021',
  '\u02c6', '\u2030', '\u0160', '\u2039', '\u0152', undefined, '\u017d', undefined,
  undefined, '\u2018', '\u2019', '\u201c', '\u201d', '\u2022', '\u2013', '\u2014',
  '\u02dc', '\u2122', '\u0161', '\u203a', '\u0153', undefined, '\u017e', '\u0178',
];

export function repairC1(s: string): string;
export function repairC1(s: string | undefined): string | undefined;
export function repairC1(s: string | undefined): string | undefined {
  if (s === undefined || !/[\u0080-\u009f]/.test(s)) return s;
  // The five bytes windows-1252 leaves unassigned keep their C1 code point (as WHATWG says).
  return s.replace(/[\u0080-\u009f]/g, (c) => C1_TO_WINDOWS_1252[c.charCodeAt(0) - 0x80] ?? c);
}
