/**
 * Test 2: how long the event loop is held while 1 GiB is registered and deregistered in 64 MiB
 * regions, with inline vs deferred completion, as `perf_hooks.monitorEventLoopDelay` (1 ms
 * resolution) sees it. The same monitor over an idle loop gives the machine's noise floor.
 *
 * @packageDocumentation
 */

import { type IntervalHistogram, monitorEventLoopDelay, performance } from 'node:perf_hooks';

import { type MemoryRegion, type ProtectionDomain } from '../lib';
import { ndk } from './target';
import { EVENT_LOOP } from './config';
import { collectGarbage, sleep } from './gc';
import { createMr, deregister, deregisterInline, register, registerInline } from './ndk';
import { type Progress } from './progress';
import { type Delay, type EventLoopResult, type PolicyDelays } from './result';
import { median, round } from './stats';

const { allocate } = ndk;

/** Progress units this test reports. */
export const EVENT_LOOP_UNITS = 1 + 2 * EVENT_LOOP.rounds;

const { regionBytes, regionCount, rounds, resolutionMs } = EVENT_LOOP;
// Idle time around each watched phase, so the monitor's timer is running before the phase starts
// and fires once after it ends (recording the delay the phase caused).
const SETTLE_MS = 5;

/** Runs the test; the progress bar is paused while the monitor watches. */
export async function measureEventLoop(
  pd: ProtectionDomain,
  progress: Progress,
): Promise<EventLoopResult> {
  const blocks = Array.from({ length: regionCount }, () => allocate(regionBytes));
  // Fault the pages in first (as the C program's memset does): page faults are not verbs' cost.
  for (const block of blocks) new Uint8Array(block).fill(1);
  progress.task('event loop: idle baseline');
  progress.pause();
  const idle = monitor();
  idle.enable();
  await sleep(2000);
  idle.disable();
  progress.resume();
  progress.advance();

  const inline = await watchPolicy('inline', pd, blocks, progress);
  const deferred = await watchPolicy('deferred', pd, blocks, progress);
  blocks.length = 0;
  collectGarbage();
  return {
    regionBytes,
    regionCount,
    rounds,
    resolutionMs,
    idle: delayOf(idle),
    inline,
    deferred,
  };
}

async function watchPolicy(
  policy: 'inline' | 'deferred',
  pd: ProtectionDomain,
  blocks: ArrayBuffer[],
  progress: Progress,
): Promise<PolicyDelays> {
  const mrs = blocks.map(() => createMr(pd, policy));
  const registering: Delay[] = [];
  const deregistering: Delay[] = [];
  const wallMs: number[] = [];
  const busyMs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    progress.task(`event loop: ${policy}, 1 GiB in ${regionCount} regions (round ${r + 1})`);
    progress.pause();
    registering.push((await watched(() => registerAll(policy, mrs, blocks))).delay);
    const { delay, wall, busy } = await watched(() => deregisterAll(policy, mrs));
    deregistering.push(delay);
    wallMs.push(wall);
    busyMs.push(busy);
    progress.resume();
    progress.advance();
  }
  await Promise.all(mrs.map((mr) => mr.close()));
  return {
    register: worstOf(registering),
    deregister: worstOf(deregistering),
    deregisterWallMs: round(median(wallMs), 3),
    deregisterBusyMs: round(median(busyMs), 3),
  };
}

// Watches `phase` with a monitor of its own; returns the delays it saw, the phase's wall time and
// the time the event loop was busy during it, in ms. A fresh monitor each time: a re-enabled one
// measures its first interval from its last sample before it was disabled, which reports the
// whole pause in between as one huge "delay".
async function watched(
  phase: () => Promise<void>,
): Promise<{ delay: Delay; wall: number; busy: number }> {
  const histogram = monitor();
  histogram.enable();
  await sleep(SETTLE_MS);
  const u0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  await phase();
  const t1 = performance.now();
  const used = performance.eventLoopUtilization(performance.eventLoopUtilization(), u0);
  await sleep(SETTLE_MS);
  histogram.disable();
  return { delay: delayOf(histogram), wall: t1 - t0, busy: used.active };
}

// Several watched phases as one: the largest delay any of them saw, the largest per-phase p99.
function worstOf(delays: readonly Delay[]): Delay {
  return {
    maxMs: Math.max(...delays.map((d) => d.maxMs)),
    p99Ms: Math.max(...delays.map((d) => d.p99Ms)),
    samples: delays.reduce((sum, d) => sum + d.samples, 0),
  };
}

async function registerAll(
  policy: 'inline' | 'deferred',
  mrs: MemoryRegion[],
  blocks: ArrayBuffer[],
): Promise<void> {
  if (policy === 'inline') mrs.forEach((mr, i) => registerInline(mr, blocks[i], regionBytes));
  else await Promise.all(mrs.map((mr, i) => register(mr, blocks[i], regionBytes)));
}

async function deregisterAll(policy: 'inline' | 'deferred', mrs: MemoryRegion[]): Promise<void> {
  if (policy === 'inline') mrs.forEach((mr) => deregisterInline(mr));
  else await Promise.all(mrs.map((mr) => deregister(mr)));
}

function monitor(): IntervalHistogram {
  return monitorEventLoopDelay({ resolution: resolutionMs });
}

function delayOf(histogram: IntervalHistogram): Delay {
  const ms = (ns: number) => round(ns / 1e6, 3);
  return {
    maxMs: ms(histogram.max),
    p99Ms: ms(histogram.percentile(99)),
    samples: histogram.count,
  };
}
