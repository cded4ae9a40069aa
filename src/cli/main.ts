import { Command, CommanderError } from 'commander';
import { CliError } from './options.js';
import { queueCommand } from './queue.js';
import { serveCommand } from './serve.js';
import { userCommand } from './user.js';

const program = new Command('ewsd')
  .description('An Exchange Web Services (EWS) compatible mailbox server')
  .exitOverride()
  .configureOutput({ outputError: (text, write) => write(`ewsd: ${text.replace(/^error: /, '').trim()}\n`) })
  .addCommand(serveCommand())
  .addCommand(userCommand())
  .addCommand(queueCommand());

for (const cmd of [program, ...program.commands, ...program.commands.flatMap((c) => c.commands)]) cmd.exitOverride();

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  if (err instanceof CliError) {
    process.stderr.write(`ewsd: ${err.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`ewsd: ${(err as Error).message ?? String(err)}\n`);
  process.exit(1);
}
