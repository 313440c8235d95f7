/**
 * The addon's request threads (named `ndkv-mr`), at the lowest scheduling priority for a while.
 *
 * In the counted part one vCPU runs every thread. A batch's request thread, woken by the batch,
 * would take the vCPU from the event loop thread (the kernel favours a thread that just woke),
 * and the loop would count as busy while it waited for the vCPU: it read 95–99 % busy. At the
 * lowest priority the request thread runs only while the loop thread waits (as it would on a core
 * of its own), so the loop's busy time is its own work, counted in instructions, and the batch's
 * duration is both threads' work one after the other: what two cores would take, since the loop
 * thread has nothing to do while the request thread works.
 *
 * @packageDocumentation
 */

import { readdirSync, readFileSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/** The name the addon gives its memory-region request threads (native/util/thread_name.h). */
export const REQUEST_THREAD_NAME = 'ndkv-mr';

const LOWEST_PRIORITY = 19;

/**
 * Runs `run` with this process's request threads at the lowest priority, then puts them back.
 * `lowered` is how many threads were found: 0 for a build whose threads have no names (an older
 * ref of `--compare`), or before any deferred request started one.
 */
export async function withRequestThreadsLowered<T>(
  run: () => Promise<T>,
): Promise<{ result: T; lowered: number }> {
  const threads = requestThreadIds().map((tid) => ({ tid, priority: getPriority(tid) }));
  for (const { tid } of threads) setPriority(tid, LOWEST_PRIORITY);
  try {
    return { result: await run(), lowered: threads.length };
  } finally {
    // Raising a priority again needs privileges: the counted part runs as root in the VM.
    for (const { tid, priority } of threads) setPriority(tid, priority);
  }
}

// Thread ids of this process's request threads, by their name.
function requestThreadIds(): number[] {
  const ids: number[] = [];
  for (const tid of readdirSync('/proc/self/task')) {
    let name: string;
    try {
      name = readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim();
    } catch {
      continue; // the thread ended meanwhile
    }
    if (name === REQUEST_THREAD_NAME) ids.push(Number(tid));
  }
  return ids;
}
