/**
 * A full garbage collection when node runs with `--expose-gc` (as `scripts/bench.sh` starts it).
 *
 * @packageDocumentation
 */

/** Collects garbage twice (weak callbacks, then what they freed); a no-op without --expose-gc. */
export function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
