import { Command, Option } from 'commander';
import { startServer } from '../server.js';
import { CliError, dataOption, parseLogLevel, parsePort, parseSize, storeOpenError } from './options.js';

export function serveCommand(): Command {
  return new Command('serve')
    .description('serve EWS over HTTP')
    .addOption(new Option('--host <host>', 'address to listen on').env('EWSD_HOST').default('127.0.0.1'))
    .addOption(new Option('--port <port>', 'port to listen on').env('EWSD_PORT').default('8080'))
    .addOption(dataOption())
    .addOption(new Option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent').env('EWSD_LOG_LEVEL').default('info'))
    .addOption(new Option('--max-body <size>', 'largest request body accepted (e.g. 64MiB)').env('EWSD_MAX_BODY').default('64MiB'))
    .action(async (opts: { host: string; port: string; data: string; logLevel: string; maxBody: string }) => {
      const port = parsePort(opts.port);
      const logLevel = parseLogLevel(opts.logLevel);
      const maxBodyBytes = parseSize(opts.maxBody);
      let server;
      try {
        server = await startServer({ host: opts.host, port, dataDir: opts.data, logLevel, maxBodyBytes });
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        if (e.code === 'EADDRINUSE') throw new CliError(`port ${port} on ${opts.host} is already in use`);
        if (e.code === 'EADDRNOTAVAIL') throw new CliError(`cannot listen on ${opts.host}: no such local address`);
        if (e.code === 'EACCES' && e.syscall === 'listen') throw new CliError(`no permission to listen on port ${port}`);
        throw storeOpenError(opts.data, err);
      }
      const dataArg = opts.data === './data' ? '' : ` --data ${opts.data}`;
      process.stderr.write(
        `ewsd: serving EWS on ${server.url} (data in ${opts.data})\n` +
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
