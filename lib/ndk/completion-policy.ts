/**
 * When a registration or deregistration completes inline (on the calling JS thread, status
 * `STATUS_SUCCESS`, no callback) and when it is deferred to the libuv pool (`STATUS_PENDING`, then
 * the completion callback in a later turn of the event loop).
 *
 * @packageDocumentation
 */

/**
 * - `'inline'`: always on the calling thread; fastest for small regions, blocks the event loop for
 *   as long as verbs takes (page pinning grows with size).
 * - `'deferred'`: always on the libuv pool; the event loop stays free.
 * - `'auto'` (default): inline below {@link AUTO_INLINE_LIMIT_BYTES} when nothing can make the verbs
 *   call block, deferred otherwise.
 */
export type CompletionPolicy = 'inline' | 'deferred' | 'auto';

/**
 * Regions smaller than this register and deregister inline under `'auto'`.
 *
 * Why 1 MiB: under SoftRoCE emulation a plain C loop takes ~50 µs + ~15 µs for 4 KiB and ~90 µs +
 * ~35 µs for 1 MiB, but ~1.3 ms + 80 µs at 64 MiB (shared/rxe-facts.md); a deferred request costs a
 * pool hop and a later event-loop turn. Up to 1 MiB, inline work stays ~0.1 ms: cheaper than the
 * hop, and well under the 2 ms event-loop delay budget. `npm run bench` re-measures this.
 */
export const AUTO_INLINE_LIMIT_BYTES = 1024 * 1024;

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
