/**
 * The NDK-style functions of a protection domain (NDK's PD dispatch table): `NdkCreateMr`,
 * `NdkCreateMw`, `NdkCreateQp`. All complete inline: `createCompletion` is never called, but it
 * must still be a function, as in NDK.
 *
 * @packageDocumentation
 */

import { NtStatus } from '../../status/nt-status';
import { type CompletionQueue } from '../completion-queue';
import { kCreateMr, kCreateMw, kCreateQp } from '../internal';
import { type MemoryRegion, type MemoryRegionOptions } from '../memory-region';
import { type MemoryWindow } from '../memory-window';
import { guarded } from '../outcome';
import { ProtectionDomain } from '../protection-domain';
import { type QueuePair, type QueuePairRetryOptions } from '../queue-pair';
import { isCreateCallable, type NdkCreateCompletion, type NdkOut } from './types';

const { STATUS_INVALID_HANDLE, STATUS_INVALID_PARAMETER } = NtStatus;

/**
 * Creates a memory region (initialized, not registered) into `out.value`.
 * @returns `STATUS_SUCCESS`; `STATUS_NOT_SUPPORTED` for `fastRegister` true;
 *   `STATUS_INVALID_HANDLE`; `STATUS_INVALID_PARAMETER`; `STATUS_INSUFFICIENT_RESOURCES` when the
 *   addon runs out of memory.
 */
export function NdkCreateMr(
  pd: ProtectionDomain,
  fastRegister: boolean,
  createCompletion: NdkCreateCompletion,
  _requestContext: unknown,
  out: NdkOut<MemoryRegion>,
  options?: MemoryRegionOptions,
): number {
  return guarded(() => {
    if (!ProtectionDomain.is(pd)) return STATUS_INVALID_HANDLE;
    if (!isCreateCallable(createCompletion, out)) return STATUS_INVALID_PARAMETER;
    const outcome = pd[kCreateMr](fastRegister, options);
    if (outcome.mr) out.value = outcome.mr;
    return outcome.status;
  });
}

/**
 * Creates a memory window (type 2, unbound) into `out.value`.
 * @returns `STATUS_SUCCESS`; `STATUS_INVALID_HANDLE`; `STATUS_INVALID_PARAMETER`;
 *   `STATUS_NOT_SUPPORTED` when the device has no memory windows.
 */
export function NdkCreateMw(
  pd: ProtectionDomain,
  createCompletion: NdkCreateCompletion,
  _requestContext: unknown,
  out: NdkOut<MemoryWindow>,
): number {
  return guarded(() => {
    if (!ProtectionDomain.is(pd)) return STATUS_INVALID_HANDLE;
    if (!isCreateCallable(createCompletion, out)) return STATUS_INVALID_PARAMETER;
    const outcome = pd[kCreateMw]();
    if (outcome.mw) out.value = outcome.mw;
    return outcome.status;
  });
}

/**
 * Creates a reliable-connected queue pair into `out.value`: receives complete into `receiveCq`,
 * writes, reads and sends into `initiatorCq` (may be the same queue). One scatter/gather entry per
 * request. `retryOptions`, an ndk-verbs addition NDK does not have, says how long its requests
 * keep trying before they fail (see {@link QueuePairRetryOptions}; absent, the defaults).
 * @returns `STATUS_SUCCESS`; `STATUS_INVALID_HANDLE` (closed or foreign PD or CQ);
 *   `STATUS_INVALID_PARAMETER` (also for `retryOptions` not an object, or a value out of range);
 *   `STATUS_INSUFFICIENT_RESOURCES`.
 */
export function NdkCreateQp(
  pd: ProtectionDomain,
  receiveCq: CompletionQueue,
  initiatorCq: CompletionQueue,
  qpContext: unknown,
  receiveQueueDepth: number,
  initiatorQueueDepth: number,
  createCompletion: NdkCreateCompletion,
  _requestContext: unknown,
  out: NdkOut<QueuePair>,
  retryOptions?: QueuePairRetryOptions,
): number {
  return guarded(() => {
    if (!ProtectionDomain.is(pd)) return STATUS_INVALID_HANDLE;
    if (!isCreateCallable(createCompletion, out)) return STATUS_INVALID_PARAMETER;
    const outcome = pd[kCreateQp](
      receiveCq,
      initiatorCq,
      qpContext,
      receiveQueueDepth,
      initiatorQueueDepth,
      retryOptions,
    );
    if (outcome.qp) out.value = outcome.qp;
    return outcome.status;
  });
}
