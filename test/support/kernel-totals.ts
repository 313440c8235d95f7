/**
 * What the kernel holds system-wide, counted per kind. Objects made by a worker thread are listed
 * under that thread's id, which is gone once the worker ends; counting everything before and after
 * (the integration suite runs one file at a time, so nothing else makes objects meanwhile) needs no
 * thread ids at all.
 */

import { execFileSync } from 'node:child_process';

const KINDS = ['mr', 'qp', 'cq', 'pd'] as const;

/** How many objects of each kind the kernel holds, whoever owns them. */
export type KernelTotals = Record<(typeof KINDS)[number], number>;

function count(kind: string): number {
  const rows = execFileSync('rdma', ['-j', 'resource', 'show', kind]).toString();
  return (JSON.parse(rows || '[]') as unknown[]).length;
}

export function kernelTotals(): KernelTotals {
  return Object.fromEntries(KINDS.map((kind) => [kind, count(kind)])) as KernelTotals;
}

/** What `after` holds beyond `before`, per kind (zero everywhere when nothing was left behind). */
export function kernelGrowth(before: KernelTotals, after: KernelTotals): KernelTotals {
  return Object.fromEntries(
    KINDS.map((kind) => [kind, after[kind] - before[kind]]),
  ) as KernelTotals;
}
