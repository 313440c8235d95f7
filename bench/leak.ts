/**
 * Test 4: leaks. RSS and the kernel's MR count for this process before and after 100,000 inline
 * register/deregister cycles of 4 KiB. The rate is measured first on warm-up cycles; if the full
 * count would take longer than `LEAK.maxSeconds`, fewer cycles run and the result says so.
 *
 * @packageDocumentation
 */

import { performance } from 'node:perf_hooks';

import { allocate, type MemoryRegion, type ProtectionDomain } from '../lib';
import { LEAK } from './config';
import { collectGarbage, sleep } from './gc';
import { kernelMrCount } from './kernel-mrs';
import { createMr, deregisterInline, registerInline } from './ndk';
import { type Progress } from './progress';
import { type LeakResult } from './result';
import { round } from './stats';

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
  for (let done = 0; done < planned; done += 1000) {
    progress.task(`leak check: ${done}/${planned} cycles`);
    seconds += cycles(mr, memory, Math.min(1000, planned - done));
    progress.advance(LEAK.cycles / planned);
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
    mrBefore,
    mrAfter,
    ...(reducedBecause === undefined ? {} : { reducedBecause }),
  };
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
