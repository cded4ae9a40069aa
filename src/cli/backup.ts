import { Command } from 'commander';
import { backupDataDirectory } from '../store/sqlite/backup.js';
import { CliError, dataOption } from './options.js';
import { formatBytes, plural, Progress } from './progress.js';

/**
 * `ewsd backup DEST`: a consistent copy of the data directory, taken while the server runs (see
 * store/sqlite/backup.ts). DEST is a data directory itself: restore by serving from it.
 */
export function backupCommand(): Command {
  return new Command('backup')
    .description('copy the data directory (the server may be running) to a new directory that `ewsd serve --data` can use')
    .argument('<dest>', 'the directory to create (it must not exist, or be empty)')
    .addOption(dataOption())
    .action(async (dest: string, opts: { data: string }) => {
      let summary;
      let progress: Progress | undefined;
      const onProgress = (copied: number, total: number, segments: number) => (progress ??= new Progress('backup', total, process.stderr, 'segments')).update(copied, segments, copied);
      try {
        summary = await backupDataDirectory(opts.data, dest, { onProgress });
      } catch (err) {
        progress?.done();
        const e = err as NodeJS.ErrnoException;
        if (e.code === 'EACCES' || e.code === 'EPERM' || e.code === 'EROFS') throw new CliError(`cannot write the backup to ${dest} (${e.code})`);
        if (e.code === 'ENOSPC') throw new CliError(`no space left for the backup in ${dest}`);
        throw new CliError(`backup failed: ${e.message}`);
      }
      progress?.done();
      const { databaseBytes, segments, segmentBytes, ms } = summary;
      process.stderr.write(
        `backed up ${opts.data} to ${dest}: database ${formatBytes(databaseBytes)}, ${plural(segments, 'MIME segment')} ${formatBytes(segmentBytes)}, in ${(ms / 1000).toFixed(1)} s\n`,
      );
    });
}
