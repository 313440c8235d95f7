/**
 * The measuring side of `npm run bench`: runs where the RDMA device is (inside the SoftRoCE VM, or
 * on a host with a device), all five tests on one device in one process, a progress bar on stderr,
 * and finally one stdout line `NDKV-BENCH-RESULT <json>` for `bench/report.ts` on the host.
 *
 * Usage: `node --expose-gc dist/bench/run.js`.
 *
 * @packageDocumentation
 */

import { AUTO_INLINE_LIMIT_BYTES, NdkCloseObject } from '../lib';
import { DEVICE } from './config';
import { CONCURRENCY_UNITS, measureConcurrency } from './concurrency';
import { EVENT_LOOP_UNITS, measureEventLoop } from './event-loop';
import { LEAK_UNITS, measureLeak } from './leak';
import { machineInfo } from './machine';
import { openPd } from './ndk';
import { measurePerOp, PER_OP_UNITS } from './per-op';
import { Progress } from './progress';
import { type BenchResult, RESULT_MARKER } from './result';
import { measureSpawn, SPAWN_UNITS } from './spawn';
import { round } from './stats';

async function main(): Promise<void> {
  const started = Date.now();
  const machine = machineInfo(DEVICE);
  const progress = new Progress();
  progress.start(PER_OP_UNITS + EVENT_LOOP_UNITS + CONCURRENCY_UNITS + LEAK_UNITS + SPAWN_UNITS);
  const { adapter, pd } = openPd(DEVICE);
  const perOp = await measurePerOp(pd, progress);
  const eventLoop = await measureEventLoop(pd, progress);
  const concurrency = await measureConcurrency(pd, progress);
  const leak = await measureLeak(pd, progress);
  const spawn = await measureSpawn(pd, progress);
  progress.task('done');
  progress.stop();
  NdkCloseObject(pd, () => {});
  NdkCloseObject(adapter, () => {});

  const result: BenchResult = {
    version: 1,
    startedAt: new Date(started).toISOString(),
    durationS: round((Date.now() - started) / 1000, 1),
    machine,
    autoInlineLimitBytes: AUTO_INLINE_LIMIT_BYTES,
    perOp,
    eventLoop,
    concurrency,
    leak,
    spawn,
  };
  process.stdout.write(`${RESULT_MARKER}${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`\nndk-verbs bench failed: ${String((error as Error)?.stack ?? error)}\n`);
  process.exitCode = 1;
});
