/**
 * The NDK-style functions of an adapter (NDK's adapter dispatch table): `NdkOpenAdapter`,
 * `NdkCreatePd`, `NdkCreateCq`. Creates complete inline: their `createCompletion` is never called,
 * but it must still be a function, as in NDK.
 *
 * @packageDocumentation
 */

import { NtStatus } from '../../status/nt-status';
import { Adapter, type AdapterOptions } from '../adapter';
import { type CompletionQueue, type NdkCqNotificationCallback } from '../completion-queue';
import { kCreate, kCreateCq, kCreatePd } from '../internal';
import { guarded } from '../outcome';
import { type ProtectionDomain } from '../protection-domain';
import { isCreateCallable, isOut, type NdkCreateCompletion, type NdkOut } from './types';

const { STATUS_INVALID_HANDLE, STATUS_INVALID_PARAMETER } = NtStatus;

/**
 * Opens the RDMA device `deviceName` into `out.value`.
 * @returns `STATUS_SUCCESS`; `STATUS_NO_SUCH_DEVICE`; `STATUS_INVALID_PARAMETER` for bad arguments.
 */
export function NdkOpenAdapter(
  deviceName: string,
  out: NdkOut<Adapter>,
  options?: AdapterOptions,
): number {
  return guarded(() => {
    if (!isOut(out)) return STATUS_INVALID_PARAMETER;
    const outcome = Adapter[kCreate](deviceName, options);
    if (outcome.adapter) out.value = outcome.adapter;
    return outcome.status;
  });
}

/**
 * Creates a protection domain into `out.value`. Completes inline.
 * @returns `STATUS_SUCCESS`; `STATUS_INVALID_HANDLE` for a closed or foreign adapter;
 *   `STATUS_INVALID_PARAMETER`; `STATUS_INSUFFICIENT_RESOURCES`.
 */
export function NdkCreatePd(
  adapter: Adapter,
  createCompletion: NdkCreateCompletion,
  _requestContext: unknown,
  out: NdkOut<ProtectionDomain>,
): number {
  return guarded(() => {
    if (!Adapter.is(adapter)) return STATUS_INVALID_HANDLE;
    if (!isCreateCallable(createCompletion, out)) return STATUS_INVALID_PARAMETER;
    const outcome = adapter[kCreatePd]();
    if (outcome.pd) out.value = outcome.pd;
    return outcome.status;
  });
}

/**
 * Creates a completion queue of `depth` entries into `out.value`. After `NdkArmCq`, the next
 * completion calls `cqNotification(cqNotificationContext, STATUS_SUCCESS)` once, in a later turn
 * of the event loop; then poll with `NdkGetCqResults` and arm again. Completes inline.
 * @returns `STATUS_SUCCESS`; `STATUS_INVALID_HANDLE`; `STATUS_INVALID_PARAMETER`;
 *   `STATUS_INSUFFICIENT_RESOURCES`.
 */
export function NdkCreateCq<Context>(
  adapter: Adapter,
  depth: number,
  cqNotification: NdkCqNotificationCallback<Context>,
  cqNotificationContext: Context,
  createCompletion: NdkCreateCompletion,
  _requestContext: unknown,
  out: NdkOut<CompletionQueue>,
): number {
  return guarded(() => {
    if (!Adapter.is(adapter)) return STATUS_INVALID_HANDLE;
    if (typeof cqNotification !== 'function' || !isCreateCallable(createCompletion, out)) {
      return STATUS_INVALID_PARAMETER;
    }
    const outcome = adapter[kCreateCq](depth, {
      kind: 'ndk',
      notify: cqNotification as NdkCqNotificationCallback,
      context: cqNotificationContext,
    });
    if (outcome.cq) out.value = outcome.cq;
    return outcome.status;
  });
}
