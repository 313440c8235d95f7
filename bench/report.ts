/**
 * The host side of `npm run bench`: reads what `bench/run.ts` printed (captured by
 * `scripts/bench.sh`), writes `<dir>/latest.json` and `<dir>/latest.svg`, and prints the table.
 * With `--compare`, reads the A and B results of one counted VM and prints each figure as B/A.
 *
 * Usage: `node dist/bench/report.js <counted-stdout> <wall-stdout> <results-dir> [wall-seconds]`
 * or `node dist/bench/report.js --compare <stdout> <results-dir> <ref-A>`.
 *
 * @packageDocumentation
 */

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

import { renderComparison } from './compare';
import { cpuModel } from './machine';
import { type BenchResult, type CountedPart, type PartResult, RESULT_MARKER } from './result';
import { renderChart } from './svg';
import { renderReport } from './table';

/** Every result carried by a marker line of `text`, in order. */
export function extractResults(text: string): PartResult[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith(RESULT_MARKER))
    .map((line) => JSON.parse(line.slice(RESULT_MARKER.length)) as PartResult);
}

function onePart<P extends PartResult['part']>(
  file: string,
  part: P,
): Extract<PartResult, { part: P }> {
  const found = extractResults(readFileSync(file, 'utf8')).filter((r) => r.part === part);
  if (found.length !== 1) {
    throw new Error(
      `expected one ${part} ${RESULT_MARKER.trim()} line in ${file}, not ${found.length}`,
    );
  }
  return found[0] as Extract<PartResult, { part: P }>;
}

function report(argv: string[]): number {
  const [countedFile, wallFile, dir, wall] = argv;
  const result: BenchResult = {
    version: 2,
    counted: onePart(countedFile, 'counted'),
    wall: onePart(wallFile, 'wall'),
  };
  for (const { machine } of [result.counted, result.wall]) {
    if (machine.place !== 'this host') {
      machine.hostCpuModel = cpuModel();
      machine.hostNproc = availableParallelism();
    }
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

function compare(argv: string[]): number {
  const [file, dir, ref] = argv;
  const counted = extractResults(readFileSync(file, 'utf8')).filter(
    (r): r is CountedPart => r.part === 'counted',
  );
  const a = counted.find((r) => r.label === 'A');
  const b = counted.find((r) => r.label === 'B');
  if (!a || !b) throw new Error(`no A and B counted results in ${file}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'compare.json'), `${JSON.stringify({ ref, a, b }, null, 2)}\n`);
  process.stdout.write(`${renderComparison(a, b, ref)}\n\nwrote ${dir}/compare.json\n`);
  return 0;
}

function main(argv: string[]): number {
  const args = argv[0] === '--compare' ? argv.slice(1) : argv;
  if (args.length < 3) {
    process.stderr.write(
      'usage: report.js <counted-stdout> <wall-stdout> <results-dir> [wall-seconds]\n' +
        '       report.js --compare <stdout> <results-dir> <ref-A>\n',
    );
    return 2;
  }
  return argv[0] === '--compare' ? compare(args) : report(args);
}

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`ndk-verbs bench: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
