/**
 * Test 1: the cost of one register + deregister pair at each size, by four paths on the same
 * device — the C loop, NDK style with inline completion, NDK style with deferred completion, and
 * the promise API (default policy `'auto'`). Rounds interleave the paths; each path reuses one
 * `allocate()` block per size. At 4 KiB a fifth path, the promise API over a `'deferred'` region,
 * measures what the promises add to the deferred path (a target: at most 10 % over NDK deferred).
 *
 * @packageDocumentation
 */

import { performance } from 'node:perf_hooks';

import { type MemoryRegion, type ProtectionDomain } from '../lib';
import { cHop, cPerOp } from './c-baseline';
import { DEVICE, PER_OP_JIT_WARMUP, PER_OP_ROUNDS, PER_OP_SIZES, PER_OP_WARMUP } from './config';
import { createMr, expectStatus, FLAGS } from './ndk';
import { type Progress } from './progress';
import { type PathName, type PerOpRow } from './result';
import { round, summarize } from './stats';
import { ndk } from './target';

const { allocate, NdkDeregisterMr, NdkRegisterMr, NtStatus, ntStatusName } = ndk;

/** Progress units this test reports. */
export const PER_OP_UNITS = PER_OP_SIZES.length * PER_OP_ROUNDS * 5 + PER_OP_ROUNDS;

/** The size whose promise-over-deferred path is measured too. */
const PROMISE_DEFERRED_BYTES = 4096;

type Timed = (count: number) => Promise<number[]>;

/** Measures every size; one row per size. */
export async function measurePerOp(pd: ProtectionDomain, progress: Progress): Promise<PerOpRow[]> {
  const rows: PerOpRow[] = [];
  await warmUp(pd, progress);
  for (const { bytes, iterations } of PER_OP_SIZES) {
    const memory = allocate(bytes);
    new Uint8Array(memory).fill(1); // fault the pages in, as the C program's memset does
    const inlineMr = createMr(pd, 'inline');
    const deferredMr = createMr(pd, 'deferred');
    const promiseMr = await pd.createMr(); // the promise API's default policy: 'auto'
    const paths: Record<PathName, Timed> = {
      c: (count) => Promise.resolve(cPairs(bytes, count)),
      inline: (count) => Promise.resolve(inlinePairs(inlineMr, memory, bytes, count)),
      deferred: (count) => deferredPairs(deferredMr, memory, bytes, count),
      promise: (count) => promisePairs(promiseMr, memory, bytes, count),
    };
    const samples: Record<PathName, number[]> = { c: [], inline: [], deferred: [], promise: [] };
    const hopSamples: number[] = [];
    const promiseDeferredMr =
      bytes === PROMISE_DEFERRED_BYTES ? await pd.createMr({ completionPolicy: 'deferred' }) : null;
    const promiseDeferredSamples: number[] = [];
    const perRound = Math.ceil(iterations / PER_OP_ROUNDS);
    for (let r = 0; r < PER_OP_ROUNDS; r++) {
      for (const name of Object.keys(paths) as PathName[]) {
        progress.task(`register+deregister ${label(bytes)}: ${name} (round ${r + 1})`);
        if (name !== 'c') await paths[name](PER_OP_WARMUP);
        samples[name].push(...(await paths[name](perRound)));
        progress.advance();
      }
      progress.task(`register+deregister ${label(bytes)}: C with a thread hop (round ${r + 1})`);
      hopSamples.push(...cHopPairs(bytes, perRound));
      progress.advance();
      if (promiseDeferredMr) {
        progress.task(`register+deregister ${label(bytes)}: promise, 'deferred' (round ${r + 1})`);
        await promisePairs(promiseDeferredMr, memory, bytes, PER_OP_WARMUP);
        promiseDeferredSamples.push(
          ...(await promisePairs(promiseDeferredMr, memory, bytes, perRound)),
        );
        progress.advance();
      }
    }
    await Promise.all([inlineMr, deferredMr, promiseMr].map((mr) => mr.close()));
    await promiseDeferredMr?.close();
    const summaries = {
      c: summarize(samples.c),
      inline: summarize(samples.inline),
      deferred: summarize(samples.deferred),
      promise: summarize(samples.promise),
    };
    const ratio = (name: PathName) => round(summaries[name].medianUs / summaries.c.medianUs, 3);
    const hop = summarize(hopSamples);
    rows.push({
      bytes,
      iterations: perRound * PER_OP_ROUNDS,
      paths: summaries,
      ratioToC: { inline: ratio('inline'), deferred: ratio('deferred'), promise: ratio('promise') },
      cHop: hop,
      deferredToCHop: round(summaries.deferred.medianUs / hop.medianUs, 3),
      ...(promiseDeferredSamples.length > 0
        ? { promiseDeferred: summarize(promiseDeferredSamples) }
        : {}),
    });
  }
  return rows;
}

// Steady state is what a service sees: every Node path runs PER_OP_JIT_WARMUP pairs untimed first.
async function warmUp(pd: ProtectionDomain, progress: Progress): Promise<void> {
  progress.task(`warming up: ${PER_OP_JIT_WARMUP} pairs per path`);
  const bytes = 4096;
  const memory = allocate(bytes);
  const inlineMr = createMr(pd, 'inline');
  const deferredMr = createMr(pd, 'deferred');
  const promiseMr = await pd.createMr();
  const promiseDeferredMr = await pd.createMr({ completionPolicy: 'deferred' });
  inlinePairs(inlineMr, memory, bytes, PER_OP_JIT_WARMUP);
  await deferredPairs(deferredMr, memory, bytes, PER_OP_JIT_WARMUP);
  await promisePairs(promiseMr, memory, bytes, PER_OP_JIT_WARMUP);
  await promisePairs(promiseDeferredMr, memory, bytes, PER_OP_JIT_WARMUP);
  const regions = [inlineMr, deferredMr, promiseMr, promiseDeferredMr];
  await Promise.all(regions.map((mr) => mr.close()));
}

/** A human size: 4 KiB, 1 MiB, … */
export function label(bytes: number): string {
  return bytes >= 2 ** 20 ? `${bytes / 2 ** 20} MiB` : `${bytes / 1024} KiB`;
}

/** `count` C register + deregister pairs at `bytes`, µs each. */
export function cPairs(bytes: number, count: number): number[] {
  const c = cPerOp(DEVICE, bytes, count, PER_OP_WARMUP);
  return c.regNs.map((reg, i) => (reg + c.deregNs[i]) / 1000);
}

function cHopPairs(bytes: number, count: number): number[] {
  return cHop(DEVICE, bytes, count, PER_OP_WARMUP).pairNs.map((ns) => ns / 1000);
}

/**
 * `count` NDK-style inline register + deregister pairs, µs each. The statuses are checked after the
 * clock stops, so the timed part is the two calls alone.
 */
export function inlinePairs(
  mr: MemoryRegion,
  memory: ArrayBuffer | ArrayBufferView,
  bytes: number,
  count: number,
) {
  const out: number[] = [];
  const unexpected = () => {
    throw new Error('an inline request called its completion');
  };
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    const registered = NdkRegisterMr(mr, memory, bytes, FLAGS, unexpected);
    const deregistered = NdkDeregisterMr(mr, unexpected);
    const t1 = performance.now();
    expectStatus('NdkRegisterMr (inline)', registered, NtStatus.STATUS_SUCCESS);
    expectStatus('NdkDeregisterMr (inline)', deregistered, NtStatus.STATUS_SUCCESS);
    out.push((t1 - t0) * 1000);
  }
  return out;
}

/** `count` NDK-style deferred pairs, each deregistering from the register completion; µs each. */
export async function deferredPairs(
  mr: MemoryRegion,
  memory: ArrayBuffer,
  bytes: number,
  count: number,
) {
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(await deferredPair(mr, memory, bytes));
  return out;
}

// Register, and from its completion deregister; the clock stops in the second completion.
function deferredPair(mr: MemoryRegion, memory: ArrayBuffer, bytes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const check = (what: string, status: number, expected: number): boolean => {
      if (status === expected) return true;
      reject(new Error(`${what}: ${ntStatusName(status)}`));
      return false;
    };
    const started = NdkRegisterMr(mr, memory, bytes, FLAGS, (_c, registered) => {
      if (!check('register completion', registered, NtStatus.STATUS_SUCCESS)) return;
      const again = NdkDeregisterMr(mr, (_c2, deregistered) => {
        const t1 = performance.now();
        if (check('deregister completion', deregistered, NtStatus.STATUS_SUCCESS)) {
          resolve((t1 - t0) * 1000);
        }
      });
      check('NdkDeregisterMr (deferred)', again, NtStatus.STATUS_PENDING);
    });
    check('NdkRegisterMr (deferred)', started, NtStatus.STATUS_PENDING);
  });
}

async function promisePairs(mr: MemoryRegion, memory: ArrayBuffer, bytes: number, count: number) {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await mr.register(memory, { length: bytes, flags: FLAGS });
    await mr.deregister();
    out.push((performance.now() - t0) * 1000);
  }
  return out;
}
