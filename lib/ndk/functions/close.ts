/**
 * `NdkCloseObject`, the one NDK-style function every object takes.
 *
 * @packageDocumentation
 */

import { NtStatus } from '../../status/nt-status';
import { Adapter } from '../adapter';
import { CompletionQueue } from '../completion-queue';
import { kRequestClose } from '../internal';
import { MemoryRegion } from '../memory-region';
import { MemoryWindow } from '../memory-window';
import { guarded } from '../outcome';
import { ProtectionDomain } from '../protection-domain';
import { QueuePair } from '../queue-pair';
import { type NdkCloseCompletion, type NdkObject } from './types';

/**
 * Closes an adapter, protection domain, memory region, memory window, completion queue or queue
 * pair. A queue pair with requests outstanding moves to the error state; they complete with
 * `STATUS_CANCELLED` and the close completes after the last of them has been polled. Never fails
 * for an open object: `STATUS_SUCCESS` (closed now) or `STATUS_PENDING` (waiting for a pending
 * request, a deferred deregistration, a queue pair's destroy, which always runs off the event
 * loop, or — for a parent — for its children to be closed); `closeCompletion` is then the last
 * callback the object makes. An object that ndk-verbs released because its device was removed is
 * closed already: `STATUS_SUCCESS`.
 * @returns `STATUS_INVALID_HANDLE` for anything that is not an open ndk-verbs object,
 *   `STATUS_INVALID_PARAMETER` when `closeCompletion` is not a function.
 */
export function NdkCloseObject<Context>(
  object: NdkObject,
  closeCompletion: NdkCloseCompletion<Context>,
  requestContext?: Context,
): number {
  return guarded(() => {
    if (!isNdkObject(object)) return NtStatus.STATUS_INVALID_HANDLE;
    if (typeof closeCompletion !== 'function') return NtStatus.STATUS_INVALID_PARAMETER;
    const status = object[kRequestClose](() => closeCompletion(requestContext as Context)).status;
    // Released with its removed device: closed already, as the caller asks.
    return status === NtStatus.STATUS_DEVICE_REMOVED ? NtStatus.STATUS_SUCCESS : status;
  });
}

function isNdkObject(object: unknown): object is NdkObject {
  return (
    Adapter.is(object) ||
    ProtectionDomain.is(object) ||
    MemoryRegion.is(object) ||
    MemoryWindow.is(object) ||
    CompletionQueue.is(object) ||
    QueuePair.is(object)
  );
}
