import { Command, Option } from 'commander';
import type { RelayConfig, RelaySecurity } from '../delivery/smtp-relay.js';
import { DEFAULT_MIME_THREADS, startServer } from '../server.js';
import { CliError, dataOption, parseCount, parseDuration, parseHostPort, parseLogLevel, parsePort, parseSize, storeOpenError } from './options.js';

interface ServeOpts {
  host: string;
  port: string;
  data: string;
  logLevel: string;
  maxBody: string;
  smtp: boolean;
  smtpPort: string;
  smtpMaxSize: string;
  smtpRelay?: string;
  smtpRelayTls: RelaySecurity;
  smtpRelayUser?: string;
  smtpRelayPassword?: string;
  smtpRelayInsecure?: boolean;
  smtpRetryFor: string;
  smtpRetryInitial: string;
  smtpQueuePoll: string;
  tombstoneRetention: string;
  mimeThreads: string;
}

export function serveCommand(): Command {
  return new Command('serve')
    .description('serve EWS over HTTP, receive mail over SMTP and relay outgoing mail')
    .addOption(new Option('--host <host>', 'address to listen on (HTTP and SMTP)').env('EWSD_HOST').default('127.0.0.1'))
    .addOption(new Option('--port <port>', 'port to listen on').env('EWSD_PORT').default('8080'))
    .addOption(dataOption())
    .addOption(new Option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent').env('EWSD_LOG_LEVEL').default('info'))
    .addOption(new Option('--max-body <size>', 'largest request body accepted (e.g. 64MiB)').env('EWSD_MAX_BODY').default('64MiB'))
    .addOption(new Option('--smtp-port <port>', 'SMTP port for incoming mail to local mailboxes').env('EWSD_SMTP_PORT').default('2525'))
    .addOption(new Option('--no-smtp', 'do not listen for SMTP'))
    .addOption(new Option('--smtp-max-size <size>', 'largest incoming message (SIZE; 552 beyond it)').env('EWSD_SMTP_MAX_SIZE').default('25MiB'))
    .addOption(new Option('--smtp-relay <host:port>', 'smart host for mail to remote recipients (without one it stays queued)').env('EWSD_SMTP_RELAY'))
    .addOption(
      new Option('--smtp-relay-tls <mode>', 'starttls (required), tls (from the start) or none').choices(['starttls', 'tls', 'none']).env('EWSD_SMTP_RELAY_TLS').default('starttls'),
    )
    .addOption(new Option('--smtp-relay-user <user>', 'AUTH user at the relay').env('EWSD_SMTP_RELAY_USER'))
    .addOption(new Option('--smtp-relay-password <password>', 'AUTH password at the relay').env('EWSD_SMTP_RELAY_PASSWORD'))
    .addOption(new Option('--smtp-relay-insecure', 'accept any certificate from the relay').env('EWSD_SMTP_RELAY_INSECURE'))
    .addOption(new Option('--smtp-retry-for <duration>', 'how long to retry a deferred message before bouncing it').env('EWSD_SMTP_RETRY_FOR').default('2d'))
    .addOption(new Option('--smtp-retry-initial <duration>', 'first retry delay (doubles up to 1h)').env('EWSD_SMTP_RETRY_INITIAL').default('1m').hideHelp())
    .addOption(
      new Option('--tombstone-retention <duration>', 'how long deletions stay reportable to sync clients (older sync states must resync)')
        .env('EWSD_TOMBSTONE_RETENTION')
        .default('30d'),
    )
    .addOption(new Option('--mime-threads <n>', 'worker threads that parse MIME off the event loop (0: none)').env('EWSD_MIME_THREADS').default(String(DEFAULT_MIME_THREADS)))
    .addOption(new Option('--smtp-queue-poll <duration>', 'how often to look for mail queued by other processes').env('EWSD_SMTP_QUEUE_POLL').default('10s').hideHelp())
    .action(async (opts: ServeOpts) => {
      const port = parsePort(opts.port);
      const logLevel = parseLogLevel(opts.logLevel);
      const smtpPort = opts.smtp ? parsePort(opts.smtpPort) : undefined;
      const relay = relayConfig(opts);
      const retentionMs = parseDuration(opts.tombstoneRetention);
      let server;
      try {
        server = await startServer({
          host: opts.host,
          port,
          dataDir: opts.data,
          logLevel,
          maxBodyBytes: parseSize(opts.maxBody),
          ...(smtpPort !== undefined ? { smtp: { port: smtpPort, maxMessageBytes: parseSize(opts.smtpMaxSize) } } : {}),
          ...(relay ? { relay } : {}),
          retry: { retryForMs: parseDuration(opts.smtpRetryFor), initialMs: Math.max(1, parseDuration(opts.smtpRetryInitial)) },
          outboundPollMs: Math.max(10, parseDuration(opts.smtpQueuePoll)),
          tombstoneRetentionMs: retentionMs,
          mimeThreads: parseCount(opts.mimeThreads, '--mime-threads', 16),
        });
      } catch (err) {
        const e = err as NodeJS.ErrnoException & { port?: number };
        if (e.code === 'EADDRINUSE') throw new CliError(`port ${e.port ?? port} on ${opts.host} is already in use`);
        if (e.code === 'EADDRNOTAVAIL') throw new CliError(`cannot listen on ${opts.host}: no such local address`);
        if (e.code === 'EACCES' && e.syscall === 'listen') throw new CliError(`no permission to listen on port ${e.port ?? port}`);
        throw storeOpenError(opts.data, err);
      }
      const dataArg = opts.data === './data' ? '' : ` --data ${opts.data}`;
      process.stderr.write(
        `ewsd: serving EWS on ${server.url} (data in ${opts.data})\n` +
          (server.smtpPort !== undefined ? `ewsd: receiving SMTP for local mailboxes on ${opts.host}:${server.smtpPort}\n` : '') +
          (relay ? `ewsd: relaying remote mail via ${relay.host}:${relay.port} (${relay.security})\n` : `ewsd: no --smtp-relay: mail to remote recipients stays queued\n`) +
          `ewsd: add a user with: npx ewsd user add you@example.com${dataArg}\n`,
      );
      const stop = (signal: string) => {
        const closed = server.close(); // stops listening at once, before we say so
        process.stderr.write(`ewsd: ${signal}, finishing in-flight requests\n`);
        closed.then(
          () => {
            process.stderr.write('ewsd: stopped\n');
            process.exit(0);
          },
          (err: unknown) => {
            process.stderr.write(`ewsd: failed to stop cleanly: ${err instanceof Error ? err.message : String(err)}\n`);
            process.exit(1);
          },
        );
      };
      // A second signal while stopping is not fatal: the first shutdown is already under way
      // and bounded by its grace period.
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
    });
}

function relayConfig(opts: ServeOpts): RelayConfig | undefined {
  if (opts.smtpRelay === undefined || opts.smtpRelay === '') {
    if (opts.smtpRelayUser !== undefined) throw new CliError('--smtp-relay-user needs --smtp-relay');
    return undefined;
  }
  if (opts.smtpRelayPassword !== undefined && opts.smtpRelayUser === undefined) throw new CliError('--smtp-relay-password needs --smtp-relay-user');
  return {
    ...parseHostPort(opts.smtpRelay),
    security: opts.smtpRelayTls,
    ...(opts.smtpRelayUser !== undefined ? { user: opts.smtpRelayUser, password: opts.smtpRelayPassword ?? '' } : {}),
    ...(opts.smtpRelayInsecure ? { verifyCertificate: false } : {}),
  };
}
