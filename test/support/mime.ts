import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MimeMessage } from '../../src/mime/mime-message.js';

/** test/fixtures/mime in the source tree (tests run from dist/test/support). */
const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'test', 'fixtures', 'mime');

export function fixture(name: string): Buffer {
  return readFileSync(resolve(FIXTURES, name));
}

/** A MimeMessage with every list empty, plus what the test sets. */
export function mimeMessage(over: Partial<MimeMessage> = {}): MimeMessage {
  return { replyTo: [], to: [], cc: [], bcc: [], headers: [], attachments: [], ...over };
}

/** The header block of a raw message (up to the first empty line), unfolded lines kept. */
export function headerBlock(raw: Buffer): string {
  const s = raw.toString('latin1');
  const end = s.indexOf('\r\n\r\n');
  return end < 0 ? s : s.slice(0, end + 2);
}

/** Top-level header names of a raw message, in order. */
export function headerNames(raw: Buffer): string[] {
  return headerBlock(raw)
    .split('\r\n')
    .filter((l) => l !== '' && !/^[ \t]/.test(l))
    .map((l) => l.slice(0, l.indexOf(':')));
}
