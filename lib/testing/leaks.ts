/**
 * The end-of-test check that nothing was left in the kernel: no memory region, protection domain,
 * queue pair or completion queue of this process, or none beyond a baseline taken earlier.
 */

import { type KernelResource, type KernelResources, kernelResources } from '../restrack';

/** How many objects of each kind, as {@link expectNoLeaks} compares them. */
export interface KernelCounts {
  /** Memory regions. */
  readonly mrs: number;
  /** Protection domains. */
  readonly pds: number;
  /** Queue pairs. */
  readonly qps: number;
  /** Completion queues. */
  readonly cqs: number;
}

const KINDS = ['mrs', 'pds', 'qps', 'cqs'] as const;

/**
 * Counts a process's objects per kind.
 *
 * @param resources - What {@link kernelResources} returned.
 * @returns The counts.
 */
export function countResources(resources: KernelResources): KernelCounts {
  return {
    mrs: resources.mrs.length,
    pds: resources.pds.length,
    qps: resources.qps.length,
    cqs: resources.cqs.length,
  };
}

/**
 * Asserts that the kernel holds no more RDMA objects for this process than `baseline` (default:
 * none at all). Throws an `Error` that lists what was left (kind, device, kernel id, bytes), so it
 * fails a test in jest, vitest, mocha or `node:test` alike. Call it after closing the test's objects
 * (`await fixture.close()`); ndk-verbs releases objects before its `close()` promises resolve, so no
 * wait is needed.
 *
 * @param baseline - Counts taken at the start (e.g. `countResources(kernelResources())`) when the
 *   process legitimately holds objects across tests.
 * @throws Error describing every kind that grew.
 */
export function expectNoLeaks(baseline: Partial<KernelCounts> = {}): void {
  const now = kernelResources();
  const problems: string[] = [];
  for (const kind of KINDS) {
    const allowed = baseline[kind] ?? 0;
    const held = now[kind];
    if (held.length > allowed) {
      problems.push(
        `${held.length} ${kind} (expected at most ${allowed}): ${held.map(describe).join(', ')}`,
      );
    }
  }
  if (problems.length > 0) {
    throw new Error(
      `the kernel still holds RDMA objects of process ${now.pid}:\n  ${problems.join('\n  ')}`,
    );
  }
}

function describe(r: KernelResource): string {
  const bytes = r.bytes === undefined ? '' : ` ${r.bytes} bytes`;
  return `${r.kind} ${r.id ?? '?'} on ${r.device}${bytes} (thread ${r.tid ?? '?'})`;
}
