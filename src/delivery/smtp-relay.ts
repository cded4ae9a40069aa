import { isIP } from 'node:net';
import nodemailer, { type NodemailerError, type SMTPTransportOptions } from 'nodemailer';
import type { RecipientResult } from '../domain/outbound.js';

export type RelaySecurity = 'starttls' | 'tls' | 'none';

/** The smart host every remote message is handed to (`--smtp-relay host:port` and friends). */
export interface RelayConfig {
  host: string;
  port: number;
  /** `starttls`: plain connection upgraded with STARTTLS, which must be offered; `tls`: TLS from the start; `none`: never TLS. */
  security: RelaySecurity;
  user?: string;
  password?: string;
  /** Verify the relay's certificate (default true). */
  verifyCertificate?: boolean;
  /** Our name in EHLO (default: the machine's host name). */
  heloName?: string;
  /** Bounds on each wait, in ms (defaults: connect 30 s, greeting 30 s, idle socket 5 min). */
  connectionTimeoutMs?: number;
  socketTimeoutMs?: number;
}

/** Hands one message to a relay and says, per recipient, what became of it. Never throws. */
export interface Relay {
  send(sender: string, recipients: string[], raw: Buffer): Promise<RecipientResult[]>;
}

/** SMTP commands whose refusal is about this message or recipient, so a 5xx is final. */
const MESSAGE_COMMANDS = new Set(['MAIL FROM', 'RCPT TO', 'DATA']);

/** A relay reached with nodemailer's SMTP transport, one connection per message. */
export class SmtpRelay implements Relay {
  readonly #options: SMTPTransportOptions;

  constructor(readonly config: RelayConfig) {
    this.#options = {
      host: config.host,
      port: config.port,
      secure: config.security === 'tls',
      requireTLS: config.security === 'starttls',
      ignoreTLS: config.security === 'none',
      // SNI carries host names only (RFC 6066); a relay given by IP address is verified against its IP.
      tls: { rejectUnauthorized: config.verifyCertificate ?? true, ...(isIP(config.host) === 0 ? { servername: config.host } : {}) },
      ...(config.user !== undefined ? { auth: { user: config.user, pass: config.password ?? '' } } : {}),
      ...(config.heloName !== undefined ? { name: config.heloName } : {}),
      connectionTimeout: config.connectionTimeoutMs ?? 30_000,
      greetingTimeout: config.connectionTimeoutMs ?? 30_000,
      socketTimeout: config.socketTimeoutMs ?? 5 * 60_000,
      logger: false,
    };
  }

  async send(sender: string, recipients: string[], raw: Buffer): Promise<RecipientResult[]> {
    // A fresh transport per message: nothing (sockets, timers) outlives the pass that used it.
    const transport = nodemailer.createTransport(this.#options);
    try {
      const info = await transport.sendMail({ envelope: { from: sender, to: recipients }, raw });
      const results: RecipientResult[] = info.accepted.map((a) => ({ address: String(a), outcome: 'delivered', detail: info.response }));
      for (const err of info.rejectedErrors ?? []) results.push(recipientRefusal(err));
      return complete(recipients, results, 'the relay did not answer for this recipient');
    } catch (error) {
      const err = error as NodemailerError;
      if (err.rejectedErrors?.length) {
        // Every recipient refused at RCPT TO: each keeps its own reply (some may be 4xx, some 5xx).
        return complete(recipients, err.rejectedErrors.map(recipientRefusal), describe(err));
      }
      const outcome = err.permanent === true && MESSAGE_COMMANDS.has(err.command ?? '') ? 'failed' : 'deferred';
      return recipients.map((address) => ({ address, outcome, detail: describe(err) }));
    } finally {
      transport.close();
    }
  }
}

function recipientRefusal(err: NodemailerError): RecipientResult {
  return { address: err.recipient ?? '', outcome: err.permanent === true ? 'failed' : 'deferred', detail: describe(err) };
}

/** Every recipient gets exactly one result; one the relay never spoke about is deferred. */
function complete(recipients: string[], results: RecipientResult[], missing: string): RecipientResult[] {
  const byAddress = new Map(results.map((r) => [r.address.toLowerCase(), r]));
  return recipients.map((address) => byAddress.get(address.toLowerCase()) ?? { address, outcome: 'deferred', detail: missing });
}

/** The relay's own words when it gave any, else what went wrong locally. */
function describe(err: NodemailerError): string {
  if (err.response) return err.response.replace(/\s+/g, ' ').trim();
  const code = err.originalCode ?? err.code;
  const where = err.command && err.command !== 'CONN' ? ` (${err.command})` : '';
  return `${err.message}${code && !err.message.includes(code) ? ` [${code}]` : ''}${where}`;
}
