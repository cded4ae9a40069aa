import { hostname } from 'node:os';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { isValidEmail } from '../domain/mailbox.js';
import type { Logger } from '../log.js';
import { LocalDeliveryUnavailable, type LocalDelivery } from './local-delivery.js';

export interface SmtpInboundOptions {
  host: string;
  port: number;
  /** Largest message accepted, in bytes (advertised with SIZE; 552 beyond it). */
  maxMessageBytes: number;
  localDelivery: LocalDelivery;
  log: Logger;
  /** Our name in the greeting and the Received header (default: the machine's host name). */
  serverName?: string;
  maxRecipients?: number;
}

export interface SmtpInbound {
  port: number;
  /** Stops listening and closes idle sessions (a session mid-DATA gets `closeTimeoutMs`). */
  close(): Promise<void>;
}

export const DEFAULT_SMTP_MAX_BYTES = 25 * 1024 * 1024;

/** An error reply smtp-server sends as is (the enhanced status code comes from the reply code). */
function reply(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

/**
 * SMTP in: final delivery for the mailboxes on this server, and nothing else. No AUTH and no
 * relaying: a recipient without a local mailbox is refused at RCPT TO, so ewsd is never an open
 * relay. A message is answered 250 only once it is committed to every recipient's Inbox; when
 * that cannot happen the client is told to retry (451), so the message stays with it.
 */
export async function startSmtpInbound(opts: SmtpInboundOptions): Promise<SmtpInbound> {
  const name = opts.serverName ?? hostname();
  const server = new SMTPServer({
    name,
    banner: 'ewsd ESMTP',
    size: opts.maxMessageBytes,
    rejectOversized: true,
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    hideENHANCEDSTATUSCODES: false,
    hideDSN: true,
    disableReverseLookup: true,
    maxRecipients: opts.maxRecipients ?? 500,
    maxClients: 200,
    closeTimeout: 5000,
    logger: false,

    onRcptTo(address, _session, callback) {
      const rcpt = address.address.toLowerCase();
      if (!isValidEmail(rcpt)) return callback(reply(553, `<${address.address}>: mailbox name not allowed`));
      opts.localDelivery.isLocal(rcpt).then(
        (local) => callback(local ? null : reply(550, `<${rcpt}>: no such mailbox here; relaying is not allowed`)),
        (err: unknown) => {
          opts.log.error({ err, rcpt }, 'SMTP recipient lookup failed');
          callback(reply(451, 'temporary failure looking up the recipient, try again later'));
        },
      );
    },

    onData(stream, session, callback) {
      receive(stream, opts.maxMessageBytes).then(
        async (raw) => {
          if (stream.sizeExceeded || raw === undefined) return callback(reply(552, `message exceeds the maximum size of ${opts.maxMessageBytes} bytes`));
          const recipients = [...new Set(session.envelope.rcptTo.map((r) => r.address.toLowerCase()))];
          const message = Buffer.concat([traceHeaders(session, name), raw]);
          try {
            await opts.localDelivery.deliver(recipients, message);
          } catch (err) {
            if (err instanceof LocalDeliveryUnavailable) opts.log.warn({ reason: err.message, recipients }, 'SMTP message deferred');
            else opts.log.error({ err, recipients }, 'SMTP local delivery failed');
            return callback(reply(451, 'local delivery failed temporarily, try again later'));
          }
          opts.log.info({ session: session.id, from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', recipients, bytes: raw.length }, 'SMTP message delivered');
          callback(null, `message delivered to ${recipients.length} mailbox${recipients.length === 1 ? '' : 'es'}`);
        },
        (err: unknown) => {
          opts.log.warn({ err }, 'SMTP DATA stream failed');
          callback(reply(451, 'error while receiving the message'));
        },
      );
    },
  });
  server.on('error', (err) => opts.log.warn({ err }, 'SMTP session error'));

  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.server.off('error', reject);
      resolve();
    });
  });
  const port = (server.server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    port,
    close() {
      closing ??= new Promise<void>((resolve) => server.close(() => resolve()));
      return closing;
    },
  };
}

/** The message bytes; undefined once over the limit (the rest is read and dropped). */
function receive(stream: SMTPServerDataStream, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    stream.once('end', () => resolve(size <= limit ? Buffer.concat(chunks, size) : undefined));
    stream.once('error', reject);
  });
}

/** Return-Path and Received, as the final delivery agent adds them (RFC 5321 section 4.4). */
function traceHeaders(session: SMTPServerSession, name: string): Buffer {
  const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
  const helo = clean(session.hostNameAppearsAs || 'unknown');
  const rcpt = session.envelope.rcptTo.length === 1 ? `\r\n\tfor <${session.envelope.rcptTo[0]!.address}>` : '';
  const date = new Date().toUTCString().replace('GMT', '+0000');
  return Buffer.from(
    `Return-Path: <${from}>\r\n` + `Received: from ${helo} ([${session.remoteAddress}])\r\n\tby ${name} (ewsd) with ${session.transmissionType || 'ESMTP'} id ${session.id}${rcpt};\r\n\t${date}\r\n`,
    'utf8',
  );
}

function clean(text: string): string {
  return text.replace(/[^\x21-\x7e]/g, '?').slice(0, 255);
}
