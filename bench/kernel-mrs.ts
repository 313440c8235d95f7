/**
 * The kernel's own count of this process's memory regions: `rdma -j resource show mr`, filtered
 * to this process's thread ids (a region registered from a libuv pool thread may carry that
 * thread's id).
 *
 * @packageDocumentation
 */

import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

interface RdmaMrEntry {
  readonly pid?: number;
}

/** Live MRs that the kernel attributes to this process. */
export function kernelMrCount(): number {
  const tids = new Set(readdirSync('/proc/self/task').map(Number));
  const text = execFileSync('rdma', ['-j', 'resource', 'show', 'mr'], { encoding: 'utf8' });
  const entries = (JSON.parse(text.trim() || '[]') as unknown[]).flat(2) as RdmaMrEntry[];
  return entries.filter((e) => e.pid !== undefined && tids.has(e.pid)).length;
}
