import { Command } from 'commander';
import { DELEGABLE_FOLDERS, type Delegation } from '../domain/delegate.js';
import type { Account } from '../domain/mailbox.js';
import type { Store } from '../store/store.js';
import { CliError, dataOption, openStore } from './options.js';

type DataOpts = { data: string };

/** `ewsd delegate ...`: delegation is kept in the store, so this works while the server runs. */
export function delegateCommand(): Command {
  const delegate = new Command('delegate').description("let one user open another's folders or send on their behalf");

  delegate
    .command('add <principal> <delegate>')
    .description('grant (or replace the grant of) DELEGATE access to PRINCIPAL\'s mailbox')
    .option('--folders <list>', `comma-separated folders with Editor rights (${DELEGABLE_FOLDERS.join(', ')})`, '')
    .option('--send-on-behalf', 'may send as the principal\'s delegate (From = principal, Sender = delegate)', false)
    .addOption(dataOption())
    .action(async (principal: string, delegateAddress: string, opts: DataOpts & { folders: string; sendOnBehalf: boolean }) => {
      const folders = parseFolders(opts.folders);
      if (folders.length === 0 && !opts.sendOnBehalf) throw new CliError('nothing to grant: give --folders and/or --send-on-behalf');
      await withStore(opts.data, async (store) => {
        const [p, d] = await accounts(store, principal, delegateAddress);
        if (p.id === d.id) throw new CliError('a user cannot be their own delegate');
        await store.setDelegate(p.id, d.id, { folders, sendOnBehalf: opts.sendOnBehalf });
        console.log(formatDelegation({ principal: p.email, delegate: d.email, folders, sendOnBehalf: opts.sendOnBehalf }));
      });
    });

  delegate
    .command('list [principal]')
    .description('show delegations (of one principal, or all)')
    .addOption(dataOption())
    .action(async (principal: string | undefined, opts: DataOpts) => {
      await withStore(opts.data, async (store) => {
        const p = principal === undefined ? undefined : (await accounts(store, principal))[0];
        const list = await store.listDelegates(p?.id);
        if (list.length === 0) console.log(p ? `${p.email} has no delegates` : 'no delegations');
        for (const d of list) console.log(formatDelegation(d));
      });
    });

  delegate
    .command('remove <principal> <delegate>')
    .description('take every right of DELEGATE in PRINCIPAL\'s mailbox away')
    .addOption(dataOption())
    .action(async (principal: string, delegateAddress: string, opts: DataOpts) => {
      await withStore(opts.data, async (store) => {
        const [p, d] = await accounts(store, principal, delegateAddress);
        if (!(await store.removeDelegate(p.id, d.id))) throw new CliError(`${d.email} is not a delegate of ${p.email}`);
        console.log(`removed ${d.email} as delegate of ${p.email}`);
      });
    });

  return delegate;
}

export function formatDelegation(d: Delegation): string {
  const rights = [d.folders.length ? `folders ${d.folders.join(',')}` : 'no folders', d.sendOnBehalf ? 'send on behalf' : 'no sending'];
  return `${d.principal} -> ${d.delegate}: ${rights.join(', ')}`;
}

function parseFolders(list: string): string[] {
  const folders = [...new Set(list.split(',').map((f) => f.trim().toLowerCase()).filter((f) => f !== ''))];
  const unknown = folders.filter((f) => !(DELEGABLE_FOLDERS as readonly string[]).includes(f));
  if (unknown.length) throw new CliError(`unknown folder ${unknown.join(', ')} (use ${DELEGABLE_FOLDERS.join(', ')})`);
  return folders;
}

async function accounts(store: Store, ...emails: string[]): Promise<Account[]> {
  const out: Account[] = [];
  for (const email of emails) {
    const a = await store.accountByEmail(email.toLowerCase());
    if (!a) throw new CliError(`no user ${email}`);
    out.push(a);
  }
  return out;
}

async function withStore(dataDir: string, work: (store: Store) => Promise<void>): Promise<void> {
  const store = openStore(dataDir);
  try {
    await work(store);
  } finally {
    await store.close();
  }
}
