/**
 * The validated parts of a work request: one scatter/gather entry inside a registered region, and
 * the remote address and token of an RDMA request.
 *
 * @packageDocumentation
 */

import { type MrHandle } from '../native';
import { NtStatus } from '../status/nt-status';
import { MemoryRegion } from './memory-region';
import { kWorkHandle } from './internal';
import { type Outcome, refused } from './outcome';

/**
 * `NDK_SGE`: `length` bytes at `offset` (default 0) into the registered region `mr`, which must be
 * in the queue pair's protection domain. Its local token is the region's own.
 */
export interface NdkSge {
  readonly mr: MemoryRegion;
  readonly offset?: number;
  readonly length: number;
}

/** A validated local side. */
export interface LocalSlice {
  readonly handle: MrHandle;
  readonly offset: number;
  readonly length: number;
}

/** A validated remote side. */
export interface RemoteSide {
  readonly address: bigint;
  readonly token: number;
}

const MAX_LENGTH = 2 ** 31; // ibv_sge.length is 32 bits; verbs messages are at most 2 GiB

/**
 * The one entry of `sgl` (an `NdkSge` or an array holding exactly one), or the refusal:
 * `STATUS_NOT_SUPPORTED` for more than one entry, `STATUS_INVALID_DEVICE_STATE` for a region that
 * is not registered, `STATUS_INVALID_BUFFER_SIZE` outside the registration, else
 * `STATUS_INVALID_PARAMETER`.
 */
export function localSlice(sgl: unknown): LocalSlice | Outcome {
  const entries = Array.isArray(sgl) ? (sgl as unknown[]) : [sgl];
  if (entries.length !== 1) {
    return entries.length === 0
      ? refused(NtStatus.STATUS_INVALID_PARAMETER, 'the scatter/gather list is empty')
      : refused(NtStatus.STATUS_NOT_SUPPORTED, 'one scatter/gather entry per request');
  }
  const entry = entries[0];
  if (typeof entry !== 'object' || entry === null) {
    return refused(NtStatus.STATUS_INVALID_PARAMETER, 'an SGE is { mr, offset?, length }');
  }
  const { mr, offset = 0, length } = entry as Record<string, unknown>;
  if (!MemoryRegion.is(mr)) {
    return refused(NtStatus.STATUS_INVALID_PARAMETER, 'sge.mr must be a MemoryRegion');
  }
  if (!isSafeUint(offset) || !isSafeUint(length) || length > MAX_LENGTH) {
    return refused(NtStatus.STATUS_INVALID_PARAMETER, 'sge offset and length must be integers');
  }
  const handle = mr[kWorkHandle];
  if (handle === undefined) {
    return refused(NtStatus.STATUS_INVALID_DEVICE_STATE, 'sge.mr is not registered');
  }
  if (offset + length > mr.length) {
    return refused(NtStatus.STATUS_INVALID_BUFFER_SIZE, 'the SGE lies outside the registration');
  }
  return { handle, offset, length };
}

/** The remote address (bigint or safe integer) and 32-bit token, or the refusal. */
export function remoteSide(address: unknown, token: unknown): RemoteSide | Outcome {
  let value: bigint | undefined;
  if (typeof address === 'bigint') value = address;
  else if (isSafeUint(address)) value = BigInt(address);
  if (value === undefined || value < 0n || value >= 1n << 64n) {
    return refused(NtStatus.STATUS_INVALID_PARAMETER, 'remoteAddress must be a 64-bit address');
  }
  if (typeof token !== 'number' || !Number.isInteger(token) || token < 0 || token > 0xffffffff) {
    return refused(NtStatus.STATUS_INVALID_PARAMETER, 'remoteToken must be a 32-bit integer');
  }
  return { address: value, token };
}

function isSafeUint(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
