/**
 * What memory can be registered, and how it is kept alive and in place while it is.
 *
 * Accepted: memory from {@link allocate} (page aligned, owned natively), and any `Buffer`,
 * `TypedArray`, `DataView`, `ArrayBuffer` or `SharedArrayBuffer`. While a region is registered:
 * - the memory is kept by the region (a strong reference from the `MemoryRegion`), so dropping
 *   every other JS reference to it frees nothing;
 * - the addon holds the bytes themselves (the `ArrayBuffer`'s backing store, or the block of
 *   {@link allocate} memory) until the registration is gone, even if the region object is
 *   collected while registered, so detaching the `ArrayBuffer` (a BYOB stream read into it,
 *   `ArrayBuffer.prototype.transfer()`) frees nothing either: the detached buffer shows 0 bytes,
 *   the buffer that took them over shares the registered bytes, and they are freed only once the
 *   registration is gone and no JS object holds them;
 * - its `ArrayBuffer` is marked untransferable (`worker_threads.markAsUntransferable`), so
 *   `postMessage`/`structuredClone` copy it instead of detaching it — the mark is permanent.
 * Refused (`STATUS_INVALID_PARAMETER`):
 * - resizable `ArrayBuffer`s: shrinking one would release pages under the registration;
 * - slices of Node's shared `Buffer` pool (`Buffer.from(string)`, small `Buffer.allocUnsafe`): the
 *   registration would pin and expose pages that unrelated Buffers live in. Use `Buffer.alloc`,
 *   `Buffer.allocUnsafeSlow` or {@link allocate}.
 *
 * @packageDocumentation
 */

import { types } from 'node:util';
import { markAsUntransferable } from 'node:worker_threads';

import { native } from '../native';
import { NdkError } from '../status/ndk-error';
import { NtStatus } from '../status/nt-status';
import { type Outcome, refused } from './outcome';

/** Memory that {@link NdkRegisterMr} and `MemoryRegion.register()` accept. */
export type RegistrableMemory = ArrayBuffer | SharedArrayBuffer | ArrayBufferView;

/** A validated registration target: the exact bytes to register. */
export interface RegistrationTarget {
  readonly view: Uint8Array;
}

/**
 * Checks `memory` and `length` and returns the bytes to register, or the status that refuses them:
 * `STATUS_INVALID_PARAMETER` for anything that is not registrable memory or not a safe integer
 * length, `STATUS_INVALID_BUFFER_SIZE` for a length of 0 or beyond the memory's end.
 */
export function registrationTarget(memory: unknown, length: unknown): RegistrationTarget | Outcome {
  const bytes = bytesOf(memory);
  if (bytes === undefined) {
    return refused(
      NtStatus.STATUS_INVALID_PARAMETER,
      'memory must be a Buffer, TypedArray, DataView, ArrayBuffer or SharedArrayBuffer, not detached',
    );
  }
  if (typeof length !== 'number' || !Number.isSafeInteger(length) || length < 0) {
    return refused(NtStatus.STATUS_INVALID_PARAMETER, 'length must be a non-negative safe integer');
  }
  if (length === 0) return refused(NtStatus.STATUS_INVALID_BUFFER_SIZE, 'length is 0');
  if (length > bytes.byteLength) {
    return refused(
      NtStatus.STATUS_INVALID_BUFFER_SIZE,
      `length ${length} is beyond the memory's ${bytes.byteLength} bytes`,
    );
  }
  const buffer = bytes.buffer;
  // util.types, not instanceof: memory may come from another realm (vm contexts, test runners).
  if (types.isArrayBuffer(buffer) && buffer.resizable) {
    return refused(
      NtStatus.STATUS_INVALID_PARAMETER,
      'resizable ArrayBuffers are refused: shrinking one would free pages under the registration',
    );
  }
  if (isSharedPoolSlice(memory, buffer)) {
    return refused(
      NtStatus.STATUS_INVALID_PARAMETER,
      "Buffer is a slice of Node's shared pool; use Buffer.alloc(), Buffer.allocUnsafeSlow() or allocate()",
    );
  }
  if (types.isArrayBuffer(buffer)) markAsUntransferable(buffer);
  // The whole of `memory` (the usual case) needs no second view.
  return { view: length === bytes.byteLength ? bytes : bytes.subarray(0, length) };
}

// A Uint8Array over exactly the bytes `memory` covers, or undefined when it is not memory — or no
// longer is: a detached ArrayBuffer (transferred away) cannot even be viewed.
function bytesOf(memory: unknown): Uint8Array | undefined {
  try {
    if (types.isAnyArrayBuffer(memory)) return new Uint8Array(memory);
    if (ArrayBuffer.isView(memory)) {
      return new Uint8Array(memory.buffer, memory.byteOffset, memory.byteLength);
    }
  } catch {
    return undefined;
  }
  return undefined;
}

// Node hands out Buffers smaller than half its pool size as slices of one shared pool ArrayBuffer of
// Buffer.poolSize bytes. A view on a pool-sized ArrayBuffer that does not cover it whole is taken as
// one; a user's own view over a pool-sized ArrayBuffer is refused too (documented).
function isSharedPoolSlice(memory: unknown, buffer: ArrayBufferLike): boolean {
  return (
    Buffer.isBuffer(memory) &&
    buffer.byteLength === Buffer.poolSize &&
    memory.byteLength !== buffer.byteLength
  );
}

/**
 * Allocates `length` bytes of zeroed, page-aligned memory owned by ndk-verbs (anonymous `mmap`),
 * for registration. The returned `ArrayBuffer` behaves like any other; its pages are unmapped only
 * once it is garbage-collected and no memory region is registered over it.
 *
 * @throws NdkError `STATUS_INVALID_PARAMETER` for a length that is not a positive safe integer,
 *   `STATUS_INSUFFICIENT_RESOURCES` when the memory cannot be mapped.
 */
export function allocate(length: number): ArrayBuffer {
  if (typeof length !== 'number' || !Number.isSafeInteger(length) || length < 1) {
    throw new NdkError(NtStatus.STATUS_INVALID_PARAMETER, {
      message: 'length must be a positive safe integer',
    });
  }
  const result = native.memoryAllocate(length);
  if (typeof result === 'number') throw NdkError.fromErrno(result, 'mmap');
  return result;
}

/** The system page size, which registrations are pinned in units of. */
export const pageSize: number = native.memoryPageSize;
