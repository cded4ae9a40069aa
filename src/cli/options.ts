import { Option } from 'commander';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';

/** A failure to report as one line on stderr with a non-zero exit. */
export class CliError extends Error {}

export const dataOption = () => new Option('--data <dir>', 'data directory').env('EWSD_DATA').default('./data');

/** Opens the store of a data directory, turning file-system failures into one readable line. */
export function openStore(dataDir: string): SqliteStore {
  try {
    return SqliteStore.open(dataDir);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EACCES' || e.code === 'EPERM' || e.code === 'EROFS') throw new CliError(`data directory ${dataDir} is not writable (${e.code})`);
    if (e.code === 'ENOTDIR' || e.code === 'EEXIST') throw new CliError(`data directory ${dataDir} is not a directory`);
    if (e.code === 'SQLITE_CANTOPEN' || e.code === 'SQLITE_READONLY') throw new CliError(`cannot open the store in ${dataDir} (${e.code})`);
    if (e.code === 'SQLITE_NOTADB') throw new CliError(`${dataDir}/ewsd.sqlite is not an ewsd store`);
    throw err;
  }
}

export function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new CliError(`invalid port: ${value}`);
  return n;
}

export function parseSize(value: string): number {
  const m = /^(\d+)\s*([kmg]i?b?)?$/i.exec(value.trim());
  if (!m) throw new CliError(`invalid size: ${value}`);
  const unit = (m[2] ?? '').toLowerCase()[0];
  return Number(m[1]) * (unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1);
}
