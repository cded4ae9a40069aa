import { pino, type Logger } from 'pino';

export type { Logger };

/** JSON lines on stdout (or the given destination); credentials are never logged. */
export function createLogger(level = 'info', destination?: NodeJS.WritableStream): Logger {
  const options = { level, base: undefined, redact: ['req.headers.authorization', 'password'] };
  return destination ? pino(options, destination as never) : pino(options);
}
