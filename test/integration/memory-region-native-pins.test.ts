/**
 * What the addon keeps alive under a registration, checked on the addon itself (the facade refuses
 * these cases earlier; the addon must not rely on it): a deferred result releases only its own
 * registration's view, and a resizable buffer is never registered.
 */

import { NativeMrState, NativeResult, native } from '../../lib/native';
import { collectUntil } from '../support/gc';
import { kernelMrCount } from '../support/kernel';
import {
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

// Registers a fresh buffer inline and lets go of it: only the region can keep it alive.
function registerFreshBuffer(): WeakRef<ArrayBuffer> {
  const buffer = new ArrayBuffer(4096);
  expect(native.mrRegister(region.mr, new Uint8Array(buffer), LOCAL_WRITE, 0)).toBe(0);
  return new WeakRef(buffer);
}

test('a deregistration delivered after the region was registered again keeps the new view', async () => {
  const { mr, queue } = region;
  expect(native.mrRegister(mr, new Uint8Array(4096), LOCAL_WRITE, 0)).toBe(0);
  const deregistration = 1;
  expect(native.mrDeregister(mr, deregistration, queue)).toBe(NativeResult.Pending);
  native.mrQueueFlush(queue);
  // The deregistration is done, its result not yet delivered: register other memory now.
  spinUntilState(mr, NativeMrState.Unregistered);
  const second = registerFreshBuffer();
  expect(await region.resultOf(deregistration)).toBe(0);

  expect(await collectUntil(() => second.deref() === undefined, 5)).toBe(false);
  expect(native.mrState(mr)).toBe(NativeMrState.Registered);
  // Released with its own deregistration (which shows the check above can see a collection).
  expect(native.mrDeregister(mr, 0)).toBe(0);
  expect(await collectUntil(() => second.deref() === undefined)).toBe(true);
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
