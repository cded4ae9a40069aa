import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { backupCommand } from './backup.js';
import { exportCommand } from './export.js';
import { importCommand } from './import.js';
import { CliError } from './options.js';
import { delegateCommand } from './delegate.js';
import { queueCommand } from './queue.js';
import { serveCommand } from './serve.js';
import { userCommand } from './user.js';

const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command('ewsd')
  .description('An Exchange Web Services (EWS) compatible mailbox server')
  .version(version)
  .addCommand(serveCommand())
  .addCommand(userCommand())
  .addCommand(queueCommand())
  .addCommand(delegateCommand())
  .addCommand(exportCommand())
  .addCommand(importCommand())
  .addCommand(backupCommand());

// Commander copies output settings only to subcommands it creates itself, so every command
// (including the ones added above) gets them here: errors are one `ewsd: ...` line.
for (const cmd of allCommands(program)) {
  cmd.exitOverride().configureOutput({ outputError: (text, write) => write(`ewsd: ${text.replace(/^error: /, '').trim()}\n`) });
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  const message = err instanceof CliError ? err.message : err instanceof Error ? err.message : String(err);
  process.stderr.write(`ewsd: ${message.split('\n')[0]}\n`);
  process.exit(1);
}

function allCommands(cmd: Command): Command[] {
  return [cmd, ...cmd.commands.flatMap(allCommands)];
}
