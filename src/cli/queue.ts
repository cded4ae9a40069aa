import { Command } from 'commander';
import type { OutboundSummary } from '../domain/outbound.js';
import { CliError, dataOption, openStore } from './options.js';

/** `ewsd queue ...`: reads the store directly, so it works while the server runs. */
export function queueCommand(): Command {
  const queue = new Command('queue').description('the outbound mail queue');
  queue
    .command('list')
    .description('show the messages waiting to be relayed: for whom, attempts, next attempt, last error')
    .addOption(dataOption())
    .action(async (opts: { data: string }) => {
      const store = openStore(opts.data);
      try {
        const messages = await store.listOutbound();
        if (messages.length === 0) console.log('the outbound queue is empty');
        for (const m of messages) console.log(formatQueued(m));
      } finally {
        await store.close();
      }
    });
  queue
    .command('retry [ids...]')
    .description('try waiting messages (all, or the given ids) again now; a running server picks them up within its poll interval')
    .addOption(dataOption())
    .action(async (ids: string[], opts: { data: string }) => {
      const numbers = ids.map((id) => {
        const n = Number(id.replace(/^#/, ''));
        if (!Number.isInteger(n) || n <= 0) throw new CliError(`invalid queue id: ${id}`);
        return n;
      });
      const store = openStore(opts.data);
      try {
        const count = await store.retryOutboundNow(new Date(), numbers.length > 0 ? numbers : undefined);
        console.log(`${count} message${count === 1 ? '' : 's'} due now`);
      } finally {
        await store.close();
      }
    });
  return queue;
}

export function formatQueued(m: OutboundSummary): string {
  const lines = [
    `#${m.id} from ${m.sender === '' ? '<> (delivery report)' : m.sender}, ${m.size} bytes, queued ${iso(m.createdAt)}, ` +
      `${m.attempts} attempt${m.attempts === 1 ? '' : 's'}, next attempt ${iso(m.nextAttemptAt)}`,
  ];
  for (const r of m.recipients) {
    const state = r.state === 'failed' ? 'failed, report to the sender pending' : r.state;
    lines.push(`  ${r.address}: ${state}${r.lastError && r.state !== 'delivered' ? ` (${r.lastError})` : ''}`);
  }
  return lines.join('\n');
}

function iso(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
