/**
 * The NDK-style functions of a queue pair (NDK's QP dispatch table): `NdkGetQpAddress`,
 * `NdkConnectQp`, `NdkWrite`, `NdkRead`, `NdkSend`, `NdkReceive`, `NdkBind`, `NdkInvalidate`.
 *
 * Posting returns `STATUS_SUCCESS` once the request is queued; its result — with the request
 * context — is then polled from the completion queue exactly once (`NdkArmCq` → notification →
 * `NdkGetCqResults`).
 *
 * @packageDocumentation
 */

import { NtStatus } from '../../status/nt-status';
import { kBind, kConnect, kInvalidate, kLocalAddress, kPost } from '../internal';
import { type MemoryRegion } from '../memory-region';
import { type MemoryWindow } from '../memory-window';
import { guarded } from '../outcome';
import { type ConnectOptions, type GidChoice } from '../gid-choice';
import { type QpAddress } from '../qp-address';
import { QueuePair } from '../queue-pair';
import { type NdkSge } from '../work-request';
import { type NdkRequestType } from '../work-result';
import { isOut, type NdkOut } from './types';

const { STATUS_INVALID_HANDLE, STATUS_INVALID_PARAMETER } = NtStatus;

/**
 * This queue pair's address (`{ gid, qpn, psn, port }`) into `out.value`, for the peer. Its GID is
 * GID index 0 of the port, or the one `options` choose (`gidIndex`, or `gidFamily` 'ipv4' /
 * 'ipv6' with RoCE v2 preferred); `NdkConnectQp` then speaks from the same GID.
 * @returns `STATUS_SUCCESS`; `STATUS_INVALID_HANDLE`; `STATUS_INVALID_PARAMETER` (also for a GID
 *   that does not exist, or both `gidIndex` and `gidFamily`);
 *   `STATUS_INVALID_DEVICE_STATE` when the port's GID 0 is empty (all zero: no address a peer could
 *   reach); `STATUS_IO_DEVICE_ERROR` when the GID cannot be read and verbs gives no reason; other
 *   verbs errors through the errno table. `out.value` is set only on success.
 */
export function NdkGetQpAddress(
  qp: QueuePair,
  out: NdkOut<QpAddress>,
  options?: GidChoice,
): number {
  return guarded(() => {
    if (!QueuePair.is(qp)) return STATUS_INVALID_HANDLE;
    if (!isOut(out)) return STATUS_INVALID_PARAMETER;
    const outcome = qp[kLocalAddress](options);
    if (outcome.address) out.value = outcome.address;
    return outcome.status;
  });
}

/**
 * Connects to the peer's address (however the caller obtained it): INIT → RTR → RTS over RoCE,
 * from the GID the last `NdkGetQpAddress` used (index 0 if never called) unless `options` choose
 * one, with path MTU `options.pathMtu` (default 1024). Completes inline.
 * @returns `STATUS_SUCCESS`; `STATUS_INVALID_DEVICE_STATE` when already connected;
 *   `STATUS_INVALID_PARAMETER` (also for a GID that does not exist or a bad path MTU);
 *   `STATUS_INVALID_HANDLE`; verbs errors through the errno table.
 */
export function NdkConnectQp(qp: QueuePair, peer: QpAddress, options?: ConnectOptions): number {
  return guarded(() => {
    if (!QueuePair.is(qp)) return STATUS_INVALID_HANDLE;
    return qp[kConnect](peer, options).status;
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
    return qp[kBind](requestContext, mr, mw, offset, length, flags).status;
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
    return qp[kInvalidate](requestContext, mw).status;
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
    return qp[kPost](type, requestContext, sgl, remoteAddress, remoteToken).status;
  });
}
