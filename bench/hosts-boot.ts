/**
 * `npm run bench:hosts`: how much longer booting two SoftRoCE hosts takes than booting one VM,
 * measured side by side: runs alternate (one VM, two hosts, one VM, …) so both see the same load,
 * each running `true`, boot to power-off. Prints every run, the medians and their ratio (the
 * target is at most 1.5).
 *
 * Usage: node dist/bench/hosts-boot.js [rounds, default 3]
 */

import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { runHosts, runInVm } from '../lib';

const TARGET_RATIO = 1.5;
const quiet = (): Writable => new Writable({ write: (_chunk, _encoding, done) => done() });

async function timed(run: () => Promise<number>): Promise<number> {
  const started = performance.now();
  const exitCode = await run();
  if (exitCode !== 0) throw new Error(`a boot run exited ${exitCode}`);
  return (performance.now() - started) / 1000;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? '3');
  const one: number[] = [];
  const two: number[] = [];
  for (let round = 1; round <= rounds; round++) {
    one.push(
      await timed(async () => {
        const result = await runInVm({ command: ['true'], stdout: quiet(), stderr: quiet() });
        return result.exitCode;
      }),
    );
    two.push(
      await timed(async () => {
        const run = runHosts({ hosts: 2, command: ['true'], stdout: quiet(), stderr: quiet() });
        return (await run.done).exitCode;
      }),
    );
    console.log(
      `round ${round}: one VM ${one.at(-1)!.toFixed(1)} s, two hosts ${two.at(-1)!.toFixed(1)} s`,
    );
  }
  const ratio = median(two) / median(one);
  console.log(
    `median: one VM ${median(one).toFixed(1)} s, two hosts ${median(two).toFixed(1)} s, ` +
      `ratio ${ratio.toFixed(2)} (target ≤ ${TARGET_RATIO})`,
  );
  if (ratio > TARGET_RATIO) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
