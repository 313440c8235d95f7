/**
 * The NDK-style data-path functions: completion queues, queue pairs and work requests. Like the
 * memory-region functions they return an NTSTATUS and never throw; `NdkGetCqResults` returns a
 * count, as in NDK.
 *
 * Posting (`NdkWrite`, `NdkRead`, `NdkSend`, `NdkReceive`) returns `STATUS_SUCCESS` once the
 * request is queued; its result — with the request context — is then polled from the completion
 * queue exactly once (`NdkArmCq` → notification → `NdkGetCqResults`).
 *
 * @packageDocumentation
 */

import { NtStatus } from '../status/nt-status';
import { Adapter } from './adapter';
import { CompletionQueue, type NdkCqNotificationCallback } from './completion-queue';
import { guarded } from './guarded';
import { type NdkCreateCompletion, type NdkOut } from './ndk-functions';
import { type MemoryRegion } from './memory-region';
import { MemoryWindow } from './memory-window';
import { ProtectionDomain } from './protection-domain';
import { type QpAddress } from './qp-address';
import { QueuePair } from './queue-pair';
import { type NdkSge } from './work-request';
import { type NdkRequestType, type NdkResult } from './work-result';

const { STATUS_INVALID_HANDLE, STATUS_INVALID_PARAMETER } = NtStatus;

/**
 * Creates a completion queue of `depth` entries into `out.value`. After `NdkArmCq`, the next
 * completion calls `cqNotification(cqNotificationContext, STATUS_SUCCESS)` once, in a later turn
 * of the event loop; then poll with {@link NdkGetCqResults} and arm again. Completes inline.
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
    if (typeof cqNotification !== 'function' || typeof createCompletion !== 'function') {
      return STATUS_INVALID_PARAMETER;
    }
    if (!isOut(out)) return STATUS_INVALID_PARAMETER;
    const outcome = adapter.requestCreateCq(depth, {
      kind: 'ndk',
      notify: cqNotification as NdkCqNotificationCallback,
      context: cqNotificationContext,
    });
    if (outcome.cq) out.value = outcome.cq;
    return outcome.status;
  });
}

/**
 * Requests one notification for the next completion (`NDK_CQ_NOTIFY_ANY` / `_ERRORS`) or the next
 * solicited one (`NDK_CQ_NOTIFY_SOLICITED`); see `NdkCqNotifyType`.
 * @returns `STATUS_SUCCESS`; `STATUS_INVALID_HANDLE`; `STATUS_INVALID_PARAMETER`;
 *   `STATUS_INVALID_DEVICE_STATE` for a queue made by the promise API (it drains itself).
 */
export function NdkArmCq(cq: CompletionQueue, triggerType: number): number {
  return guarded(() => {
    if (!CompletionQueue.is(cq)) return STATUS_INVALID_HANDLE;
    return cq.requestArm(triggerType).status;
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
    if (typeof maxResults !== 'number' || !Number.isInteger(maxResults) || maxResults < 1) {
      return 0;
    }
    const polled = cq.requestResults(maxResults);
    polled.forEach((result, i) => (results[i] = result));
    return polled.length;
  }, 0);
}

/**
 * Creates a reliable-connected queue pair into `out.value`: receives complete into `receiveCq`,
 * writes, reads and sends into `initiatorCq` (may be the same queue). One scatter/gather entry per
 * request. Completes inline.
 * @returns `STATUS_SUCCESS`; `STATUS_INVALID_HANDLE` (closed or foreign PD or CQ);
 *   `STATUS_INVALID_PARAMETER`; `STATUS_INSUFFICIENT_RESOURCES`.
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
): number {
  return guarded(() => {
    if (!ProtectionDomain.is(pd)) return STATUS_INVALID_HANDLE;
    if (typeof createCompletion !== 'function' || !isOut(out)) return STATUS_INVALID_PARAMETER;
    const outcome = pd.requestCreateQp(
      receiveCq,
      initiatorCq,
      qpContext,
      receiveQueueDepth,
      initiatorQueueDepth,
    );
    if (outcome.qp) out.value = outcome.qp;
    return outcome.status;
  });
}

/**
 * This queue pair's address (`{ gid, qpn, psn, port }`) into `out.value`, for the peer.
 * @returns `STATUS_SUCCESS`; `STATUS_INVALID_HANDLE`; `STATUS_INVALID_PARAMETER`.
 */
export function NdkGetQpAddress(qp: QueuePair, out: NdkOut<QpAddress>): number {
  return guarded(() => {
    if (!QueuePair.is(qp)) return STATUS_INVALID_HANDLE;
    if (!isOut(out)) return STATUS_INVALID_PARAMETER;
    const outcome = qp.requestLocalAddress();
    if (outcome.address) out.value = outcome.address;
    return outcome.status;
  });
}

/**
 * Connects to the peer's address (however the caller obtained it): RESET → INIT → RTR → RTS over
 * RoCEv2, GID index 0, path MTU 1024. Completes inline.
 * @returns `STATUS_SUCCESS`; `STATUS_INVALID_DEVICE_STATE` when already connected;
 *   `STATUS_INVALID_PARAMETER`; `STATUS_INVALID_HANDLE`; verbs errors through the errno table.
 */
export function NdkConnectQp(qp: QueuePair, peer: QpAddress): number {
  return guarded(() => {
    if (!QueuePair.is(qp)) return STATUS_INVALID_HANDLE;
    return qp.requestConnect(peer).status;
  });
}

/**
 * RDMA WRITE of the one entry of `sgl` to `remoteAddress` with `remoteToken`. `flags` must be 0.
 * @returns `STATUS_SUCCESS` (posted; the result comes through the initiator queue);
 *   `STATUS_INVALID_DEVICE_STATE` (not connected, region not registered);
 *   `STATUS_INVALID_BUFFER_SIZE` (outside the region); `STATUS_NOT_SUPPORTED` (several entries);
 *   `STATUS_INVALID_PARAMETER`; `STATUS_INVALID_HANDLE`.
 */
export function NdkWrite(
  qp: QueuePair,
  requestContext: unknown,
  sgl: NdkSge | NdkSge[],
  remoteAddress: bigint | number,
  remoteToken: number,
  flags = 0,
): number {
  return post(qp, 'write', requestContext, sgl, flags, remoteAddress, remoteToken);
}

/** RDMA READ from `remoteAddress` with `remoteToken` into the one entry of `sgl`; as {@link NdkWrite}. */
export function NdkRead(
  qp: QueuePair,
  requestContext: unknown,
  sgl: NdkSge | NdkSge[],
  remoteAddress: bigint | number,
  remoteToken: number,
  flags = 0,
): number {
  return post(qp, 'read', requestContext, sgl, flags, remoteAddress, remoteToken);
}

/** SEND of the one entry of `sgl` into the peer's next receive; as {@link NdkWrite}. */
export function NdkSend(
  qp: QueuePair,
  requestContext: unknown,
  sgl: NdkSge | NdkSge[],
  flags = 0,
): number {
  return post(qp, 'send', requestContext, sgl, flags);
}

/** Posts a receive into the one entry of `sgl` (allowed before connecting); as {@link NdkWrite}. */
export function NdkReceive(qp: QueuePair, requestContext: unknown, sgl: NdkSge | NdkSge[]): number {
  return post(qp, 'receive', requestContext, sgl, 0);
}

/**
 * Creates a memory window (type 2, unbound) into `out.value`. Completes inline.
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
    if (typeof createCompletion !== 'function' || !isOut(out)) return STATUS_INVALID_PARAMETER;
    const outcome = pd.requestCreateMw();
    if (outcome.mw) out.value = outcome.mw;
    return outcome.status;
  });
}

/**
 * Binds `mw` over `length` bytes at `offset` into the registered region `mr`, granting `flags`
 * (`NDK_MR_FLAG_ALLOW_REMOTE_READ` and/or `_REMOTE_WRITE`). Posted on `qp` (same protection domain,
 * connected); the result arrives on its initiator completion queue, and once it succeeded
 * `NdkGetRemoteTokenFromMw` gives the window's token. While bound, the region cannot be
 * deregistered (`STATUS_DEVICE_BUSY`).
 * @returns `STATUS_SUCCESS` (posted); `STATUS_INVALID_DEVICE_STATE` when already bound;
 *   `STATUS_DEVICE_BUSY` with a bind or invalidation pending; `STATUS_INVALID_HANDLE`;
 *   `STATUS_INVALID_PARAMETER`; `STATUS_INVALID_BUFFER_SIZE` outside the registration.
 */
export function NdkBind(
  qp: QueuePair,
  requestContext: unknown,
  mr: MemoryRegion,
  mw: MemoryWindow,
  offset: number,
  length: number,
  flags: number,
): number {
  return guarded(() => {
    if (!QueuePair.is(qp)) return STATUS_INVALID_HANDLE;
    return qp.requestBind(requestContext, mr, mw, offset, length, flags).status;
  });
}

/**
 * Invalidates `mw` (a local invalidation posted on `qp`): once its result arrives with success, the
 * window's token grants nothing.
 * @returns `STATUS_SUCCESS` (posted); `STATUS_INVALID_DEVICE_STATE` when not bound;
 *   `STATUS_DEVICE_BUSY`; `STATUS_INVALID_HANDLE`.
 */
export function NdkInvalidate(qp: QueuePair, requestContext: unknown, mw: MemoryWindow): number {
  return guarded(() => {
    if (!QueuePair.is(qp)) return STATUS_INVALID_HANDLE;
    return qp.requestInvalidate(requestContext, mw).status;
  });
}

/**
 * The window's remote token into `out.value`, while it is bound.
 * @returns `STATUS_SUCCESS`; `STATUS_INVALID_DEVICE_STATE` when not bound; `STATUS_INVALID_HANDLE`.
 */
export function NdkGetRemoteTokenFromMw(mw: MemoryWindow, out: NdkOut<number>): number {
  return guarded(() => {
    if (!MemoryWindow.is(mw)) return STATUS_INVALID_HANDLE;
    if (!isOut(out)) return STATUS_INVALID_PARAMETER;
    const outcome = mw.token();
    if (outcome.token !== undefined) out.value = outcome.token;
    return outcome.status;
  });
}

function post(
  qp: unknown,
  type: NdkRequestType,
  requestContext: unknown,
  sgl: unknown,
  flags: unknown,
  remoteAddress?: unknown,
  remoteToken?: unknown,
): number {
  return guarded(() => {
    if (!QueuePair.is(qp)) return STATUS_INVALID_HANDLE;
    if (flags !== 0 && flags !== undefined) return STATUS_INVALID_PARAMETER;
    return qp.requestPost(type, requestContext, sgl, remoteAddress, remoteToken).status;
  });
}

function isOut(out: unknown): out is NdkOut<unknown> {
  return typeof out === 'object' && out !== null;
}
