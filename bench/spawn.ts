/**
 * Test 5: starting a child process with memory registered. Since Linux 5.9/5.12 fork() copies every
 * DMA-pinned page into the child at once unless the page is advised MADV_DONTFORK; ndk-verbs keeps
 * `allocate()` blocks and the whole pages of registered JS memory out of children. The median spawn
 * with nothing registered, with 1 GiB of `allocate()` memory registered, and with a 1 GiB
 * `Buffer.alloc` Buffer registered, side by side in one run.
 *
 * @packageDocumentation
 */

import { type ProtectionDomain } from '../lib';
import { ndk } from './target';
import { SPAWN } from './config';
import { collectGarbage, sleep } from './gc';
import { type Progress } from './progress';
import { type SpawnResult } from './result';
import { medianSpawnMs, medianSpawnMsWhileRegistered } from './spawn-cost';
import { round } from './stats';

const { allocate, diagnostics } = ndk;

/** Progress units this test reports (one per measured case). */
export const SPAWN_UNITS = 3;

/** Runs the test. */
export async function measureSpawn(pd: ProtectionDomain, progress: Progress): Promise<SpawnResult> {
  const { bytes, samples } = SPAWN;
  progress.task('spawn: nothing registered');
  const baselineMs = medianSpawnMs(samples);
  progress.advance(1);

  progress.task('spawn: allocate() memory registered');
  const allocatedMs = await medianSpawnMsWhileRegistered(pd, allocate(bytes), samples);
  progress.advance(1);
  // The block is unmapped once its ArrayBuffer is collected: make room before the Buffer.
  collectGarbage();
  await sleep(50);

  progress.task('spawn: Buffer.alloc memory registered');
  const bufferMs = await medianSpawnMsWhileRegistered(pd, Buffer.alloc(bytes), samples);
  progress.advance(1);
  collectGarbage();

  return {
    bytes,
    samples,
    forkSupport: diagnostics().forkSupport,
    baselineMs: round(baselineMs, 1),
    allocatedMs: round(allocatedMs, 1),
    bufferMs: round(bufferMs, 1),
    allocatedRatio: round(allocatedMs / baselineMs, 3),
    bufferRatio: round(bufferMs / baselineMs, 3),
  };
}
