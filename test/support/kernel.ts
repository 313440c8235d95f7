/**
 * The kernel as referee: what `rdma resource show` lists for a process. The kernel names the task
 * (thread) that created an object, so a process's objects are those of any of its threads (a
 * deferred registration is made on a libuv pool thread).
 */

import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

/** One row of `rdma -j resource show <kind>`. */
export type KernelObject = Record<string, unknown> & { pid?: number; ifname?: string };

/** The thread ids of process `pid`. */
export function taskIds(pid: number = process.pid): Set<number> {
  try {
    return new Set(readdirSync(`/proc/${pid}/task`).map(Number));
  } catch {
    return new Set(); // the process is gone
  }
}

/** The kernel's `kind` objects (mr, pd, qp, cq) owned by process `pid` (default: this one). */
export function kernelObjects(
  kind: 'mr' | 'pd' | 'qp' | 'cq',
  pid: number = process.pid,
): KernelObject[] {
  const rows = JSON.parse(
    execFileSync('rdma', ['-j', 'resource', 'show', kind]).toString() || '[]',
  ) as KernelObject[];
  const tasks = taskIds(pid);
  tasks.add(pid);
  return rows.filter((row) => typeof row.pid === 'number' && tasks.has(row.pid));
}

/** How many memory regions the kernel holds for process `pid` (default: this one). */
export function kernelMrCount(pid: number = process.pid): number {
  return kernelObjects('mr', pid).length;
}

/** Every memory region the kernel holds, whoever owns it (for checks on exited processes). */
export function allKernelMrs(): KernelObject[] {
  return JSON.parse(
    execFileSync('rdma', ['-j', 'resource', 'show', 'mr']).toString() || '[]',
  ) as KernelObject[];
}

/** What the kernel still holds for this process: MRs, QPs, CQs and PDs. */
export function kernelLeftovers(): Record<'mr' | 'qp' | 'cq' | 'pd', number> {
  return {
    mr: kernelObjects('mr').length,
    qp: kernelObjects('qp').length,
    cq: kernelObjects('cq').length,
    pd: kernelObjects('pd').length,
  };
}
