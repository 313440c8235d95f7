/**
 * The NDK-style functions of a memory region (NDK's MR dispatch table): `NdkRegisterMr`,
 * `NdkDeregisterMr`, `NdkGetLocalTokenFromMr`, `NdkGetRemoteTokenFromMr`.
 *
 * @packageDocumentation
 */

import { NtStatus } from '../../status/nt-status';
import { kDeregister, kRegister, kToken } from '../internal';
import { MemoryRegion } from '../memory-region';
import { guarded, internalError, type Outcome } from '../outcome';
import { isOut, type NdkOut, type NdkRequestCompletion } from './types';

const { STATUS_INVALID_HANDLE, STATUS_INVALID_PARAMETER } = NtStatus;

/**
 * Registers `length` bytes of `memory` with `flags` (`NDK_MR_FLAG_*`).
 * @returns `STATUS_SUCCESS` or `STATUS_PENDING` (by the completion policy);
 *   `STATUS_INVALID_DEVICE_STATE` when already registered; `STATUS_DEVICE_BUSY` with a request
 *   pending; `STATUS_INVALID_BUFFER_SIZE` for 0 or beyond the memory; `STATUS_INVALID_PARAMETER`;
 *   `STATUS_INSUFFICIENT_RESOURCES` (RLIMIT_MEMLOCK); `STATUS_INVALID_HANDLE`; other verbs errors
 *   through the errno table.
 */
export function NdkRegisterMr<Context>(
  mr: MemoryRegion,
  memory: ArrayBuffer | SharedArrayBuffer | ArrayBufferView,
  length: number,
  flags: number,
  requestCompletion: NdkRequestCompletion<Context>,
  requestContext?: Context,
): number {
  try {
    const refusal = requestRefusal(mr, requestCompletion);
    if (refusal !== undefined) return refusal;
    return mr[kRegister](memory, length, flags, completion(requestCompletion, requestContext))
      .status;
  } catch (error) {
    return internalError(error);
  }
}

/**
 * Deregisters. Once it has completed (SUCCESS returned, or the completion called with SUCCESS) no
 * peer can use the old remote token. A failure leaves the region registered and retryable.
 * @returns `STATUS_SUCCESS` or `STATUS_PENDING`; `STATUS_INVALID_DEVICE_STATE` when not registered;
 *   `STATUS_DEVICE_BUSY` with a request pending or memory windows bound; `STATUS_INVALID_HANDLE`.
 */
export function NdkDeregisterMr<Context>(
  mr: MemoryRegion,
  requestCompletion: NdkRequestCompletion<Context>,
  requestContext?: Context,
): number {
  try {
    const refusal = requestRefusal(mr, requestCompletion);
    if (refusal !== undefined) return refusal;
    return mr[kDeregister](completion(requestCompletion, requestContext)).status;
  } catch (error) {
    return internalError(error);
  }
}

/**
 * The local token (lkey) into `out.value`.
 * @returns `STATUS_SUCCESS`; `STATUS_INVALID_DEVICE_STATE` when not registered (no stale key);
 *   `STATUS_INVALID_HANDLE`.
 */
export function NdkGetLocalTokenFromMr(mr: MemoryRegion, out: NdkOut<number>): number {
  return token(mr, out, 0);
}

/** The remote token (rkey) into `out.value`; as {@link NdkGetLocalTokenFromMr}. */
export function NdkGetRemoteTokenFromMr(mr: MemoryRegion, out: NdkOut<number>): number {
  return token(mr, out, 1);
}

// The register and deregister paths run once per request, so they inline `guarded`'s try (no
// closure per call) and build the completion closure only once the arguments are known good.
function requestRefusal(mr: unknown, completion: unknown): number | undefined {
  if (!MemoryRegion.is(mr)) return STATUS_INVALID_HANDLE;
  if (typeof completion !== 'function') return STATUS_INVALID_PARAMETER;
  return undefined;
}

function completion<Context>(
  callback: NdkRequestCompletion<Context>,
  requestContext: Context | undefined,
): (outcome: Outcome) => void {
  return (outcome) => callback(requestContext as Context, outcome.status);
}

function token(mr: unknown, out: unknown, which: 0 | 1): number {
  return guarded(() => {
    if (!MemoryRegion.is(mr)) return STATUS_INVALID_HANDLE;
    if (!isOut(out)) return STATUS_INVALID_PARAMETER;
    const outcome = mr[kToken](which);
    if (outcome.token !== undefined) out.value = outcome.token;
    return outcome.status;
  });
}
