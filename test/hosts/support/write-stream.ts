/**
 * A stream of RDMA WRITEs kept `window` deep: each success posts the next, until the first failure
 * (the peer died, the link broke). Then every request still outstanding must complete too, and
 * the stream reports them all.
 */

import { performance } from 'node:perf_hooks';
import { type NdkSge, type QueuePair, type QueuePairRetryOptions } from '../../../lib';
import { statusOf } from './host-side';

/** How a stream ended. */
export interface StreamEnd {
  /** Writes that completed with STATUS_SUCCESS. */
  readonly succeeded: number;
  /** The status names of the requests that failed, in completion order. */
  readonly failures: readonly string[];
  /** From the last success to the first failure, in ms (the retry time it took to give up). */
  readonly gapMs: number;
  /** From the first failure to the last outstanding request's completion, in ms. */
  readonly drainMs: number;
}

/** The finite retries of the cross-host fault tests: 7 tries of ~67 ms (rxe treats 7 as forever). */
export const FINITE_RETRIES: QueuePairRetryOptions = { retryCount: 6, timeoutExponent: 14 };

/**
 * Streams writes of `local` to `remote` through `qp` until one fails.
 *
 * @param onProgress - Called after each success with the count so far.
 */
export async function streamWrites(
  qp: QueuePair,
  local: NdkSge,
  remote: { address: bigint; token: number },
  window: number,
  onProgress: (succeeded: number) => void = () => {},
): Promise<StreamEnd> {
  let succeeded = 0;
  let lastSuccess = performance.now();
  let firstFailure: number | undefined;
  const failures: string[] = [];
  const lane = async (): Promise<void> => {
    while (firstFailure === undefined) {
      const status = await statusOf(qp.write(local, remote));
      if (status === 'STATUS_SUCCESS') {
        succeeded++;
        lastSuccess = performance.now();
        onProgress(succeeded);
      } else {
        firstFailure ??= performance.now();
        failures.push(status);
      }
    }
  };
  await Promise.all(Array.from({ length: window }, lane));
  return {
    succeeded,
    failures,
    gapMs: firstFailure! - lastSuccess,
    drainMs: performance.now() - firstFailure!,
  };
}
