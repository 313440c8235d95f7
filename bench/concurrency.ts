/**
 * Test 3: deregistration throughput. 1,000 regions of 1 MiB are registered, then deregistered:
 * by the C loop one by one, by NDK-style deferred requests all issued at once (one turn's burst,
 * handed to the request threads as one batch), by `pd.deregisterMany()` (one batch, one promise),
 * and — for reference — by NDK-style inline requests one by one and by C with as many threads as
 * the addon uses. The batch also records how long the event loop was busy during it
 * (`performance.eventLoopUtilization`): its share of the batch's duration is a target, in wall-clock
 * time with two vCPUs and in counted time with the request threads at the lowest priority (see
 * request-threads.ts).
 *
 * @packageDocumentation
 */

import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';

import { type ProtectionDomain } from '../lib';
import { ndk } from './target';
import { cParallel, cSequential } from './c-baseline';
import { clockKind } from './clock';
import { CONCURRENCY, DEVICE } from './config';
import { collectGarbage } from './gc';
import { createMr, deregisterInline, expectStatus, register, registerInline } from './ndk';
import { type Progress } from './progress';
import { withRequestThreadsLowered } from './request-threads';
import { type ConcurrencyResult } from './result';
import { median, round } from './stats';

const { allocate, NdkDeregisterMr, NtStatus } = ndk;

/** Progress units this test reports. */
export const CONCURRENCY_UNITS = 4 * CONCURRENCY.rounds + CONCURRENCY.batchTimedRounds;

/**
 * Threads of the C parallel loop: as many as ndk-verbs' request queue may run (CPU count, 2..8;
 * native/mr_request_queue.cc), so the C figure is the ceiling the deferred path could reach here.
 */
export const C_PARALLEL_THREADS = Math.min(8, Math.max(2, availableParallelism()));

const { regionBytes, count, rounds, batchWarmupRounds, batchTimedRounds } = CONCURRENCY;

/** Runs the test (C first, so the two never hold their 1,000 MiB at the same time). */
export async function measureConcurrency(
  pd: ProtectionDomain,
  progress: Progress,
): Promise<ConcurrencyResult> {
  const cRounds: number[] = [];
  const cParallelRounds: number[] = [];
  for (let r = 0; r < rounds; r++) {
    progress.task(`concurrency: C, ${count} regions one by one (round ${r + 1})`);
    const c = cSequential(DEVICE, regionBytes, count);
    cRounds.push(count / (c.deregisterNs / 1e9));
    progress.advance();
    progress.task(`concurrency: C, ${C_PARALLEL_THREADS} threads (round ${r + 1})`);
    const p = cParallel(DEVICE, regionBytes, count, C_PARALLEL_THREADS);
    cParallelRounds.push(count / (p.deregisterNs / 1e9));
    progress.advance();
  }

  const blocks = Array.from({ length: count }, () => allocate(regionBytes));
  for (const block of blocks) new Uint8Array(block).fill(1); // faulted in, like the C program's
  const deferredMrs = blocks.map(() => createMr(pd, 'deferred'));
  const inlineMrs = blocks.map(() => createMr(pd, 'inline'));
  const deferredRounds: number[] = [];
  const inlineRounds: number[] = [];
  for (let r = 0; r < rounds; r++) {
    progress.task(`concurrency: deferred, ${count} regions at once (round ${r + 1})`);
    await Promise.all(deferredMrs.map((mr, i) => register(mr, blocks[i], regionBytes)));
    deferredRounds.push(count / ((await deregisterAllAtOnce(deferredMrs)) / 1000));
    progress.advance();

    progress.task(`concurrency: inline, ${count} regions one by one (round ${r + 1})`);
    inlineMrs.forEach((mr, i) => registerInline(mr, blocks[i], regionBytes));
    const t0 = performance.now();
    inlineMrs.forEach((mr) => deregisterInline(mr));
    inlineRounds.push(count / ((performance.now() - t0) / 1000));
    progress.advance();
  }
  const batches = () => deregisterBatches(pd, inlineMrs, blocks, progress);
  // Counted: one vCPU runs both threads (see request-threads.ts).
  const { result: batchRounds, lowered } =
    clockKind() === 'instructions'
      ? await withRequestThreadsLowered(batches)
      : { result: await batches(), lowered: undefined };
  await Promise.all([...deferredMrs, ...inlineMrs].map((mr) => mr.close()));
  blocks.length = 0;
  collectGarbage();

  const cSequentialPerS = round(median(cRounds), 0);
  const deferredConcurrentPerS = round(median(deferredRounds), 0);
  const batchPerS = median(batchRounds.map((b) => b.perS));
  return {
    ...(batchRounds.length > 0
      ? {
          batch: {
            perS: round(batchPerS, 0),
            roundsPerS: batchRounds.map((b) => round(b.perS, 0)),
            ratio: round(batchPerS / cSequentialPerS, 3),
            busyFraction: round(median(batchRounds.map((b) => b.busyFraction)), 4),
            busyMs: round(median(batchRounds.map((b) => b.busyMs)), 3),
            busyFractionRange: [
              round(Math.min(...batchRounds.map((b) => b.busyFraction)), 4),
              round(Math.max(...batchRounds.map((b) => b.busyFraction)), 4),
            ],
            wallMs: round(median(batchRounds.map((b) => b.wallMs)), 2),
            ...(lowered === undefined ? {} : { requestThreadsLowered: lowered }),
          },
        }
      : {}),
    regionBytes,
    count,
    rounds,
    cSequentialPerS,
    deferredConcurrentPerS,
    inlineSequentialPerS: round(median(inlineRounds), 0),
    cParallelPerS: round(median(cParallelRounds), 0),
    cParallelThreads: C_PARALLEL_THREADS,
    cRoundsPerS: cRounds.map((v) => round(v, 0)),
    deferredRoundsPerS: deferredRounds.map((v) => round(v, 0)),
    ratio: round(deferredConcurrentPerS / cSequentialPerS, 3),
  };
}

// The batch rounds: warm-up batches right before the timed ones, and the batches in a row of their
// own: interleaved with the other paths, a round's batch caught the garbage their thousands of
// requests left (counted rounds of one run ranged 0.48–0.80× C), and with the other paths' rounds
// between warm-up and timing the first timed batches ran partly cold again (38,400 to 158,911
// regions/s across the nine rounds of one full run). Empty for a build without deregisterMany().
async function deregisterBatches(
  pd: ProtectionDomain,
  mrs: ReturnType<typeof createMr>[],
  blocks: readonly ArrayBuffer[],
  progress: Progress,
): Promise<BatchRound[]> {
  const batchRounds: BatchRound[] = [];
  progress.task(`concurrency: pd.deregisterMany(), ${batchWarmupRounds} untimed batches`);
  for (let w = 0; w < batchWarmupRounds && typeof pd.deregisterMany === 'function'; w++) {
    mrs.forEach((mr, i) => registerInline(mr, blocks[i], regionBytes));
    await pd.deregisterMany(mrs);
  }
  for (let r = 0; r < batchTimedRounds; r++) {
    progress.task(`concurrency: pd.deregisterMany(), ${count} regions (round ${r + 1})`);
    // Registered inline (these regions' policy): the batch ignores the policy.
    mrs.forEach((mr, i) => registerInline(mr, blocks[i], regionBytes));
    const batch = await deregisterBatch(pd, mrs);
    if (batch) batchRounds.push(batch);
    else mrs.forEach((mr) => deregisterInline(mr)); // a build without deregisterMany()
    progress.advance();
  }
  return batchRounds;
}

interface BatchRound {
  readonly perS: number;
  readonly wallMs: number;
  readonly busyMs: number;
  readonly busyFraction: number;
}

// `pd.deregisterMany(mrs)`: regions per second, and the share of the batch's duration the event
// loop was busy. Undefined when the build under test has no deregisterMany() (an older --compare A).
async function deregisterBatch(
  pd: ProtectionDomain,
  mrs: ReturnType<typeof createMr>[],
): Promise<BatchRound | undefined> {
  if (typeof pd.deregisterMany !== 'function') return undefined;
  const loop0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  const results = await pd.deregisterMany(mrs);
  const wallMs = performance.now() - t0;
  const loop = performance.eventLoopUtilization(loop0);
  const failed = results.find((result) => result.status !== NtStatus.STATUS_SUCCESS);
  if (failed) throw new Error(`deregisterMany: ${failed.statusName}`);
  const busyMs = loop.active;
  return { perS: mrs.length / (wallMs / 1000), wallMs, busyMs, busyFraction: busyMs / wallMs };
}

// Issues every deregistration before any completes; returns ms until the last completion.
function deregisterAllAtOnce(mrs: ReturnType<typeof createMr>[]): Promise<number> {
  return new Promise((resolve, reject) => {
    let left = mrs.length;
    const t0 = performance.now();
    for (const mr of mrs) {
      const status = NdkDeregisterMr(mr, (_context, late) => {
        if (late !== NtStatus.STATUS_SUCCESS) reject(new Error(`deregister: status ${late}`));
        else if (--left === 0) resolve(performance.now() - t0);
      });
      expectStatus('NdkDeregisterMr (deferred)', status, NtStatus.STATUS_PENDING);
    }
  });
}
