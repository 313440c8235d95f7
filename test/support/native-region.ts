/**
 * A memory region straight on the addon (lib/native.ts), below the facade, for the tests of what
 * the addon itself must guarantee whatever its caller does: its own device, protection domain,
 * region and request queue, and the results that queue delivers.
 */

import {
  type DeviceHandle,
  isMrHandle,
  type MrHandle,
  type MrQueueHandle,
  type PdHandle,
  native,
} from '../../lib/native';
import { requireDevices } from './devices';

/** IBV_ACCESS_LOCAL_WRITE. */
export const LOCAL_WRITE = 1;

/** One native region and the queue its deferred requests go through. */
export interface NativeRegion {
  readonly device: DeviceHandle;
  readonly pd: PdHandle;
  readonly mr: MrHandle;
  readonly queue: MrQueueHandle;
  /** The errno delivered for deferred request `id` (waits for it). */
  resultOf(id: number): Promise<number>;
  /** The entries' errnos of the last delivery that carried a batch. */
  readonly lastBatchErrors: Int32Array | undefined;
  /** Releases the region (its registration and handle), domain and device. */
  close(): void;
}

function handleOrThrow<T>(result: T | number, what: string): T {
  if (typeof result === 'number') throw new Error(`${what} failed: ${result}`);
  return result;
}

/** A new region of `pd` (release it with `native.mrRelease`). */
export function createNativeMr(pd: PdHandle): MrHandle {
  const created = native.mrCreate(pd);
  if (!isMrHandle(created)) throw new Error(`mrCreate failed: ${created}`);
  return created;
}

/** Opens the first required device and creates one unregistered region on it. */
export function openNativeRegion(): NativeRegion {
  const [device] = requireDevices();
  const deviceHandle: DeviceHandle = handleOrThrow(
    native.deviceOpen(device, () => undefined),
    'deviceOpen',
  );
  const pd: PdHandle = handleOrThrow(native.pdAlloc(deviceHandle), 'pdAlloc');
  const mr = createNativeMr(pd);
  const results = new Map<number, number>();
  let delivered: () => void = () => {};
  let lastBatchErrors: Int32Array | undefined;
  const queue = native.mrQueueCreate((batch, batchErrors) => {
    for (let i = 0; i < batch.length; i += 2) results.set(batch[i], batch[i + 1]);
    // A copy: the addon reuses the memory `batchErrors` views for its next delivery.
    if (batchErrors !== undefined) lastBatchErrors = batchErrors.slice();
    delivered();
  });
  return {
    device: deviceHandle,
    pd,
    mr,
    queue,
    get lastBatchErrors() {
      return lastBatchErrors;
    },
    async resultOf(id) {
      while (!results.has(id)) await new Promise<void>((resolve) => (delivered = resolve));
      return results.get(id) as number;
    },
    close() {
      native.mrDeregister(mr, 0);
      native.mrRelease(mr);
      expect(native.pdDealloc(pd)).toBe(0);
      expect(native.deviceClose(deviceHandle)).toBe(0);
    },
  };
}

/** Spins (the event loop held, so no result can be delivered meanwhile) until `mr` is in `state`. */
export function spinUntilState(mr: MrHandle, state: number, timeoutMs = 10000): void {
  const end = Date.now() + timeoutMs;
  while (native.mrState(mr) !== state) {
    if (Date.now() > end) throw new Error(`region still in state ${native.mrState(mr)}`);
  }
}
