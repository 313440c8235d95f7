/**
 * Test 6: how cost and memory grow with the number of regions a service holds. 4 KiB regions, each
 * its own `MemoryRegion` on one PD, are registered up to each level (1k, 10k, 100k); at each level
 * the test times register + deregister pairs of one more region (C, NDK inline, NDK deferred) and
 * takes the process's RSS and V8 heap after a garbage collection. Then it deregisters back down,
 * timing each stretch. The regions are 4 KiB slices of one block, allocated and faulted in (with
 * their views) before the first memory reading, so the memory figures are what ndk-verbs and
 * libibverbs add per region, not the regions' own pages. The C program holds as many regions the
 * same way in its own process: its RSS growth per region is libibverbs' and malloc's share.
 *
 * @packageDocumentation
 */

import { performance } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';

import { type MemoryRegion, type ProtectionDomain } from '../lib';
import { cMemory } from './c-baseline';
import { DEVICE, SCALE } from './config';
import { collectGarbage } from './gc';
import { createMr, deregisterInline, registerInline } from './ndk';
import { cPairs, deferredPairs, inlinePairs } from './per-op';
import { type Progress } from './progress';
import { type ScaleResult, type ScaleRow } from './result';
import { round, summarize } from './stats';
import { ndk } from './target';

const { allocate } = ndk;

/** Progress units this test reports. */
export const SCALE_UNITS = SCALE.levels.length * 2;

interface Memory {
  rss: number;
  heap: number;
  young: number;
}

// Memory after a full GC, taken in a later job than the regions' creation: V8 keeps the target of
// every WeakRef made in a job (each region makes one) in a strong set until the job ends, and that
// set is not the regions' memory. `young` is what V8's young generation has committed: empty after
// a full GC, sized by how fast the program allocated (up to tens of MiB, whatever it holds), so
// not memory per region; reported apart from the per-region figure.
async function memoryNow(): Promise<Memory> {
  await new Promise((resolve) => setImmediate(resolve));
  collectGarbage();
  const usage = process.memoryUsage();
  const young = getHeapSpaceStatistics()
    .filter((space) => YOUNG_SPACES.has(space.space_name))
    .reduce((sum, space) => sum + space.physical_space_size, 0);
  return { rss: usage.rss, heap: usage.heapUsed, young };
}

const YOUNG_SPACES = new Set(['new_space', 'new_large_object_space']);

/** Runs the test on `pd`; every region it registers is deregistered and closed before it returns. */
export async function measureScale(pd: ProtectionDomain, progress: Progress): Promise<ScaleResult> {
  const { bytes, levels, pairs, deferredPairs: dPairs } = SCALE;
  const most = Math.max(...levels);
  const block = allocate(most * bytes);
  new Uint8Array(block).fill(1);
  const views = Array.from({ length: most }, (_, i) => new Uint8Array(block, i * bytes, bytes));
  const probe = allocate(bytes);
  new Uint8Array(probe).fill(1);
  const inlineMr = createMr(pd, 'inline');
  const deferredMr = createMr(pd, 'deferred');
  await deferredPairs(deferredMr, probe, bytes, 5); // both paths used once before the baseline
  inlinePairs(inlineMr, probe, bytes, 5);
  const base = await memoryNow();
  // Warmed after the baseline, with a view as the levels register (not the probe's ArrayBuffer):
  // the baseline's forced collections drop optimized code, and the first level's registrations
  // ran that path cold (61 against 31 µs per region in one full run).
  inlinePairs(inlineMr, views[0], bytes, SCALE.warmupPairs);

  const held: MemoryRegion[] = [];
  const rows: ScaleRow[] = [];
  for (const level of levels) {
    progress.task(`scale: registering up to ${level} regions of 4 KiB`);
    const from = held.length;
    const created = performance.now();
    while (held.length < level) held.push(createMr(pd, 'inline'));
    const registering = performance.now();
    for (let i = from; i < level; i++) registerInline(held[i], views[i], bytes);
    const done = performance.now();
    const memory = await memoryNow();
    progress.advance();
    progress.task(`scale: register + deregister pairs with ${level} regions held`);
    const row: ScaleRow = {
      held: level,
      createUsPerRegion: round(((registering - created) * 1000) / (level - from)),
      registerUsPerRegion: round(((done - registering) * 1000) / (level - from)),
      deregisterUsPerRegion: 0, // filled in on the way down
      c: summarize(cPairs(bytes, pairs)),
      inline: summarize(inlinePairs(inlineMr, probe, bytes, pairs)),
      deferred: summarize(await deferredPairs(deferredMr, probe, bytes, dPairs)),
      rssBytesPerRegion: round((memory.rss - base.rss) / level, 1),
      heapBytesPerRegion: round((memory.heap - base.heap) / level, 1),
      youngGenerationBytes: memory.young - base.young,
      cRssBytesPerRegion: round(cMemory(DEVICE, level).rssBytesPerRegion, 1),
    };
    rows.push(row);
    progress.advance();
  }
  // Down again: each stretch from a level to the one below it, timed per region.
  for (let k = levels.length - 1; k >= 0; k--) {
    const to = k === 0 ? 0 : levels[k - 1];
    const t0 = performance.now();
    for (let i = held.length - 1; i >= to; i--) deregisterInline(held[i]);
    const perRegion = ((performance.now() - t0) * 1000) / (held.length - to);
    rows[k] = { ...rows[k], deregisterUsPerRegion: round(perRegion) };
    await Promise.all(held.splice(to).map((mr) => mr.close()));
  }
  await Promise.all([inlineMr, deferredMr].map((mr) => mr.close()));
  views.length = 0;
  collectGarbage();
  return { bytes, pairs, deferredPairs: dPairs, rows };
}
