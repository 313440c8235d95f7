/**
 * What the running kernel's rxe is known to do where rxe changed between releases. Each answer is
 * recorded for the kernels of the project's matrix (test/kernels/kernels.txt, docs/kernels.md);
 * for any other kernel it is `undefined`, and a test observes the behaviour and accepts either of
 * the known ones.
 */

import { release } from 'node:os';

/** The running kernel's major.minor, e.g. `6.1`. */
export function kernelSeries(kernelRelease: string = release()): string {
  const match = /^(\d+)\.(\d+)/.exec(kernelRelease);
  if (!match) throw new Error(`cannot read the kernel version from ${kernelRelease}`);
  return `${match[1]}.${match[2]}`;
}

/**
 * Whether the ACK timer keeps running while a SEND waits out RNR NAKs, so that the SEND fails with
 * IBV_WC_RETRY_EXC_ERR after (retryCount + 1) ACK timeouts even with rnrRetryCount 7: so on 6.1;
 * on 6.12 the SEND keeps waiting for the receive.
 */
export function ackTimerEndsRnrWait(kernelRelease: string = release()): boolean | undefined {
  const known: Record<string, boolean> = { '6.1': true, '6.12': false };
  return known[kernelSeries(kernelRelease)];
}
