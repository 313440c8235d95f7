/**
 * What a child process costs to start while memory is registered: the median wall time of
 * `child_process.spawnSync('/bin/true')` (libuv forks, then the child execs). Shared by the
 * benchmark's spawn test and the integration test that bounds the same ratios.
 *
 * @packageDocumentation
 */

import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';

import { type ProtectionDomain, type RegistrableMemory } from '../lib';
import { median } from './stats';

/** The child every measurement starts: it exits at once, so the time is the spawn's. */
export const SPAWN_COMMAND = '/bin/true';

/** Median milliseconds of `samples` spawns of {@link SPAWN_COMMAND}, after one untimed spawn. */
export function medianSpawnMs(samples: number): number {
  spawnOnce();
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    spawnOnce();
    times.push(performance.now() - t0);
  }
  return median(times);
}

/**
 * {@link medianSpawnMs} while all of `memory` is registered on a new region of `pd` (which faults
 * every page in, so the pages are real and pinned); the region is deregistered and closed after.
 */
export async function medianSpawnMsWhileRegistered(
  pd: ProtectionDomain,
  memory: RegistrableMemory,
  samples: number,
): Promise<number> {
  const mr = await pd.createMr();
  try {
    await mr.register(memory);
    return medianSpawnMs(samples);
  } finally {
    if (mr.isRegistered) await mr.deregister();
    await mr.close();
  }
}

function spawnOnce(): void {
  const child = spawnSync(SPAWN_COMMAND);
  if (child.status !== 0) {
    throw new Error(`${SPAWN_COMMAND} failed: ${String(child.error ?? child.status)}`);
  }
}
