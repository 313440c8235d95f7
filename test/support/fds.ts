/**
 * This process's open file descriptors and what each refers to (`/proc/self/fd/N`), to prove an
 * object holds none once closed and to name a leaked one.
 */

import { readdirSync, readlinkSync } from 'node:fs';

/** Descriptor number → what it refers to, e.g. `anon_inode:[eventfd]` or `/dev/infiniband/uverbs0`. */
export type FdTargets = Readonly<Record<string, string>>;

/** What each open descriptor of this process refers to. */
export function openFdTargets(): FdTargets {
  const targets: Record<string, string> = {};
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      targets[fd] = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      // readdirSync's own descriptor, closed by now
    }
  }
  return targets;
}
