import { Command, Option } from 'commander';
import { generatePassword, hashPassword } from '../auth/password.js';
import { isValidEmail } from '../domain/mailbox.js';
import { StoreError } from '../store/store.js';
import { CliError, dataOption, openStore } from './options.js';

type DataOpts = { data: string };

/** `ewsd user ...`: accounts are managed on the store directly, so this works while the server runs. */
export function userCommand(): Command {
  const user = new Command('user').description('manage users and their mailboxes');

  user
    .command('add <email>')
    .description('create a user and their mailbox (prints a generated password when none is given)')
    .addOption(new Option('--password <password>', 'the password').env('EWSD_PASSWORD'))
    .option('--name <name>', 'display name')
    .addOption(dataOption())
    .action(async (email: string, opts: DataOpts & { password?: string; name?: string }) => {
      const address = checkedEmail(email);
      const password = opts.password ?? generatePassword();
      if (password.length === 0) throw new CliError('the password must not be empty');
      if (opts.name !== undefined && opts.name.trim() === '') throw new CliError('the display name must not be empty');
      const store = openStore(opts.data);
      try {
        await store.createAccount({ email: address, displayName: opts.name ?? address.split('@')[0]!, passwordHash: await hashPassword(password) });
      } catch (err) {
        if (err instanceof StoreError && err.kind === 'exists') throw new CliError(`user ${address} already exists`);
        throw err;
      } finally {
        await store.close();
      }
      console.log(opts.password === undefined ? `added ${address} with password ${password}` : `added ${address}`);
    });

  user
    .command('list')
    .description('list users')
    .addOption(dataOption())
    .action(async (opts: DataOpts) => {
      const store = openStore(opts.data);
      try {
        for (const a of await store.listAccounts()) console.log(`${a.email}\t${a.displayName}\t${a.guid}`);
      } finally {
        await store.close();
      }
    });

  user
    .command('remove <email>')
    .description('remove a user and everything in their mailbox')
    .addOption(dataOption())
    .action(async (email: string, opts: DataOpts) => {
      const store = openStore(opts.data);
      try {
        if (!(await store.removeAccount(email.toLowerCase()))) throw new CliError(`no user ${email}`);
      } finally {
        await store.close();
      }
      console.log(`removed ${email.toLowerCase()}`);
    });

  user
    .command('passwd <email>')
    .description('set a new password (prints a generated one when none is given)')
    .addOption(new Option('--password <password>', 'the new password').env('EWSD_PASSWORD'))
    .addOption(dataOption())
    .action(async (email: string, opts: DataOpts & { password?: string }) => {
      const password = opts.password ?? generatePassword();
      if (password.length === 0) throw new CliError('the password must not be empty');
      const store = openStore(opts.data);
      try {
        if (!(await store.setPasswordHash(email.toLowerCase(), await hashPassword(password)))) throw new CliError(`no user ${email}`);
      } finally {
        await store.close();
      }
      console.log(opts.password === undefined ? `new password for ${email.toLowerCase()}: ${password}` : `password changed for ${email.toLowerCase()}`);
    });

  return user;
}

function checkedEmail(email: string): string {
  if (!isValidEmail(email)) throw new CliError(`invalid e-mail address: ${email}`);
  return email.toLowerCase();
}
