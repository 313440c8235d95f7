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
 * Why 16 MiB, from `npm run bench` (2026-11-26, SoftRoCE VM, 2 TCG vCPUs, rxe0; medians per
 * register+deregister pair): inline holds the event loop for 0.09 ms at 4 KiB, 0.2 ms at 1 MiB,
 * 0.5 ms at 16 MiB and 1.3 ms at 64 MiB, while a deferred request costs 1.2–1.6 ms more than inline
 * up to 1 MiB (two thread wake-ups and two event-loop turns, whatever the size). Below 16 MiB inline
 * stays well inside a 2 ms event-loop budget and is many times faster for the caller; from 16 MiB
 * on pinning grows towards the budget (registering 1 GiB inline in 64 MiB regions held the loop
 * 48 ms), so deferral pays. On native hardware both sides shrink; the wake-ups stay.
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
