import { Command, Option } from 'commander';
import { startServer } from '../server.js';
import { CliError, dataOption, parsePort, parseSize } from './options.js';

export function serveCommand(): Command {
  return new Command('serve')
    .description('serve EWS over HTTP')
    .addOption(new Option('--host <host>', 'address to listen on').env('EWSD_HOST').default('127.0.0.1'))
    .addOption(new Option('--port <port>', 'port to listen on').env('EWSD_PORT').default('8080'))
    .addOption(dataOption())
    .addOption(new Option('--log-level <level>', 'fatal, error, warn, info, debug or trace').env('EWSD_LOG_LEVEL').default('info'))
    .addOption(new Option('--max-body <size>', 'largest request body accepted (e.g. 64MiB)').env('EWSD_MAX_BODY').default('64MiB'))
    .action(async (opts: { host: string; port: string; data: string; logLevel: string; maxBody: string }) => {
      const port = parsePort(opts.port);
      let server;
      try {
        server = await startServer({ host: opts.host, port, dataDir: opts.data, logLevel: opts.logLevel, maxBodyBytes: parseSize(opts.maxBody) });
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        if (e.code === 'EADDRINUSE') throw new CliError(`port ${port} on ${opts.host} is already in use`);
        if (e.code === 'EADDRNOTAVAIL') throw new CliError(`cannot listen on ${opts.host}: no such local address`);
        if (e.code === 'EACCES' && e.syscall === 'listen') throw new CliError(`no permission to listen on port ${port}`);
        if (e.code === 'EACCES' || e.code === 'ENOTDIR' || e.code === 'EEXIST') throw new CliError(`data directory ${opts.data} is not usable (${e.code})`);
        throw err;
      }
      process.stderr.write(
        `ewsd: serving EWS on ${server.url} (data in ${opts.data})\n` +
          `ewsd: add a user with: npx ewsd user add you@example.com --data ${opts.data}\n`,
      );
      const stop = (signal: string) => {
        process.stderr.write(`ewsd: ${signal}, finishing in-flight requests\n`);
        server.close().then(() => process.exit(0));
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
}
