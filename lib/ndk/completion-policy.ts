/**
 * When a registration or deregistration completes inline (on the calling JS thread, status
 * `STATUS_SUCCESS`, no callback) and when it is deferred to the addon's request threads (`STATUS_PENDING`, then
 * the completion callback in a later turn of the event loop).
 *
 * @packageDocumentation
 */

/**
 * - `'inline'`: always on the calling thread; fastest for small regions, blocks the event loop for
 *   as long as verbs takes (page pinning grows with size).
 * - `'deferred'`: always on a request thread; the event loop stays free.
 * - `'auto'` (default): inline below {@link AUTO_INLINE_LIMIT_BYTES} when nothing can make the verbs
 *   call block, deferred otherwise.
 */
export type CompletionPolicy = 'inline' | 'deferred' | 'auto';

/**
 * Regions smaller than this register and deregister inline under `'auto'`.
 *
 * Why 16 MiB (was 1 MiB), from `npm run bench` (2026-11-26, SoftRoCE VM, 2 TCG vCPUs, rxe0; medians
 * per register+deregister pair): inline costs 0.22 ms at 1 MiB, 0.60 ms at 16 MiB and 1.5 ms at
 * 64 MiB — the time it holds the event loop — while a deferred request costs 1.3–2.6 ms more than
 * inline up to 1 MiB (2.6 ms vs 0.22 ms at 1 MiB, 3.9 ms vs 0.60 ms at 16 MiB): the pool hop and
 * the later event-loop turn, not verbs. Below 16 MiB inline stays under ~0.6 ms, well inside the
 * 2 ms event-loop budget, and is 4–12× faster for the caller; from 16 MiB on, pinning time grows
 * towards the budget, so deferral pays. On native hardware both sides shrink; the pool hop stays.
 */
export const AUTO_INLINE_LIMIT_BYTES = 16 * 1024 * 1024;

/**
 * Whether a request on a region of `lengthBytes` runs deferred.
 *
 * @param mayBlock - the verbs call may wait on something outside this process's control. rxe's
 *   `ibv_dereg_mr` waits while packets still reference the region (up to 0.2 s on Linux 6.1, much
 *   longer on newer kernels): whenever the adapter has queue pairs, `'auto'` never deregisters inline.
 */
export function runsDeferred(
  policy: CompletionPolicy,
  lengthBytes: number,
  mayBlock: boolean,
): boolean {
  if (policy === 'inline') return false;
  if (policy === 'deferred') return true;
  return mayBlock || lengthBytes >= AUTO_INLINE_LIMIT_BYTES;
}

/** Whether `value` is a {@link CompletionPolicy}. */
export function isCompletionPolicy(value: unknown): value is CompletionPolicy {
  return value === 'inline' || value === 'deferred' || value === 'auto';
}
