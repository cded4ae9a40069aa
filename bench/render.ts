import { readFileSync, writeFileSync } from 'node:fs';
import { formatMarkdown, formatTables, renderSvg, type BenchReport } from './report.js';

/**
 * Re-renders saved results: `node dist/bench/render.js bench/results/X.json...` rewrites X.md and
 * X.svg from the JSON (after a change to the report format) and prints the text tables.
 */
for (const file of process.argv.slice(2)) {
  const report = JSON.parse(readFileSync(file, 'utf8')) as BenchReport;
  writeFileSync(file.replace(/\.json$/, '.md'), formatMarkdown(report) + '\n');
  writeFileSync(file.replace(/\.json$/, '.svg'), renderSvg(report));
  process.stdout.write(`${file}\n\n${formatTables(report)}\n`);
}
