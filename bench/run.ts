/**
 * The measuring side of `npm run bench`: runs where the RDMA device is (inside the SoftRoCE VM, or
 * on a host with a device), one part of the tests on one device in one process, a progress bar on
 * stderr, and finally one stdout line `NDKV-BENCH-RESULT <json>` for `bench/report.ts` on the host.
 *
 * - `counted`: register + deregister per size, deregistration rates and scale: single-threaded
 *   costs, run in the VM with `--icount` so that their clock counts instructions.
 * - `wall`: event loop, concurrency, leak and spawn: what needs threads running in parallel or real
 *   elapsed time, run with 2 vCPUs and a wall clock.
 *
 * Usage: `node --expose-gc dist/bench/run.js counted|wall`. `NDK_VERBS_BENCH_LABEL` tags the result
 * (`A`/`B` in a `--compare` run); `NDK_VERBS_BENCH_LIB` picks the build measured (see target.ts).
 * While working on one figure, `node --expose-gc dist/bench/run.js counted|wall <test>` runs only
 * that test of the part (`perOp`, `concurrency`, `scale`; `eventLoop`, `concurrency`, `leak`,
 * `spawn`) and prints its JSON result, for reading, not for the report.
 *
 * @packageDocumentation
 */

import { clockKind } from './clock';
import { DEVICE } from './config';
import { CONCURRENCY_UNITS, measureConcurrency } from './concurrency';
import { EVENT_LOOP_UNITS, measureEventLoop } from './event-loop';
import { LEAK_UNITS, measureLeak } from './leak';
import { machineInfo } from './machine';
import { openPd } from './ndk';
import { type ProtectionDomain } from '../lib';
import { measurePerOp, PER_OP_UNITS } from './per-op';
import { Progress } from './progress';
import { type PartResult, RESULT_MARKER } from './result';
import { measureScale, SCALE_UNITS } from './scale';
import { measureObjectScale, OBJECT_SCALE_UNITS } from './scale-objects';
import { measureSpawn, SPAWN_UNITS } from './spawn';
import { round } from './stats';
import { ndk } from './target';

const { AUTO_INLINE_LIMIT_BYTES, NdkCloseObject } = ndk;

// One test alone (see the usage above).
const SINGLE_TESTS: Record<string, (pd: ProtectionDomain, progress: Progress) => Promise<unknown>> =
  {
    perOp: measurePerOp,
    concurrency: measureConcurrency,
    scale: measureScale,
    eventLoop: measureEventLoop,
    leak: measureLeak,
    spawn: measureSpawn,
  };

async function runSingle(test: string): Promise<void> {
  const measure = SINGLE_TESTS[test];
  if (measure === undefined)
    throw new Error(`no test ${test}: ${Object.keys(SINGLE_TESTS).join(', ')}`);
  const { adapter, pd } = openPd(DEVICE);
  const progress = new Progress();
  progress.start(1);
  const figures = await measure(pd, progress);
  progress.stop();
  NdkCloseObject(pd, () => {});
  NdkCloseObject(adapter, () => {});
  process.stdout.write(`${JSON.stringify({ clock: clockKind(), [test]: figures }, null, 2)}\n`);
}

async function main(part: string | undefined, single: string | undefined): Promise<void> {
  if (part !== 'counted' && part !== 'wall') throw new Error('usage: run.js counted|wall [test]');
  if (single !== undefined) return runSingle(single);
  const started = Date.now();
  const machine = machineInfo(DEVICE);
  const progress = new Progress();
  const { adapter, pd } = openPd(DEVICE);
  const header = {
    version: 2 as const,
    clock: clockKind(),
    ...(process.env.NDK_VERBS_BENCH_LABEL ? { label: process.env.NDK_VERBS_BENCH_LABEL } : {}),
    startedAt: new Date(started).toISOString(),
    machine,
    autoInlineLimitBytes: AUTO_INLINE_LIMIT_BYTES,
  };
  let result: PartResult;
  if (part === 'counted') {
    progress.start(PER_OP_UNITS + CONCURRENCY_UNITS + SCALE_UNITS + OBJECT_SCALE_UNITS);
    const perOp = await measurePerOp(pd, progress);
    const concurrency = await measureConcurrency(pd, progress);
    const scale = await measureScale(pd, progress);
    const objects = await measureObjectScale(progress);
    const durationS = round((Date.now() - started) / 1000, 1);
    result = { ...header, part, durationS, perOp, concurrency, scale, objects };
  } else {
    progress.start(EVENT_LOOP_UNITS + CONCURRENCY_UNITS + LEAK_UNITS + SPAWN_UNITS);
    const eventLoop = await measureEventLoop(pd, progress);
    const concurrency = await measureConcurrency(pd, progress);
    const leak = await measureLeak(pd, progress);
    const spawn = await measureSpawn(pd, progress);
    const durationS = round((Date.now() - started) / 1000, 1);
    result = { ...header, part, durationS, eventLoop, concurrency, leak, spawn };
  }
  progress.task('done');
  progress.stop();
  NdkCloseObject(pd, () => {});
  NdkCloseObject(adapter, () => {});
  process.stdout.write(`${RESULT_MARKER}${JSON.stringify(result)}\n`);
}

if (require.main === module) {
  main(process.argv[2], process.argv[3]).catch((error: unknown) => {
    process.stderr.write(`\nndk-verbs bench failed: ${String((error as Error)?.stack ?? error)}\n`);
    // Exit now: the progress bar's timer (and whatever the failed test left open) would keep the
    // process alive, and a failed bench hung instead of failing (a missing C program did).
    process.exit(1);
  });
}
