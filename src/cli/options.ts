import { Option } from 'commander';
import { SqliteStore, type SqliteOptions } from '../store/sqlite/sqlite-store.js';

/** A failure to report as one line on stderr with a non-zero exit. */
export class CliError extends Error {}

export const dataOption = () => new Option('--data <dir>', 'data directory').env('EWSD_DATA').default('./data');

/** Opens the store of a data directory, turning file-system failures into one readable line. */
export function openStore(dataDir: string, options: SqliteOptions = {}): SqliteStore {
  try {
    return SqliteStore.open(dataDir, options);
  } catch (err) {
    throw storeOpenError(dataDir, err);
  }
}

/** A {@link CliError} for a failure to open the store in `dataDir`, or the error itself when it is something else. */
export function storeOpenError(dataDir: string, err: unknown): unknown {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'EACCES' || e.code === 'EPERM' || e.code === 'EROFS') return new CliError(`data directory ${dataDir} is not writable (${e.code})`);
  if (e.code === 'ENOTDIR' || e.code === 'EEXIST') return new CliError(`data directory ${dataDir} is not a directory`);
  if (e.code === 'SQLITE_CANTOPEN' || e.code === 'SQLITE_READONLY') return new CliError(`cannot open the store in ${dataDir} (${e.code})`);
  if (e.code === 'SQLITE_NOTADB') return new CliError(`${dataDir}/ewsd.sqlite is not an ewsd store`);
  return err;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function parseLogLevel(value: string): string {
  const level = value.toLowerCase();
  if (!LOG_LEVELS.includes(level)) throw new CliError(`invalid log level: ${value} (use ${LOG_LEVELS.join(', ')})`);
  return level;
}

/** A whole number from 0 to `max`. */
export function parseCount(value: string, name: string, max: number): number {
  const n = /^\d{1,3}$/.test(value.trim()) ? Number(value) : NaN;
  if (!(n >= 0 && n <= max)) throw new CliError(`invalid ${name}: ${value} (use 0 to ${max})`);
  return n;
}

export function parsePort(value: string): number {
  const n = /^\d{1,5}$/.test(value.trim()) ? Number(value) : NaN;
  if (!(n >= 0 && n <= 65535)) throw new CliError(`invalid port: ${value}`);
  return n;
}

export function parseSize(value: string): number {
  const m = /^(\d+)\s*([kmg]i?b?)?$/i.exec(value.trim());
  if (!m) throw new CliError(`invalid size: ${value}`);
  const unit = (m[2] ?? '').toLowerCase()[0];
  return Number(m[1]) * (unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1);
}

/** `500ms`, `30s`, `15m`, `2h`, `2d` (a bare number is seconds). */
export function parseDuration(value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/i.exec(value.trim());
  if (!m) throw new CliError(`invalid duration: ${value} (use e.g. 30s, 15m, 2h, 2d)`);
  const unit = (m[2] ?? 's').toLowerCase();
  const factor = unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : unit === 'h' ? 3_600_000 : 86_400_000;
  return Math.round(Number(m[1]) * factor);
}

/** `host:port` or `[v6]:port`; the port defaults to 25. */
export function parseHostPort(value: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::(\d+))?$/.exec(value.trim());
  if (!m) throw new CliError(`invalid host:port: ${value}`);
  const port = m[3] === undefined ? 25 : parsePort(m[3]);
  if (port === 0) throw new CliError(`invalid port in ${value}`);
  return { host: (m[1] ?? m[2])!, port };
}
