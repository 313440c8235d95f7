/**
 * Test 4: leaks. RSS and the kernel's MR count for this process before and after 100,000 inline
 * register/deregister cycles of 4 KiB. The rate is measured first on warm-up cycles; if the full
 * count would take longer than `LEAK.maxSeconds`, fewer cycles run and the result says so.
 *
 * @packageDocumentation
 */

import { performance } from 'node:perf_hooks';

import { type MemoryRegion, type ProtectionDomain } from '../lib';
import { ndk } from './target';
import { LEAK } from './config';
import { collectGarbage, sleep } from './gc';
import { kernelMrCount } from './kernel-mrs';
import { createMr, deregisterInline, registerInline } from './ndk';
import { type Progress } from './progress';
import { type LeakResult } from './result';
import { round } from './stats';

const { allocate } = ndk;

/** Progress units this test reports (one per 1,000 requested cycles). */
export const LEAK_UNITS = Math.ceil(LEAK.cycles / 1000);

/** Runs the check. */
export async function measureLeak(pd: ProtectionDomain, progress: Progress): Promise<LeakResult> {
  const { bytes, warmupCycles, maxSeconds } = LEAK;
  const memory = allocate(bytes);
  const mr = createMr(pd, 'inline');
  progress.task(`leak check: ${warmupCycles} warm-up cycles`);
  const warmupRatePerS = warmupCycles / cycles(mr, memory, warmupCycles);

  let planned = LEAK.cycles;
  let reducedBecause: string | undefined;
  if (planned / warmupRatePerS > maxSeconds) {
    planned = Math.max(1000, Math.floor((warmupRatePerS * maxSeconds) / 1000) * 1000);
    reducedBecause =
      `${LEAK.cycles} cycles at the measured ${Math.round(warmupRatePerS)}/s would take ` +
      `${Math.round(LEAK.cycles / warmupRatePerS)} s (limit ${maxSeconds} s)`;
  }

  collectGarbage();
  await sleep(50);
  const rssBeforeBytes = process.memoryUsage.rss();
  const mrBefore = kernelMrCount();
  let seconds = 0;
  const checkpoints: Array<{ cycles: number; rssBytes: number }> = [];
  const checkpointEvery = Math.max(1000, Math.ceil(planned / 10 / 1000) * 1000);
  for (let done = 0; done < planned;) {
    progress.task(`leak check: ${done}/${planned} cycles`);
    const batch = Math.min(1000, planned - done);
    seconds += cycles(mr, memory, batch);
    done += batch;
    progress.advance((LEAK.cycles / planned) * (batch / 1000));
    if (done % checkpointEvery === 0 || done === planned) {
      collectGarbage();
      checkpoints.push({ cycles: done, rssBytes: process.memoryUsage.rss() });
    }
  }
  collectGarbage();
  await sleep(50);
  const rssAfterBytes = process.memoryUsage.rss();
  const mrAfter = kernelMrCount();
  await mr.close();
  return {
    requestedCycles: LEAK.cycles,
    cycles: planned,
    bytes,
    warmupRatePerS: round(warmupRatePerS, 0),
    ratePerS: round(planned / seconds, 0),
    rssBeforeBytes,
    rssAfterBytes,
    rssCheckpoints: checkpoints,
    secondHalfBytesPerCycle: round(slope(checkpoints.filter((c) => c.cycles > planned / 2)), 2),
    mrBefore,
    mrAfter,
    ...(reducedBecause === undefined ? {} : { reducedBecause }),
  };
}

// Least-squares bytes per cycle through the checkpoints (0 with fewer than two).
function slope(points: ReadonlyArray<{ cycles: number; rssBytes: number }>): number {
  if (points.length < 2) return 0;
  const mx = points.reduce((s, p) => s + p.cycles, 0) / points.length;
  const my = points.reduce((s, p) => s + p.rssBytes, 0) / points.length;
  const sxy = points.reduce((s, p) => s + (p.cycles - mx) * (p.rssBytes - my), 0);
  const sxx = points.reduce((s, p) => s + (p.cycles - mx) ** 2, 0);
  return sxy / sxx;
}

// `count` inline pairs; returns the seconds they took.
function cycles(mr: MemoryRegion, memory: ArrayBuffer, count: number): number {
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    registerInline(mr, memory, LEAK.bytes);
    deregisterInline(mr);
  }
  return (performance.now() - t0) / 1000;
}
