/**
 * Turns the logs of `npm run test:kernels` into one markdown table, behaviour × kernel: the kernel
 * release, the integration suite's totals, and each line the rxe probe printed ("fact<TAB>value").
 *
 * Usage: node dist/test/kernels/summary.js <log>...
 */

import { readFileSync } from 'node:fs';

/** What one kernel's log says. */
export interface KernelRun {
  readonly kernel: string;
  readonly facts: ReadonlyMap<string, string>;
}

/** Reads one log of scripts/test-kernels.sh. */
export function parseRun(text: string): KernelRun {
  const facts = new Map<string, string>();
  const kernel = /^kernel (\S+)$/m.exec(text)?.[1] ?? '(did not boot)';
  const suites = /^Test Suites: +(.*)$/m.exec(text)?.[1];
  const tests = /^Tests: +(.*)$/m.exec(text)?.[1];
  facts.set('integration suite: files', suites ?? 'no result');
  facts.set('integration suite: tests', tests ?? 'no result');
  const exit = /^suite exit (\d+) in (\d+) s$/m.exec(text);
  if (exit) facts.set('VM boot + suite + probe', `exit ${exit[1]}, ${exit[2]} s`);
  const probe = text.split('=== rxe-probe ===\n')[1] ?? '';
  for (const line of probe.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab > 0) facts.set(line.slice(0, tab), line.slice(tab + 1));
  }
  return { kernel, facts };
}

/** The table: one row per behaviour (in first-seen order), one column per kernel. */
export function table(runs: readonly KernelRun[]): string {
  const rows = [...new Set(runs.flatMap((run) => [...run.facts.keys()]))];
  const escape = (cell: string): string => cell.replace(/\|/g, '\\|');
  const lines = [
    `| Behaviour | ${runs.map((run) => run.kernel).join(' | ')} |`,
    `| --- | ${runs.map(() => '---').join(' | ')} |`,
    ...rows.map(
      (row) =>
        `| ${escape(row)} | ${runs.map((run) => escape(run.facts.get(row) ?? '—')).join(' | ')} |`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}

if (require.main === module) {
  const runs = process.argv.slice(2).map((file) => parseRun(readFileSync(file, 'utf8')));
  process.stdout.write(table(runs));
}
