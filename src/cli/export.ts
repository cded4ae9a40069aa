import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { Command, Option } from 'commander';
import type { Folder } from '../domain/folder.js';
import { archiveHeader, encodeRecord, RecordKind } from '../export/archive.js';
import { itemToMessage } from '../export/item-mapping.js';
import { encodeItemStream } from '../export/item-stream.js';
import { loadExportSource } from '../ews/items/item-export.js';
import type { Store } from '../store/store.js';
import { findFolder, topFolder } from './folder-paths.js';
import { CliError, dataOption, openStore } from './options.js';
import { formatBytes, formatRate, plural, Progress } from './progress.js';

const PAGE = 200;

/**
 * `ewsd export EMAIL [--folder NAME]... --out FILE`: the mailbox (or the named folders, each with
 * its subfolders) as an ewsd archive (docs/export-format.md section 6). Opens the store directly,
 * so it works while the server runs; the file appears under its name only once complete.
 */
export function exportCommand(): Command {
  return new Command('export')
    .description('export a mailbox or folders (with their subfolders) to an archive file')
    .argument('<email>', 'the mailbox')
    .addOption(new Option('--folder <name>', 'a folder to export: distinguished id (inbox) or path (Inbox/Projects); repeatable').argParser(collect).default([]))
    .requiredOption('--out <file>', 'the archive file to write')
    .addOption(dataOption())
    .action(async (email: string, opts: { folder: string[]; out: string; data: string }) => {
      const store = openStore(opts.data);
      try {
        const summary = await exportMailbox(store, email, opts.folder, opts.out);
        process.stderr.write(`exported ${plural(summary.items, 'item')} in ${plural(summary.folders, 'folder')} from ${email} to ${opts.out}: ${formatBytes(summary.bytes)} in ${(summary.ms / 1000).toFixed(1)} s (${formatRate(summary.bytes, summary.ms)})\n`);
      } finally {
        await store.close();
      }
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export interface ExportSummary {
  folders: number;
  items: number;
  bytes: number;
  ms: number;
}

export async function exportMailbox(store: Store, email: string, folderNames: readonly string[], out: string): Promise<ExportSummary> {
  const account = await store.accountByEmail(email.toLowerCase());
  if (!account) throw new CliError(`no user ${email}`);
  const top = await topFolder(store, account.id);
  const all = await store.descendantFolders(account.id, top.id);
  const byId = new Map(all.map((f) => [f.id, f]));
  const path = (f: Folder): string[] => (f.id === top.id || f.parentId === null ? [] : [...path(byId.get(f.parentId) ?? top), f.displayName]);
  let selected: Folder[];
  if (folderNames.length === 0) {
    selected = all;
  } else {
    const roots: Folder[] = [];
    for (const name of folderNames) {
      const f = await findFolder(store, account.id, name);
      if (!f || (f.id !== top.id && !byId.has(f.id))) throw new CliError(`no folder ${name} in ${email}`);
      roots.push(f);
    }
    const ids = new Set<number>();
    selected = [];
    for (const r of roots) {
      for (const f of [r, ...(await store.descendantFolders(account.id, r.id))]) {
        if (f.id === top.id || ids.has(f.id)) continue;
        ids.add(f.id);
        selected.push(f);
      }
    }
  }
  // Search folders hold no items of their own.
  selected = selected.filter((f) => !f.isSearchFolder);
  const total = selected.reduce((n, f) => n + f.totalCount, 0);
  const progress = new Progress('export', total);
  const tmp = `${out}.partial`;
  const fd = openSync(tmp, 'w');
  let items = 0;
  let bytes = 0;
  try {
    writeSync(fd, archiveHeader());
    for (const folder of selected) {
      const meta = { id: folder.id, path: path(folder), folderClass: folder.folderClass, ...(folder.distinguishedId ? { distinguished: folder.distinguishedId } : {}) };
      writeSync(fd, encodeRecord({ kind: RecordKind.Folder, meta }));
      for (let offset = 0; ; offset += PAGE) {
        const page = await store.folderItems(account.id, folder.id, { order: [{ column: 'id', descending: false }], offset, limit: PAGE });
        for (const item of page) {
          const data = encodeItemStream(itemToMessage(await loadExportSource(store, account.id, item)));
          writeSync(fd, encodeRecord({ kind: RecordKind.Item, meta: { folder: folder.id }, data }));
          items++;
          bytes += data.length;
          progress.update(items, items, bytes);
        }
        if (page.length < PAGE) break;
      }
    }
    writeSync(fd, encodeRecord({ kind: RecordKind.End, meta: { folders: selected.length, items, mailbox: account.email, exportedAt: new Date().toISOString() } }));
    closeSync(fd);
    renameSync(tmp, out);
  } catch (err) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    rmSync(tmp, { force: true });
    throw err;
  }
  progress.done();
  return { folders: selected.length, items, bytes, ms: progress.elapsedMs() };
}
