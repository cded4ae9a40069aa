import { hostname } from 'node:os';
import MimeNode from 'nodemailer/lib/mime-node';
import { decodeWords } from 'postal-mime';

export interface Failure {
  address: string;
  /** The relay's reply or our own explanation, e.g. `550 5.1.1 <x@y>: no such user`. */
  reason: string;
}

export interface NdrInput {
  /** Who gets the report: the original envelope sender. */
  to: string;
  original: Buffer;
  failures: Failure[];
  arrivalDate: Date;
  reportingHost?: string;
  now?: Date;
}

/**
 * A non-delivery report as RFC 3464 shapes it: multipart/report with a human explanation, the
 * machine-readable message/delivery-status, and the original message's headers (not its body:
 * the sender has the body, and a report must stay small).
 */
export async function composeNdr(input: NdrInput): Promise<Buffer> {
  const host = input.reportingHost ?? hostname();
  const now = input.now ?? new Date();
  const headers = headerBlock(input.original);
  const headerText = headers.toString('latin1');
  const subject = headerValue(headerText, 'subject');

  const root = new MimeNode('multipart/report; report-type=delivery-status', { hostname: host, newline: 'windows' });
  root.setHeader({
    From: { name: 'Mail Delivery System', address: `MAILER-DAEMON@${host}` },
    To: input.to,
    Subject: `Undeliverable: ${subject ?? '(no subject)'}`,
    Date: now,
    'Auto-Submitted': 'auto-replied',
  });
  const originalId = headerValue(headerText, 'message-id');
  if (originalId) root.setHeader({ 'In-Reply-To': originalId, References: originalId });

  root.createChild('text/plain; charset=utf-8').setContent(explanation(input.failures, subject));
  root.createChild('message/delivery-status').setContent(deliveryStatus(input.failures, host, input.arrivalDate));
  root.createChild('message/rfc822-headers').setContent(headers);
  return root.build();
}

function explanation(failures: Failure[], subject: string | undefined): string {
  const lines = [
    `Your message${subject ? ` "${subject}"` : ''} could not be delivered to ${failures.length === 1 ? 'this recipient' : 'these recipients'}:`,
    '',
  ];
  for (const f of failures) lines.push(`  ${f.address}`, `    ${f.reason}`, '');
  lines.push('The headers of your message are attached.', '');
  return lines.join('\r\n');
}

function deliveryStatus(failures: Failure[], host: string, arrival: Date): string {
  const blocks = [[`Reporting-MTA: dns; ${host}`, `Arrival-Date: ${arrival.toUTCString().replace('GMT', '+0000')}`].join('\r\n')];
  for (const f of failures) {
    blocks.push(
      [
        `Final-Recipient: rfc822; ${f.address}`,
        'Action: failed',
        `Status: ${statusCode(f.reason)}`,
        ...(/^\d{3}[ -]/.test(f.reason) ? [`Diagnostic-Code: smtp; ${oneLine(f.reason)}`] : []),
      ].join('\r\n'),
    );
  }
  return blocks.join('\r\n\r\n') + '\r\n';
}

/** The enhanced status code in the reply if there is one, else one derived from the reply class. */
export function statusCode(reason: string): string {
  const enhanced = /\b([45]\.\d{1,3}\.\d{1,3})\b/.exec(reason);
  if (enhanced) return enhanced[1]!;
  if (/^5\d\d/.test(reason)) return '5.0.0';
  return '4.0.0';
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 900);
}

/** The header section of a message (up to the first empty line), byte for byte but with CRLF line ends. */
export function headerBlock(raw: Buffer): Buffer {
  // latin1 maps every byte to one character and back, so 8-bit headers survive untouched.
  const text = raw.subarray(0, 256 * 1024).toString('latin1');
  const end = /\r?\n\r?\n/.exec(text);
  const block = end ? text.slice(0, end.index) : text;
  return Buffer.from(block.replace(/\r?\n/g, '\r\n') + '\r\n', 'latin1');
}

/** One header's unfolded, decoded value (first occurrence); `headers` is the latin1 view of a header block. */
export function headerValue(headers: string, name: string): string | undefined {
  const unfolded = headers.replace(/\r\n[ \t]+/g, ' ');
  for (const line of unfolded.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === name) {
      return decodeWords(Buffer.from(line.slice(colon + 1), 'latin1').toString('utf8')).trim();
    }
  }
  return undefined;
}
