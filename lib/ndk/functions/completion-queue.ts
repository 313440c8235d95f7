/**
 * The NDK-style functions of a completion queue (NDK's CQ dispatch table): `NdkArmCq`,
 * `NdkGetCqResults`. Like NDK, `NdkGetCqResults` returns a count, not a status.
 *
 * @packageDocumentation
 */

import { NtStatus } from '../../status/nt-status';
import { CompletionQueue } from '../completion-queue';
import { kArm, kResults } from '../internal';
import { guarded } from '../outcome';
import { type NdkResult } from '../work-result';

/**
 * Requests one notification for the next completion (`NDK_CQ_NOTIFY_ANY` / `_ERRORS`) or the next
 * solicited one (`NDK_CQ_NOTIFY_SOLICITED`); see `NdkCqNotifyType`.
 * @returns `STATUS_SUCCESS`; `STATUS_INVALID_HANDLE`; `STATUS_INVALID_PARAMETER`;
 *   `STATUS_INVALID_DEVICE_STATE` for a queue made by the promise API (it drains itself).
 */
export function NdkArmCq(cq: CompletionQueue, triggerType: number): number {
  return guarded(() => {
    if (!CompletionQueue.is(cq)) return NtStatus.STATUS_INVALID_HANDLE;
    return cq[kArm](triggerType).status;
  });
}

/**
 * Polls up to `maxResults` results into `results[0 …]`, oldest first.
 * @returns how many were written; 0 for anything that is not an open completion queue or for bad
 *   arguments (NDK returns a count, not a status).
 */
export function NdkGetCqResults(
  cq: CompletionQueue,
  results: NdkResult[],
  maxResults: number,
): number {
  return guarded(() => {
    if (!CompletionQueue.is(cq) || !Array.isArray(results)) return 0;
    if (typeof maxResults !== 'number' || !Number.isSafeInteger(maxResults) || maxResults < 1) {
      return 0;
    }
    const polled = cq[kResults](maxResults);
    polled.forEach((result, i) => (results[i] = result));
    return polled.length;
  }, 0);
}
