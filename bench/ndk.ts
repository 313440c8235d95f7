/**
 * Small helpers over the NDK-style calls for the benchmark: open a protection domain, create a
 * region with a given completion policy, and do a register or deregister that may complete inline
 * or deferred, as a promise.
 *
 * @packageDocumentation
 */

import {
  type Adapter,
  type CompletionPolicy,
  type MemoryRegion,
  type NdkOut,
  type ProtectionDomain,
} from '../lib';
import { ndk } from './target';

const {
  NdkCreateMr,
  NdkCreatePd,
  NdkDeregisterMr,
  NdkMrFlags,
  NdkOpenAdapter,
  NdkRegisterMr,
  NtStatus,
  ntStatusName,
} = ndk;

/** The flags every registration of the benchmark uses (the C program's IBV_ACCESS_LOCAL_WRITE). */
export const FLAGS = NdkMrFlags.NDK_MR_FLAG_ALLOW_LOCAL_WRITE;

const { STATUS_SUCCESS, STATUS_PENDING } = NtStatus;

/** Throws unless `status` is one of `allowed`. */
export function expectStatus(what: string, status: number, ...allowed: number[]): void {
  if (!allowed.includes(status)) throw new Error(`${what}: ${ntStatusName(status)}`);
}

/** The benchmark's adapter and protection domain, opened NDK style. */
export function openPd(device: string): { adapter: Adapter; pd: ProtectionDomain } {
  const adapter: NdkOut<Adapter> = {};
  expectStatus('NdkOpenAdapter', NdkOpenAdapter(device, adapter), STATUS_SUCCESS);
  const pd: NdkOut<ProtectionDomain> = {};
  expectStatus(
    'NdkCreatePd',
    NdkCreatePd(adapter.value!, () => {}, null, pd),
    STATUS_SUCCESS,
  );
  return { adapter: adapter.value!, pd: pd.value! };
}

/** A new (unregistered) region with `policy`. */
export function createMr(pd: ProtectionDomain, policy: CompletionPolicy): MemoryRegion {
  const mr: NdkOut<MemoryRegion> = {};
  const status = NdkCreateMr(pd, false, () => {}, null, mr, { completionPolicy: policy });
  expectStatus('NdkCreateMr', status, STATUS_SUCCESS);
  return mr.value!;
}

/** `NdkRegisterMr` that must complete inline. */
export function registerInline(
  mr: MemoryRegion,
  memory: ArrayBuffer | ArrayBufferView,
  bytes: number,
): void {
  expectStatus('NdkRegisterMr', NdkRegisterMr(mr, memory, bytes, FLAGS, fail), STATUS_SUCCESS);
}

/** `NdkDeregisterMr` that must complete inline. */
export function deregisterInline(mr: MemoryRegion): void {
  expectStatus('NdkDeregisterMr', NdkDeregisterMr(mr, fail), STATUS_SUCCESS);
}

/** `NdkRegisterMr`, resolved when it has completed (inline or through the completion). */
export function register(mr: MemoryRegion, memory: ArrayBuffer, bytes: number): Promise<void> {
  return request('NdkRegisterMr', (done) => NdkRegisterMr(mr, memory, bytes, FLAGS, done));
}

/** `NdkDeregisterMr`, resolved when it has completed (inline or through the completion). */
export function deregister(mr: MemoryRegion): Promise<void> {
  return request('NdkDeregisterMr', (done) => NdkDeregisterMr(mr, done));
}

function request(
  what: string,
  start: (done: (context: unknown, status: number) => void) => number,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (status: number): void => {
      if (status === STATUS_SUCCESS) resolve();
      else reject(new Error(`${what}: ${ntStatusName(status)}`));
    };
    const status = start((_context, late) => settle(late));
    if (status !== STATUS_PENDING) settle(status);
  });
}

function fail(): void {
  throw new Error('an inline request called its completion');
}
