/** Garbage collection on demand, and waiting for what it triggers (FinalizationRegistry callbacks). */

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const nextJob = () => new Promise((resolve) => setTimeout(resolve, 20));

/**
 * Collects garbage until `condition` holds (a few rounds at most); returns whether it did.
 * Each collection runs in a later job than the previous check: `WeakRef.deref()` keeps its target
 * alive until the end of the job that called it.
 */
export async function collectUntil(condition: () => boolean, rounds = 20): Promise<boolean> {
  for (let i = 0; i < rounds; i++) {
    await nextJob();
    gc();
    await nextJob();
    if (condition()) return true;
  }
  return false;
}

/** Polls `condition` every 10 ms for up to `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs = 10000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return condition();
}
