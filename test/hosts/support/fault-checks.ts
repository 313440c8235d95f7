/**
 * The checks both fault tests (host crash, link cut) make on how a stream of writes ended.
 */

import { WINDOW } from '../guests/fault-plan';
import { type StreamEnd } from './write-stream';

/** Retries give up after ~0.5 s; emulation on a shared machine stretches that several times. */
const GIVE_UP_MS = 10_000;

/** Every write in flight completed: the first with STATUS_IO_TIMEOUT, the rest timed out or flushed. */
export function expectAllFailedFromTheTable(end: StreamEnd): void {
  expect(end.succeeded).toBeGreaterThan(0);
  expect(end.failures).toHaveLength(WINDOW);
  expect(end.failures[0]).toBe('STATUS_IO_TIMEOUT');
  for (const status of end.failures.slice(1)) {
    expect(['STATUS_IO_TIMEOUT', 'STATUS_CANCELLED']).toContain(status);
  }
}

/** They failed within the retry time, and the last soon after the first (printed as `what`). */
export function expectFailedInTime(end: StreamEnd, what: string): void {
  console.log(
    `${what}: first error ${end.gapMs.toFixed(0)} ms after the last success, ` +
      `all within ${end.drainMs.toFixed(0)} ms more`,
  );
  expect(end.gapMs).toBeLessThan(GIVE_UP_MS);
  expect(end.drainMs).toBeLessThan(GIVE_UP_MS);
}
