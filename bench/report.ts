/**
 * The host side of `npm run bench`: reads what `bench/run.ts` printed (captured by
 * `scripts/bench.sh`), writes `<dir>/latest.json` and `<dir>/latest.svg`, and prints the table.
 *
 * Usage: `node dist/bench/report.js <captured-stdout> <results-dir> [wall-seconds]`.
 *
 * @packageDocumentation
 */

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

import { cpuModel } from './machine';
import { type BenchResult, RESULT_MARKER } from './result';
import { renderChart } from './svg';
import { renderReport } from './table';

/** The result carried by the last marker line of `text`, or undefined when there is none. */
export function extractResult(text: string): BenchResult | undefined {
  const line = text
    .split('\n')
    .reverse()
    .find((l) => l.startsWith(RESULT_MARKER));
  return line === undefined
    ? undefined
    : (JSON.parse(line.slice(RESULT_MARKER.length)) as BenchResult);
}

function main(argv: string[]): number {
  const [captured, dir, wall] = argv;
  if (!captured || !dir) {
    process.stderr.write('usage: report.js <captured-stdout> <results-dir> [wall-seconds]\n');
    return 2;
  }
  const result = extractResult(readFileSync(captured, 'utf8'));
  if (!result) {
    process.stderr.write(`ndk-verbs bench: no ${RESULT_MARKER.trim()} line in ${captured}\n`);
    return 1;
  }
  if (result.machine.place !== 'this host') {
    result.machine.hostCpuModel = cpuModel();
    result.machine.hostNproc = availableParallelism();
  }
  if (wall !== undefined) result.wallS = Number(wall);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'latest.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(dir, 'latest.svg'), renderChart(result));
  process.stdout.write(
    `${renderReport(result)}\n\nwrote ${dir}/latest.json and ${dir}/latest.svg\n`,
  );
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
