import type { MachineInfo } from './machine.js';
import type { WorkloadResult } from './stats.js';
import { WORKLOAD_LABELS, WORKLOADS, type Workload } from './workloads.js';

export interface BenchReport {
  date: string;
  mode: string;
  machine: MachineInfo;
  corpus: { seed: number; messages: number; bytes: number };
  /** Messages each account held before the workloads (`--fill`). */
  fill?: number;
  /** ewsd was restarted (and warmed up again) after each fill (`--restart-after-fill`). */
  restartedAfterFill?: boolean;
  /** Messages put through every workload on each server, untimed, before the measured runs (absent in runs before the warm-up existed). */
  warmup?: number;
  label?: string;
  /** The checkout whose ewsd was measured, when not the bench's own (`--ewsd`). */
  ewsdRoot?: string;
  /** Why Dovecot did not take part, when it did not. */
  dovecotUnavailable?: string;
  /** Peak RSS of the ewsd process over the whole run (VmHWM). */
  ewsdLifetimePeakRssBytes?: number;
  seconds: number;
  results: WorkloadResult[];
}

const MB = 1024 * 1024;

/** ewsd's throughput over Dovecot's for the same workload and concurrency (undefined unless both ran). */
export function ratio(results: readonly WorkloadResult[], workload: string, concurrency: number): number | undefined {
  const e = results.find((r) => r.side === 'ewsd' && r.workload === workload && r.concurrency === concurrency);
  const d = results.find((r) => r.side === 'dovecot' && r.workload === workload && r.concurrency === concurrency);
  if (e?.status !== 'ok' || d?.status !== 'ok' || d.messagesPerSecond === 0) return undefined;
  return e.messagesPerSecond / d.messagesPerSecond;
}

/** The ratio to Dovecot; for ewsd-only workloads (export, upload), the item data rate instead. */
function lastColumn(rt: number | undefined, r: WorkloadResult): string {
  if (rt !== undefined) return rt.toFixed(2) + 'x';
  return r.megabytesPerSecond !== undefined ? `${r.megabytesPerSecond.toFixed(1)} MB/s` : '';
}

/**
 * The bench process's CPU during the run (the clients of that side): the clients share the two
 * cores with the server, so a side's throughput is bought with both. The SQLite floor runs in the
 * bench process itself: its client is its server.
 */
function clientCpu(r: WorkloadResult): string {
  return r.side === 'sqlite' ? '-' : r.clientCpuSeconds.toFixed(2);
}

function pad(s: string, n: number, right = false): string {
  return right ? s.padStart(n) : s.padEnd(n);
}

/** One plain-text table per workload: rows per concurrency and server, the ratio on ewsd's rows. */
export function formatTables(report: BenchReport): string {
  const out: string[] = [];
  const head = `  ${pad('c', 2)} ${pad('server', 8)} ${pad('msgs/s', 9, true)} ${pad('p50 ms', 8, true)} ${pad('p99 ms', 8, true)} ${pad('items/req', 9, true)} ${pad('srv CPU s', 9, true)} ${pad('cli CPU s', 9, true)} ${pad('peak RSS MB', 11, true)} ${pad('ewsd/Dovecot', 12, true)}`;
  const workloads: (Workload | 'floor')[] = [...WORKLOADS, 'floor'];
  for (const w of workloads) {
    const rows = report.results.filter((r) => (w === 'floor' ? r.side === 'sqlite' : r.workload === w && r.side !== 'sqlite'));
    if (rows.length === 0) continue;
    out.push(`${w} — ${WORKLOAD_LABELS[w]}`, head);
    for (const r of rows) {
      const label = `  ${pad(String(r.concurrency), 2)} ${pad(r.side, 8)} `;
      if (r.status !== 'ok') {
        out.push(label + `${r.status}${r.note && r.status !== 'not implemented yet' ? `: ${r.note}` : ''}`);
        continue;
      }
      const rt = r.side === 'ewsd' ? ratio(report.results, w, r.concurrency) : undefined;
      out.push(
        label +
          `${pad(r.messagesPerSecond.toFixed(0), 9, true)} ${pad(r.p50Ms.toFixed(2), 8, true)} ${pad(r.p99Ms.toFixed(2), 8, true)} ` +
          `${pad(String(r.itemsPerRequest), 9, true)} ${pad(r.serverCpuSeconds.toFixed(2), 9, true)} ${pad(clientCpu(r), 9, true)} ` +
          `${pad(r.serverPeakRssBytes ? (r.serverPeakRssBytes / MB).toFixed(0) : '-', 11, true)} ${pad(lastColumn(rt, r), 12, true)}`,
      );
    }
    out.push('');
  }
  return out.join('\n');
}

/** The same tables in Markdown, for docs/BENCHMARKS.md. */
export function formatMarkdown(report: BenchReport): string {
  const out = ['| workload | c | server | msgs/s | p50 ms | p99 ms | items/req | server CPU s | client CPU s | peak RSS MB | ewsd/Dovecot |', '|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|'];
  const order = (r: WorkloadResult) => (r.side === 'sqlite' ? 1e6 : WORKLOADS.indexOf(r.workload as Workload) * 1e3 + r.concurrency * 10 + (r.side === 'ewsd' ? 0 : r.side === 'dovecot' ? 1 : 2));
  for (const r of [...report.results].sort((a, b) => order(a) - order(b))) {
    const name = r.side === 'sqlite' ? 'floor' : r.workload;
    if (r.status !== 'ok') {
      out.push(`| ${name} | ${r.concurrency} | ${r.side} | ${r.status} | | | | | | | |`);
      continue;
    }
    const rt = r.side === 'ewsd' ? ratio(report.results, r.workload, r.concurrency) : undefined;
    out.push(
      `| ${name} | ${r.concurrency} | ${r.side} | ${r.messagesPerSecond.toFixed(0)} | ${r.p50Ms.toFixed(2)} | ${r.p99Ms.toFixed(2)} | ${r.itemsPerRequest} | ` +
        `${r.serverCpuSeconds.toFixed(2)} | ${clientCpu(r)} | ${r.serverPeakRssBytes ? (r.serverPeakRssBytes / MB).toFixed(0) : '-'} | ${lastColumn(rt, r)} |`,
    );
  }
  return out.join('\n');
}

const COLORS: Record<WorkloadResult['side'], string> = { ewsd: '#2b6cb0', dovecot: '#dd6b20', 'ews-floor': '#a0aec0', sqlite: '#718096' };

function xmlEsc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * A horizontal bar chart of messages/s, one group per workload and concurrency, on a log scale
 * (the workloads span three orders of magnitude). Written by hand: a few rects and texts.
 */
export function renderSvg(report: BenchReport): string {
  const groups: { title: string; bars: WorkloadResult[]; ratio?: number }[] = [];
  for (const w of WORKLOADS) {
    for (const c of [...new Set(report.results.filter((r) => r.workload === w && r.side !== 'sqlite').map((r) => r.concurrency))]) {
      const rt = ratio(report.results, w, c);
      groups.push({
        title: `${w}, ${c} client${c > 1 ? 's' : ''}`,
        bars: report.results.filter((r) => r.workload === w && r.concurrency === c && r.side !== 'sqlite'),
        ...(rt === undefined ? {} : { ratio: rt }),
      });
    }
  }
  const floor = report.results.filter((r) => r.side === 'sqlite');
  if (floor.length) groups.push({ title: 'store floor (SQLite)', bars: floor });

  const max = Math.max(10, ...report.results.filter((r) => r.status === 'ok').map((r) => r.messagesPerSecond));
  const decades = Math.ceil(Math.log10(max));
  const left = 190;
  const plotWidth = 560;
  const barH = 14;
  const top = 56;
  const x = (v: number) => left + (Math.log10(Math.max(1, v)) / decades) * plotWidth;
  let y = top;
  const parts: string[] = [];
  for (const g of groups) {
    parts.push(`<text x="${left - 8}" y="${y + barH}" text-anchor="end" font-weight="bold">${xmlEsc(g.title)}</text>`);
    if (g.ratio !== undefined) {
      parts.push(`<text x="970" y="${y + barH}" text-anchor="end" fill="${g.ratio >= 1 ? '#276749' : '#9b2c2c'}">ewsd/Dovecot ${g.ratio.toFixed(2)}x</text>`);
    }
    for (const b of g.bars) {
      if (b.status === 'ok') {
        const w = Math.max(1, x(b.messagesPerSecond) - left);
        parts.push(
          `<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${COLORS[b.side]}"><title>${b.side}: ${b.messagesPerSecond.toFixed(0)} msgs/s, p50 ${b.p50Ms.toFixed(1)} ms, p99 ${b.p99Ms.toFixed(1)} ms</title></rect>`,
          `<text x="${(left + w + 4).toFixed(1)}" y="${y + barH - 3}">${b.side} ${b.messagesPerSecond.toFixed(0)}/s</text>`,
        );
      } else {
        parts.push(`<text x="${left + 4}" y="${y + barH - 3}" fill="${COLORS[b.side]}">${b.side}: ${xmlEsc(b.status)}</text>`);
      }
      y += barH + 3;
    }
    y += 10;
  }
  const height = y + 44;
  const axis: string[] = [];
  for (let d = 0; d <= decades; d++) {
    const ax = left + (d / decades) * plotWidth;
    axis.push(`<line x1="${ax}" y1="${top - 6}" x2="${ax}" y2="${y}" stroke="#e2e8f0"/>`, `<text x="${ax}" y="${y + 16}" text-anchor="middle">${(10 ** d).toLocaleString('en-US')}</text>`);
  }
  const subtitle = `${report.label ? `${report.label}, ` : ''}${report.date.slice(0, 16).replace('T', ' ')} UTC, ${report.mode} run, ${report.corpus.messages} messages (${(report.corpus.bytes / MB).toFixed(1)} MB)${report.fill ? ` in a mailbox of ${report.fill} more${report.restartedAfterFill ? ' (ewsd restarted after the fill)' : ''}` : ''}, ${report.machine.cpus} CPUs, Node ${report.machine.node}, ${report.machine.dovecot ?? 'no Dovecot'}`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="980" height="${height}" font-family="sans-serif" font-size="11">\n` +
    `<rect width="100%" height="100%" fill="white"/>\n` +
    `<text x="10" y="20" font-size="15" font-weight="bold">ewsd vs Dovecot: messages per second (log scale, longer is faster)</text>\n` +
    `<text x="10" y="38" fill="#4a5568">${xmlEsc(subtitle)}</text>\n` +
    axis.join('\n') + '\n' + parts.join('\n') + '\n' +
    `<text x="${left + plotWidth / 2}" y="${y + 30}" text-anchor="middle" fill="#4a5568">messages/s</text>\n` +
    `</svg>\n`
  );
}
