/**
 * The sync scenario: fill one Inbox with N small messages (untimed), sync it from scratch page by
 * page (512 changes per page, as clients do), then make 10 changes and sync incrementally.
 * Prints the time per page at the start and at the end of the folder: the two must be alike, and
 * an incremental sync must cost what it does in an empty folder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseXml } from '../src/soap/xml-parser.js';
import { NS } from '../src/soap/namespaces.js';
import { startEwsd } from './ewsd-process.js';
import { soapEnvelope, syncFolderItemsXml } from './clients/ews-requests.js';

export interface SyncScenarioResult {
  items: number;
  pages: number;
  firstPagesMs: number[];
  lastPagesMs: number[];
  incrementalMs: number[];
  emptyFolderIncrementalMs: number[];
}

const USER = 'sync@bench.example';
const PASSWORD = 'bench-password';

export async function runSyncScenario(repoRoot: string, items: number, log: (line: string) => void): Promise<SyncScenarioResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ewsd-bench-sync-'));
  const ewsd = await startEwsd(repoRoot, dataDir);
  try {
    await ewsd.addUser(USER, PASSWORD);
    const call = async (op: string, body: string) => {
      const res = await fetch(ewsd.url, {
        method: 'POST',
        headers: { 'Content-Type': 'text/xml; charset=utf-8', Authorization: 'Basic ' + Buffer.from(`${USER}:${PASSWORD}`).toString('base64') },
        body: soapEnvelope(body),
      });
      const text = await res.text();
      const response = parseXml(text).child('Body', NS.soap)!.children[0]!;
      const messages = response.child('ResponseMessages')!.children;
      for (const m of messages) if (m.attr('ResponseClass') !== 'Success') throw new Error(`${op}: ${m.childText('ResponseCode')}`);
      return messages;
    };
    const create = (folder: string, from: number, n: number) =>
      call(
        'CreateItem',
        `<m:CreateItem MessageDisposition="SaveOnly"><m:SavedItemFolderId><t:DistinguishedFolderId Id="${folder}"/></m:SavedItemFolderId><m:Items>` +
          Array.from({ length: n }, (_, k) => `<t:Message><t:Subject>bench ${from + k}</t:Subject><t:Body BodyType="Text">body ${from + k}</t:Body></t:Message>`).join('') +
          `</m:Items></m:CreateItem>`,
      );
    log(`sync scenario: storing ${items} messages (untimed)`);
    const ids: string[] = [];
    for (let i = 0; i < items; i += 500) {
      for (const m of await create('inbox', i, Math.min(500, items - i))) ids.push(m.child('Items')!.children[0]!.child('ItemId')!.attr('Id')!);
    }
    const sync = async (folder: string, state: string | undefined) => {
      const body = syncFolderItemsXml(state).replace('Id="inbox"', `Id="${folder}"`);
      const t0 = performance.now();
      const [m] = await call('SyncFolderItems', body);
      const ms = performance.now() - t0;
      return { ms, state: m!.childText('SyncState')!, last: m!.childText('IncludesLastItemInRange') === 'true', changes: m!.child('Changes')?.children.length ?? 0 };
    };
    const times: number[] = [];
    let state: string | undefined;
    let total = 0;
    for (;;) {
      const page = await sync('inbox', state);
      times.push(page.ms);
      total += page.changes;
      state = page.state;
      if (page.last) break;
    }
    if (total !== items) throw new Error(`full sync returned ${total} changes for ${items} items`);
    const change10 = async (round: number) => {
      const picks = Array.from({ length: 10 }, (_, k) => ids[Math.floor(((k + 0.5) * ids.length) / 10)]!);
      await call(
        'UpdateItem',
        `<m:UpdateItem MessageDisposition="SaveOnly" ConflictResolution="AlwaysOverwrite"><m:ItemChanges>` +
          picks.map((id) => `<t:ItemChange><t:ItemId Id="${id}"/><t:Updates><t:SetItemField><t:FieldURI FieldURI="message:IsRead"/><t:Message><t:IsRead>${round % 2 === 0}</t:IsRead></t:Message></t:SetItemField></t:Updates></t:ItemChange>`).join('') +
          `</m:ItemChanges></m:UpdateItem>`,
      );
    };
    const incremental: number[] = [];
    for (let round = 0; round < 5; round++) {
      await change10(round);
      const page = await sync('inbox', state);
      if (page.changes !== 10 || !page.last) throw new Error(`incremental sync returned ${page.changes} changes`);
      incremental.push(page.ms);
      state = page.state;
    }
    // The same in an (almost) empty folder, for comparison.
    await create('drafts', 0, 10);
    let small = (await sync('drafts', undefined)).state;
    const emptyIncremental: number[] = [];
    for (let round = 0; round < 5; round++) {
      await create('drafts', 100 + round * 10, 10);
      const page = await sync('drafts', small);
      emptyIncremental.push(page.ms);
      small = page.state;
    }
    return { items, pages: times.length, firstPagesMs: times.slice(0, 5), lastPagesMs: times.slice(-5), incrementalMs: incremental, emptyFolderIncrementalMs: emptyIncremental };
  } finally {
    await ewsd.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export function formatSyncScenario(r: SyncScenarioResult): string {
  const f = (xs: number[]) => xs.map((x) => x.toFixed(1)).join(' ');
  return (
    `SyncFolderItems over ${r.items} items, ${r.pages} pages of up to 512 (ms per page)\n` +
    `  first pages:                      ${f(r.firstPagesMs)}\n` +
    `  last pages:                       ${f(r.lastPagesMs)}\n` +
    `  incremental after 10 changes:     ${f(r.incrementalMs)}\n` +
    `  same in a 10-item folder:         ${f(r.emptyFolderIncrementalMs)}\n`
  );
}
