/**
 * What the addon keeps alive under a registration, checked on the addon itself (the facade refuses
 * these cases earlier; the addon must not rely on it): the registered bytes, never the JavaScript
 * object (the facade keeps that); a deferred result that arrives after the region was registered
 * again leaves the new registration alone; and a resizable buffer is never registered.
 */

import { NativeMrState, NativeResult, native } from '../../lib/native';
import { collectUntil } from '../support/gc';
import { kernelMrCount } from '../support/kernel';
import {
  createNativeMr,
  LOCAL_WRITE,
  type NativeRegion,
  openNativeRegion,
  spinUntilState,
} from '../support/native-region';

let region: NativeRegion;
beforeAll(() => {
  region = openNativeRegion();
});
afterAll(() => {
  region.close();
  expect(kernelMrCount()).toBe(0);
});

// Registers a fresh buffer inline and lets go of it: nothing in JS refers to it any more.
function registerFreshBuffer(): WeakRef<ArrayBuffer> {
  const buffer = new ArrayBuffer(4096);
  expect(native.mrRegister(region.mr, new Uint8Array(buffer), LOCAL_WRITE, 0)).toBe(0);
  return new WeakRef(buffer);
}

test('a deregistration delivered after the region was registered again leaves the new registration', async () => {
  const { mr, queue } = region;
  expect(native.mrRegister(mr, new Uint8Array(4096), LOCAL_WRITE, 0)).toBe(0);
  const deregistration = 1;
  expect(native.mrDeregister(mr, deregistration, queue)).toBe(NativeResult.Pending);
  native.mrQueueFlush(queue);
  // The deregistration is done, its result not yet delivered: register other memory now.
  spinUntilState(mr, NativeMrState.Unregistered);
  registerFreshBuffer();
  const keys = native.mrKeys(mr);
  expect(await region.resultOf(deregistration)).toBe(0);

  expect(native.mrState(mr)).toBe(NativeMrState.Registered);
  expect(native.mrKeys(mr)).toEqual(keys);
  expect(native.mrDeregister(mr, 0)).toBe(0);
});

test('the addon holds the registered bytes, not the JavaScript object over them', async () => {
  const { mr } = region;
  const buffer = registerFreshBuffer();
  // The ArrayBuffer may go (the facade, not the addon, keeps the caller's object); its backing
  // store stays with the registration (a peer reading it after such a collection: the transfer
  // case of memory-region-pinning.test.ts).
  expect(await collectUntil(() => buffer.deref() === undefined)).toBe(true);
  expect(native.mrState(mr)).toBe(NativeMrState.Registered);
  expect(native.mrKeys(mr)).not.toBeNull();
  expect(native.mrDeregister(mr, 0)).toBe(0);
  expect(kernelMrCount()).toBe(0);
});

test('a batch names regions by slot; a slot naming no live region is refused alone, a negative entry left as it is', async () => {
  const { pd, mr, queue } = region;
  const other = createNativeMr(pd);
  expect(native.mrSlot(other)).not.toBe(native.mrSlot(mr));
  for (const handle of [mr, other]) {
    expect(native.mrRegister(handle, new Uint8Array(4096), LOCAL_WRITE, 0)).toBe(0);
  }
  const unused = 1 << 20; // no region of this domain has that slot
  const settled = -0x80000000; // an entry the caller settled itself
  const entries = Int32Array.of(native.mrSlot(mr), unused, settled, native.mrSlot(other));
  const batch = 2;
  expect(native.mrDeregisterBatch(pd, entries, batch, queue)).toBe(2);
  // The entries are answered in place.
  expect([...entries]).toEqual([
    NativeResult.Pending,
    NativeResult.Gone,
    settled,
    NativeResult.Pending,
  ]);
  native.mrQueueFlush(queue);
  expect(await region.resultOf(batch)).toBe(0);
  expect([...region.lastBatchErrors!]).toEqual([0, 0, 0, 0]);
  expect(native.mrState(mr)).toBe(NativeMrState.Unregistered);
  expect(native.mrState(other)).toBe(NativeMrState.Unregistered);
  expect(kernelMrCount()).toBe(0);
  native.mrRelease(other);
  // (By message: the addon's TypeError comes from another realm than the test's.)
  expect(() => native.mrDeregisterBatch(pd, [0] as unknown as Int32Array, 3, queue)).toThrow(
    'entries must be an Int32Array',
  );
});

test.each([
  ['a resizable ArrayBuffer', () => new ArrayBuffer(4096, { maxByteLength: 8192 })],
  ['a growable SharedArrayBuffer', () => new SharedArrayBuffer(4096, { maxByteLength: 8192 })],
])('%s is refused by the addon itself', (_name, create) => {
  const { mr } = region;
  expect(native.mrRegister(mr, new Uint8Array(create()), LOCAL_WRITE, 0)).toBe(
    NativeResult.BadArgument,
  );
  expect(native.mrState(mr)).toBe(NativeMrState.Unregistered);
  expect(kernelMrCount()).toBe(0);
});
