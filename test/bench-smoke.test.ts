import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { createItemXml, deleteItemXml, findItemXml, getItemXml, syncFolderItemsXml, updateIsReadXml } from '../bench/clients/ews-requests.js';
import { generateCorpus } from '../bench/corpus.js';
import { DovecotUnavailable, ensureDovecotInstalled } from '../bench/dovecot.js';
import { runBench, type BenchOptions, type BenchOutcome } from '../bench/harness.js';
import type { BenchReport } from '../bench/report.js';
import { NS, REPO, SHARED } from './support/soap.js';

function hasXmllint(): boolean {
  try {
    execFileSync('xmllint', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs a tiny bench into a temp dir and hands its outcome to `check`; skips when Dovecot cannot be
 * installed or started here.
 */
async function tinyBench(t: TestContext, options: Partial<BenchOptions>, check: (outcome: BenchOutcome) => void): Promise<void> {
  try {
    ensureDovecotInstalled();
  } catch (err) {
    if (err instanceof DovecotUnavailable) return t.skip(err.message);
    throw err;
  }
  const out = mkdtempSync(join(tmpdir(), 'ewsd-bench-out-'));
  try {
    const outcome = await runBench({ mode: 'tiny', outDir: out, repoRoot: REPO, log: () => {}, ...options });
    if (outcome.report.dovecotUnavailable) return t.skip(`Dovecot did not start: ${outcome.report.dovecotUnavailable}`);
    check(outcome);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

describe('benchmark harness', () => {
  it('generates the same corpus from the same seed: CRLF lines, encoded non-ASCII headers, an attachment', async () => {
    const [a, b] = [await generateCorpus(20, 7), await generateCorpus(20, 7)];
    assert.deepEqual(a.messages.map((m) => m.raw), b.messages.map((m) => m.raw));
    const all = a.messages.map((m) => m.raw.toString('latin1'));
    for (const raw of all) {
      assert.doesNotMatch(raw, /(?<!\r)\n/, 'bare LF');
      assert.doesNotMatch(raw.slice(0, raw.indexOf('\r\n\r\n')), /[^\x00-\x7f]/, 'raw 8-bit header');
    }
    assert.ok(all.some((raw) => /^(Subject|From): .*=\?UTF-8\?[BQ]\?/im.test(raw)), 'an RFC 2047 encoded header');
    assert.ok(all.some((raw) => /Content-Disposition: attachment/i.test(raw)), 'an attachment');
  });

  it('sends request bodies that Messages.xsd accepts', (t) => {
    if (!hasXmllint()) return t.skip('xmllint is not installed');
    const id = Buffer.alloc(40, 7).toString('base64');
    const bodies = {
      CreateItem: createItemXml([Buffer.from('Subject: hi\r\n\r\nbody\r\n')]),
      FindItem: findItemXml(50, 50),
      GetItem: getItemXml([id, id]),
      UpdateItem: updateIsReadXml([id], true),
      'SyncFolderItems (first)': syncFolderItemsXml(undefined),
      SyncFolderItems: syncFolderItemsXml('H4sIAAAAAAAA'),
      DeleteItem: deleteItemXml([id]),
    };
    const dir = mkdtempSync(join(tmpdir(), 'ewsd-bench-xsd-'));
    try {
      for (const [name, xml] of Object.entries(bodies)) {
        const file = join(dir, 'request.xml');
        // Standalone: the namespaces the envelope declares go on the operation element.
        writeFileSync(file, xml.replace(/^<m:(\w+)/, `<m:$1 xmlns:m="${NS.messages}" xmlns:t="${NS.types}"`));
        try {
          execFileSync('xmllint', ['--noout', '--schema', join(SHARED, 'reference', 'schema', 'validate', 'messages.xsd'), file], { stdio: 'pipe' });
        } catch (err) {
          assert.fail(`${name} does not validate: ${(err as { stderr?: Buffer }).stderr?.toString()}`);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs the SQLite floor as many times as the servers (--runs) and keeps the median', async () => {
    const out = mkdtempSync(join(tmpdir(), 'ewsd-bench-out-'));
    const lines: string[] = [];
    try {
      const { report } = await runBench({ mode: 'tiny', only: 'floor', runs: 3, outDir: out, repoRoot: REPO, log: (line) => lines.push(line) });
      const rates = lines.flatMap((l) => /^ {2}sqlite store: .* = (\d+)\/s/.exec(l)?.[1] ?? []).map(Number);
      assert.equal(rates.length, 3, lines.join('\n'));
      const [floor, ...others] = report.results;
      assert.equal(others.length, 0);
      assert.equal(floor!.runs, 3);
      assert.equal(Math.round(floor!.messagesPerSecond), [...rates].sort((a, b) => a - b)[1]);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('runs a tiny corpus against ewsd and Dovecot and writes the JSON and the chart', (t) =>
    tinyBench(t, { protocolFloor: true }, (outcome) => {
      const report = JSON.parse(readFileSync(outcome.jsonFile, 'utf8')) as BenchReport;
      assert.equal(report.corpus.messages, 20);
      const rows = (side: string) => report.results.filter((r) => r.side === side);
      // Every workload at both concurrencies, on both servers; export and upload (no IMAP counterpart) on ewsd alone.
      const shared = ['store', 'list', 'fetch', 'flag', 'changes', 'delete'];
      const all = ['store', 'list', 'fetch', 'flag', 'changes', 'export', 'upload', 'delete'];
      assert.deepEqual(rows('ewsd').map((r) => `${r.workload}/${r.concurrency}`), [1, 4].flatMap((c) => all.map((w) => `${w}/${c}`)));
      assert.deepEqual(rows('dovecot').map((r) => `${r.workload}/${r.concurrency}`), [1, 4].flatMap((c) => shared.map((w) => `${w}/${c}`)));
      const upload = rows('ewsd').find((r) => r.workload === 'upload')!;
      assert.equal(upload.status, 'ok', upload.note);
      assert.equal(upload.messages, 20);
      assert.ok(upload.megabytesPerSecond! > 0);
      // Dovecot does everything; ewsd does it or says it is not there yet, never fails.
      for (const r of rows('dovecot')) assert.equal(r.status, 'ok', `dovecot ${r.workload}/${r.concurrency}: ${r.note}`);
      for (const r of rows('ewsd')) assert.notEqual(r.status, 'error', `ewsd ${r.workload}/${r.concurrency}: ${r.note}`);
      const store = rows('dovecot').find((r) => r.workload === 'store')!;
      assert.equal(store.messages, 20);
      assert.ok(store.messagesPerSecond > 0 && store.p99Ms >= store.p50Ms);
      // The protocol floor replays ewsd's recorded answers for every shared workload: any request
      // that did not come out byte for byte as recorded would have been answered 500 (an error row).
      assert.deepEqual(rows('ews-floor').map((r) => `${r.workload}/${r.concurrency}`), [1, 4].flatMap((c) => shared.map((w) => `${w}/${c}`)));
      for (const r of rows('ews-floor')) assert.equal(r.status, 'ok', `ews-floor ${r.workload}/${r.concurrency}: ${r.note}`);
      const [floor] = rows('sqlite');
      assert.equal(floor?.status, 'ok');
      assert.equal(floor?.messages, 20);

      const svg = readFileSync(outcome.svgFile, 'utf8');
      assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
      assert.match(svg, /dovecot \d+\/s/);
      assert.match(outcome.table, /^store — /m);
      // Both sides' client CPU is in the tables, beside the server's: they share the cores.
      assert.match(outcome.table, /srv CPU s +cli CPU s/);
      for (const r of [...rows('ewsd'), ...rows('dovecot')]) assert.ok(r.status !== 'ok' || r.clientCpuSeconds > 0, `${r.side} ${r.workload}: client CPU`);
      const md = readFileSync(outcome.jsonFile.replace(/\.json$/, '.md'), 'utf8');
      assert.match(md, /^\| workload \| c \| server \| msgs\/s \| p50 ms \| p99 ms \| items\/req \| server CPU s \| client CPU s \| peak RSS MB \| ewsd\/Dovecot \|$/m);
    }));

  it('runs Dovecot with mail_fsync=always when asked (--dovecot-fsync), repeats flag passes for --min-seconds, warms both servers up first (--warmup)', (t) => {
    const lines: string[] = [];
    return tinyBench(t, { only: 'flag', concurrencies: [1], dovecotFsync: 'always', minSeconds: 0.5, warmup: 10, log: (line) => lines.push(line) }, (outcome) => {
      assert.match(outcome.report.machine.dovecot ?? '', /^Dovecot .*, mail_fsync=always$/);
      // The warm-up ran before the measured runs, and the report says how large it was.
      assert.equal(outcome.report.warmup, 10);
      const warm = lines.findIndex((l) => l.startsWith('warm-up (untimed): 10 messages'));
      const measured = lines.findIndex((l) => l.startsWith('ewsd, 1 client'));
      assert.ok(warm >= 0 && warm < measured, lines.join('\n'));
      assert.match(outcome.jsonFile, /-tiny-flag-dovecot-fsync-always\.json$/);
      for (const side of ['ewsd', 'dovecot']) {
        const flag = outcome.report.results.find((r) => r.side === side && r.workload === 'flag');
        assert.equal(flag?.status, 'ok', flag?.note);
        // Whole passes (each marks the 20 messages read, then unread) until half a second is over.
        assert.ok(flag.seconds >= 0.5, `${side} flag ran ${flag.seconds} s`);
        assert.ok(flag.messages > 40 && flag.messages % 40 === 0, `${side} flagged ${flag.messages}`);
        assert.equal(flag.requests, flag.messages / 20);
      }
    });
  });
  it('restarts ewsd on its filled store when asked (--restart-after-fill) and warms the new process up before measuring', (t) => {
    const lines: string[] = [];
    return tinyBench(t, { only: 'list', concurrencies: [1], fill: 40, restartAfterFill: true, warmup: 10, log: (line) => lines.push(line) }, (outcome) => {
      const filled = lines.findIndex((l) => l.includes('ewsd c=1: filled with 40 messages'));
      const restarted = lines.findIndex((l) => /ewsd restarted on the filled store \(pid (\d+) -> (?!\1\))\d+\), warmed up again \(10 messages\)/.test(l));
      const listed = lines.findIndex((l) => l.includes('ewsd c=1 list:'));
      assert.ok(filled >= 0 && filled < restarted && restarted < listed, lines.join('\n'));
      // Dovecot's sessions start after the fill anyway: it is not restarted.
      assert.ok(!lines.some((l) => l.includes('dovecot restarted')));
      assert.equal(outcome.report.restartedAfterFill, true);
      assert.match(outcome.jsonFile, /-tiny-list-fill40-restarted\.json$/);
      // One page of 50 from the 60 items: the new process serves what the old one stored.
      const list = outcome.report.results.find((r) => r.side === 'ewsd' && r.workload === 'list');
      assert.equal(list?.status, 'ok', list?.note);
      assert.equal(list.messages, 50);
    });
  });
});
