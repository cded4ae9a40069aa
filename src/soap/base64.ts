/**
 * The bytes of `text` if it is base64 in its strict form, else undefined: whole quads of alphabet
 * characters, '=' only as padding at the very end, nothing else (no white space, no base64url).
 * Node's decoder skips characters outside the alphabet and stops at an inner '=', so it yields
 * the length the text announces only when every character counted; it also reads base64url's
 * '-' and '_', which are looked for apart. One decode is both the check and the result.
 */
export function strictBase64(text: string): Buffer | undefined {
  if (text.length % 4 !== 0) return undefined;
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length !== Buffer.byteLength(text, 'base64') || text.includes('-') || text.includes('_')) return undefined;
  return bytes;
}
