import { isIP } from 'node:net';
import type { NodemailerError } from 'nodemailer';
import SMTPConnection, { type SMTPConnectionAuth, type SMTPConnectionOptions, type SMTPConnectionSendInfo } from 'nodemailer/lib/smtp-connection';
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
  /** Bounds on each wait, in ms (defaults: connect and greeting 30 s, idle socket 5 min). */
  connectionTimeoutMs?: number;
  socketTimeoutMs?: number;
}

/** Hands one message to a relay and says, per recipient, what became of it. Never throws. */
export interface Relay {
  send(sender: string, recipients: string[], raw: Buffer): Promise<RecipientResult[]>;
}

/** SMTP commands whose refusal is about this message or recipient, so a 5xx is final. */
const MESSAGE_COMMANDS = new Set(['MAIL FROM', 'RCPT TO', 'DATA']);

/**
 * What we put in MAIL FROM / RCPT TO: a dot-atom-ish local part (UTF-8 allowed, for SMTPUTF8
 * relays) and a domain or address literal. Quoted local parts are not sent: one address must
 * reach the relay exactly as queued, so results can be matched back to it.
 */
const ENVELOPE_ADDRESS = /^[^\s\x00-\x1f\x7f<>()[\]\\,;:"@]{1,64}@(?:[^\s\x00-\x1f\x7f<>()[\]\\,;:"@]{1,253}|\[[0-9A-Fa-f:.]+\])$/u;

/**
 * A relay reached with nodemailer's SMTP client, one connection per message. The connection is
 * driven directly rather than through the mailer: the mailer re-parses envelope addresses
 * (`bad address@x` would go out as `address@x`), while SMTPConnection sends them as given and
 * reports accepted and rejected recipients by the very strings we queued.
 */
export class SmtpRelay implements Relay {
  readonly #options: SMTPConnectionOptions;
  readonly #auth: SMTPConnectionAuth | undefined;

  constructor(readonly config: RelayConfig) {
    this.#options = {
      host: config.host,
      port: config.port,
      secure: config.security === 'tls',
      requireTLS: config.security === 'starttls',
      ignoreTLS: config.security === 'none',
      // SNI carries host names only (RFC 6066); a relay given by IP address is verified against its IP.
      tls: { rejectUnauthorized: config.verifyCertificate ?? true, ...(isIP(config.host) === 0 ? { servername: config.host } : {}) },
      ...(config.heloName !== undefined ? { name: config.heloName } : {}),
      connectionTimeout: config.connectionTimeoutMs ?? 30_000,
      greetingTimeout: config.connectionTimeoutMs ?? 30_000,
      socketTimeout: config.socketTimeoutMs ?? 5 * 60_000,
      logger: false,
    };
    this.#auth = config.user !== undefined ? { user: config.user, pass: config.password ?? '' } : undefined;
  }

  async send(sender: string, recipients: string[], raw: Buffer): Promise<RecipientResult[]> {
    if (sender !== '' && !ENVELOPE_ADDRESS.test(sender)) {
      return recipients.map((address) => ({ address, outcome: 'failed', detail: `553 5.1.7 <${sender}>: the sender is not a valid SMTP address (refused by ewsd)` }));
    }
    const results = new Map<string, RecipientResult>();
    const sendable: string[] = [];
    for (const address of recipients) {
      if (ENVELOPE_ADDRESS.test(address)) sendable.push(address);
      else results.set(address, { address, outcome: 'failed', detail: `553 5.1.3 <${address}>: not a valid SMTP address (refused by ewsd)` });
    }
    if (sendable.length > 0) for (const r of await this.#transfer(sender, sendable, raw)) results.set(r.address, r);
    return recipients.map((address) => results.get(address)!);
  }

  /** One SMTP session: connect (TLS as configured), AUTH when offered and configured, one transaction. */
  #transfer(sender: string, recipients: string[], raw: Buffer): Promise<RecipientResult[]> {
    return new Promise((resolve) => {
      const connection = new SMTPConnection(this.#options);
      let settled = false;
      const finish = (results: RecipientResult[]) => {
        if (settled) return;
        settled = true;
        connection.close();
        resolve(results);
      };
      const fail = (err: NodemailerError) => finish(fromError(err, recipients));
      // Stays attached: a socket error after the outcome is known must not crash the process.
      connection.on('error', fail);
      connection.connect((err) => {
        if (err) return fail(err);
        const transaction = () =>
          connection.send({ from: sender, to: recipients }, raw, (error, info) => (error ? fail(error) : finish(fromInfo(info!, recipients))));
        if (this.#auth && connection.allowsAuth) connection.login(this.#auth, (error) => (error ? fail(error) : transaction()));
        else transaction();
      });
    });
  }
}

function fromInfo(info: SMTPConnectionSendInfo, recipients: string[]): RecipientResult[] {
  const results: RecipientResult[] = info.accepted.map((address) => ({ address, outcome: 'delivered', detail: oneLine(info.response) }));
  for (const err of info.rejectedErrors ?? []) results.push(recipientRefusal(err));
  return complete(recipients, results, 'the relay did not answer for this recipient');
}

function fromError(err: NodemailerError, recipients: string[]): RecipientResult[] {
  if (err.rejectedErrors?.length) {
    // Every recipient refused at RCPT TO: each keeps its own reply (some may be 4xx, some 5xx).
    return complete(recipients, err.rejectedErrors.map(recipientRefusal), describe(err));
  }
  // Only a refusal of the message itself is final; connection, TLS and AUTH trouble is retried.
  const outcome = err.permanent === true && MESSAGE_COMMANDS.has(err.command ?? '') ? 'failed' : 'deferred';
  return recipients.map((address) => ({ address, outcome, detail: describe(err) }));
}

function recipientRefusal(err: NodemailerError): RecipientResult {
  return { address: err.recipient ?? '', outcome: err.permanent === true ? 'failed' : 'deferred', detail: describe(err) };
}

/** Every recipient gets exactly one result; one the relay never spoke about is deferred. */
function complete(recipients: string[], results: RecipientResult[], missing: string): RecipientResult[] {
  const byAddress = new Map(results.map((r) => [r.address, r]));
  return recipients.map((address) => byAddress.get(address) ?? { address, outcome: 'deferred', detail: missing });
}

/** The relay's own words when it gave any, else what went wrong locally. */
function describe(err: NodemailerError): string {
  if (err.response) return oneLine(err.response);
  const code = err.originalCode ?? err.code;
  const where = err.command && err.command !== 'CONN' ? ` (${err.command})` : '';
  return `${err.message}${code && !err.message.includes(code) ? ` [${code}]` : ''}${where}`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
