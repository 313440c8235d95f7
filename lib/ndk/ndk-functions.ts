/**
 * The NDK-style functions. Each returns an NTSTATUS and never throws:
 * - `STATUS_SUCCESS`: done; the completion is NOT called;
 * - `STATUS_PENDING`: the completion is called exactly once, in a later turn of the event loop;
 * - an error status: done, nothing changed; the completion is NOT called.
 * Where NDK returns an object through a pointer, these fill `out.value`.
 *
 * @packageDocumentation
 */

import { NtStatus } from '../status/nt-status';
import { Adapter, type AdapterOptions } from './adapter';
import { CompletionQueue } from './completion-queue';
import { MemoryRegion, type MemoryRegionOptions } from './memory-region';
import { MemoryWindow } from './memory-window';
import { guarded, internalError } from './guarded';
import { type Outcome } from './outcome';
import { ProtectionDomain } from './protection-domain';
import { QueuePair } from './queue-pair';

/** Where an NDK-style function puts the object or value it produces (NDK's `**pp` argument). */
export interface NdkOut<T> {
  value?: T;
}

/** `NDK_FN_REQUEST_COMPLETION`: `(RequestContext, Status)`. */
export type NdkRequestCompletion<Context = unknown> = (
  requestContext: Context,
  status: number,
) => void;
/** `NDK_FN_CREATE_COMPLETION`: `(RequestContext, Status, Object)`. */
export type NdkCreateCompletion<Context = unknown> = (
  requestContext: Context,
  status: number,
  object: unknown,
) => void;
/** `NDK_FN_CLOSE_COMPLETION`: `(RequestContext)`. */
export type NdkCloseCompletion<Context = unknown> = (requestContext: Context) => void;

/** Any object `NdkCloseObject` takes. */
export type NdkObject =
  Adapter | ProtectionDomain | MemoryRegion | MemoryWindow | CompletionQueue | QueuePair;

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
    const outcome = Adapter.requestOpen(deviceName, options);
    if (outcome.adapter) out.value = outcome.adapter;
    return outcome.status;
  });
}

/**
 * Creates a protection domain into `out.value`. Completes inline: `createCompletion` is never called
 * (it must still be a function, as in NDK).
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
    if (typeof createCompletion !== 'function' || !isOut(out)) return STATUS_INVALID_PARAMETER;
    const outcome = adapter.requestCreatePd();
    if (outcome.pd) out.value = outcome.pd;
    return outcome.status;
  });
}

/**
 * Creates a memory region (initialized, not registered) into `out.value`. Completes inline.
 * @returns `STATUS_SUCCESS`; `STATUS_NOT_SUPPORTED` for `fastRegister` true;
 *   `STATUS_INVALID_HANDLE`; `STATUS_INVALID_PARAMETER`.
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
    if (typeof createCompletion !== 'function' || !isOut(out)) return STATUS_INVALID_PARAMETER;
    if (options !== undefined && (typeof options !== 'object' || options === null)) {
      return STATUS_INVALID_PARAMETER;
    }
    const outcome = pd.requestCreateMr(fastRegister, options);
    if (outcome.mr) out.value = outcome.mr;
    return outcome.status;
  });
}

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
    return mr.requestRegister(memory, length, flags, completion(requestCompletion, requestContext))
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
    return mr.requestDeregister(completion(requestCompletion, requestContext)).status;
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

/**
 * Closes an adapter, protection domain, memory region, completion queue or queue pair. A queue pair
 * with requests outstanding moves to the error state; they complete with `STATUS_CANCELLED` and the
 * close completes after the last of them has been polled. Never fails for an open object:
 * `STATUS_SUCCESS` (closed now) or `STATUS_PENDING` (waiting for a pending request, a deferred
 * deregistration, a queue pair's destroy, which always runs on the libuv pool, or — for a parent —
 * for its children to be closed); `closeCompletion` is then the last callback the object makes.
 * @returns `STATUS_INVALID_HANDLE` for anything that is not an open ndk-verbs object,
 *   `STATUS_INVALID_PARAMETER` when `closeCompletion` is not a function.
 */
export function NdkCloseObject<Context>(
  object: NdkObject,
  closeCompletion: NdkCloseCompletion<Context>,
  requestContext?: Context,
): number {
  return guarded(() => {
    if (
      !Adapter.is(object) &&
      !ProtectionDomain.is(object) &&
      !MemoryRegion.is(object) &&
      !MemoryWindow.is(object) &&
      !CompletionQueue.is(object) &&
      !QueuePair.is(object)
    ) {
      return STATUS_INVALID_HANDLE;
    }
    if (typeof closeCompletion !== 'function') return STATUS_INVALID_PARAMETER;
    return object.requestClose(() => closeCompletion(requestContext as Context)).status;
  });
}

// ---- shared checks ----

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
    const outcome = mr.token(which);
    if (outcome.token !== undefined) (out as NdkOut<number>).value = outcome.token;
    return outcome.status;
  });
}

function isOut(out: unknown): out is NdkOut<unknown> {
  return typeof out === 'object' && out !== null;
}
