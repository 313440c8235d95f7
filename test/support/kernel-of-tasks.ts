/**
 * The kernel's objects of given thread ids, whether or not their process still lives: for checks
 * on a process that was killed (`kernelObjects` in `kernel.ts` asks /proc for a live one's threads).
 */

import { execFileSync } from 'node:child_process';

/** The kinds of object `rdma resource show` lists. */
export const KERNEL_KINDS = ['mr', 'qp', 'cq', 'pd'] as const;

/** How many objects of each kind the kernel holds for any of `tasks` (thread ids). */
export function kernelObjectsOfTasks(
  tasks: readonly number[],
): Record<(typeof KERNEL_KINDS)[number], number> {
  const ids = new Set(tasks);
  const count = (kind: string) =>
    (
      JSON.parse(
        execFileSync('rdma', ['-j', 'resource', 'show', kind]).toString() || '[]',
      ) as Array<{ pid?: number }>
    ).filter((row) => typeof row.pid === 'number' && ids.has(row.pid)).length;
  return { mr: count('mr'), qp: count('qp'), cq: count('cq'), pd: count('pd') };
}
