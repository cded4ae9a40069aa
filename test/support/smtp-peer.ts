import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

export interface Received {
  from: string;
  to: string[];
  raw: Buffer;
}

export interface PeerOptions {
  /** Listen on this port (to bring a relay "back up" where ewsd expects it); default: any free port. */
  port?: number;
  /** Require AUTH PLAIN/LOGIN with these credentials (over plain text, this is loopback). */
  auth?: { user: string; pass: string };
  /** `starttls`: offer STARTTLS with smtp-server's built-in test certificate; `tls`: TLS from the start. */
  tls?: 'starttls' | 'tls';
}

/**
 * A real SMTP server standing in for the relay. It records every message it accepts, and can be
 * told to refuse: 4xx to the first N DATA commands, a given reply to given recipients.
 */
export class SmtpPeer {
  readonly received: Received[] = [];
  /** DATA commands seen (accepted or not). */
  dataAttempts = 0;
  /** Connections seen. */
  connections = 0;
  /** Answer this many DATA commands with 451 before accepting. */
  deferData = 0;
  /**
   * Hold the reply to the end of DATA this long. A client that disconnects meanwhile never got a
   * 250, so the message is not taken (as a careful MTA does).
   */
  stallDataMs = 0;
  /** Messages whose DATA reply is being held right now. */
  stalled = 0;
  /** RCPT TO replies by address, e.g. 550 or 450. */
  readonly rcptReplies = new Map<string, number>();
  #server: SMTPServer | undefined;
  readonly #closed = new Set<string>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #port = 0;

  private constructor(private readonly options: PeerOptions) {}

  static async start(options: PeerOptions = {}): Promise<SmtpPeer> {
    const peer = new SmtpPeer(options);
    await peer.open(options.port ?? 0);
    return peer;
  }

  get port(): number {
    return this.#port;
  }

  async open(port = this.#port): Promise<void> {
    const { auth, tls } = this.options;
    const options: SMTPServerOptions = {
      logger: false,
      disableReverseLookup: true,
      closeTimeout: 200,
      secure: tls === 'tls',
      disabledCommands: [...(auth ? [] : ['AUTH']), ...(tls === 'starttls' ? [] : ['STARTTLS'])],
      authOptional: !auth,
      allowInsecureAuth: true,
      onConnect: (_session, callback) => {
        this.connections++;
        callback();
      },
      onClose: (session) => {
        this.#closed.add(session.id);
      },
      onAuth: (credentials, _session, callback) => {
        if (auth && credentials.username === auth.user && credentials.password === auth.pass) return callback(null, { user: credentials.username });
        callback(Object.assign(new Error('5.7.8 authentication failed'), { responseCode: 535 }));
      },
      onRcptTo: (address, _session, callback) => {
        const code = this.rcptReplies.get(address.address.toLowerCase());
        if (code === undefined) return callback();
        callback(Object.assign(new Error(`${code >= 500 ? '5.1.1' : '4.2.1'} <${address.address}>: refused by the test relay`), { responseCode: code }));
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          this.dataAttempts++;
          if (this.deferData > 0) {
            this.deferData--;
            return callback(Object.assign(new Error('4.3.0 try again later (test relay)'), { responseCode: 451 }));
          }
          const take = () => {
            this.received.push({
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((r) => r.address),
              raw: Buffer.concat(chunks),
            });
            callback(null, 'queued by the test relay');
          };
          if (this.stallDataMs === 0) return take();
          this.stalled++;
          const timer = setTimeout(() => {
            this.#timers.delete(timer);
            this.stalled--;
            if (this.#closed.has(session.id)) return callback(new Error('client gone'));
            take();
          }, this.stallDataMs);
          this.#timers.add(timer);
        });
      },
    };
    const server = new SMTPServer(options);
    server.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.#server = server;
    this.#port = (server.server.address() as AddressInfo).port;
  }

  /** Stops listening: ewsd now finds a closed port. `open()` brings it back on the same port. */
  async close(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Messages received for one recipient. */
  for(address: string): Received[] {
    return this.received.filter((m) => m.to.includes(address));
  }
}
