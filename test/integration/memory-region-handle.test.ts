/**
 * A memory region's native handle is a plain number, its id in the addon's per-environment
 * registry. Every function that takes one refuses, with a TypeError, a value that names no live
 * region: a released id (even once a new region took its slot), another kind of handle, a number
 * that is no id. And the facade releases a region's id when the region is closed or collected.
 */

import { type MemoryRegion } from '../../lib';
import {
  type CqHandle,
  type MrHandle,
  type MwHandle,
  NativeMrState,
  NativeResult,
  NativeWorkOp,
  native,
  type QpHandle,
} from '../../lib/native';
import { kHandle } from '../../lib/ndk/internal';
import { useDomainFixture } from '../support/domain-fixture';
import { collectUntil } from '../support/gc';
import { kernelMrCount } from '../support/kernel';
import {
  createNativeMr,
  LOCAL_WRITE,
  type NativeRegion,
  openNativeRegion,
} from '../support/native-region';

// (By message: the addon's TypeError comes from another realm than the test's.)
const NOT_A_REGION = 'expected a memory region handle';

const fixture = useDomainFixture();
let region: NativeRegion;
let cq: CqHandle;
let qp: QpHandle;
let mw: MwHandle;

beforeAll(() => {
  region = openNativeRegion();
  const cqHandle = native.cqCreate(region.device, 4, () => undefined, 1);
  if (typeof cqHandle === 'number') throw new Error(`cqCreate failed: ${cqHandle}`);
  cq = cqHandle;
  const qpHandle = native.qpCreate(region.pd, cq, cq, 4, 4, 6, 7, 14);
  if (typeof qpHandle === 'number') throw new Error(`qpCreate failed: ${qpHandle}`);
  qp = qpHandle;
  const mwHandle = native.mwAlloc(region.pd);
  if (typeof mwHandle === 'number') throw new Error(`mwAlloc failed: ${mwHandle}`);
  mw = mwHandle;
});

afterAll(async () => {
  expect(native.mwDealloc(mw)).toBe(0);
  const destroyed = new Promise<number>((resolve) => {
    expect(native.qpDestroy(qp, resolve)).toBe(NativeResult.Pending);
  });
  expect(await destroyed).toBe(0);
  expect(native.cqDestroy(cq)).toBe(0);
  region.close();
});

// Every addon function that takes a region's handle, called with `mr`. None posts anything while
// `mr` is unregistered: the local side is checked first (NativeResult.WrongState).
function usesOf(mr: unknown): Array<[string, () => unknown]> {
  const handle = mr as MrHandle;
  return [
    ['mrSlot', () => native.mrSlot(handle)],
    ['mrKeys', () => native.mrKeys(handle)],
    ['mrAddress', () => native.mrAddress(handle)],
    ['mrState', () => native.mrState(handle)],
    ['mrDeregister', () => native.mrDeregister(handle, 0)],
    ['mrDeregister deferred', () => native.mrDeregister(handle, 7, region.queue)],
    ['qpPostSend', () => native.qpPostSend(qp, NativeWorkOp.Send, 1, handle, 0, 16)],
    ['qpPostRecv', () => native.qpPostRecv(qp, 1, handle, 0, 16)],
    ['qpPostBindMw', () => native.qpPostBindMw(qp, mw, 1, handle, 0, 16, 2)],
    ['mrRegister', () => native.mrRegister(handle, new Uint8Array(64), LOCAL_WRITE, 0)],
  ];
}

// The message of what each use threw ('' for none), by name.
function refusals(mr: unknown): Record<string, string> {
  const thrown: Record<string, string> = {};
  for (const [name, use] of usesOf(mr)) {
    try {
      use();
      thrown[name] = '';
    } catch (error) {
      thrown[name] = `${(error as Error).name}: ${(error as Error).message}`;
    }
  }
  return thrown;
}

function refusedEverywhere(): Record<string, string> {
  return Object.fromEntries(usesOf(0).map(([name]) => [name, `TypeError: ${NOT_A_REGION}`]));
}

test('a handle is a small non-negative integer, accepted while its region lives', () => {
  const mr = createNativeMr(region.pd);
  expect(Number.isInteger(mr) && mr >= 0 && mr < 2 ** 30).toBe(true);
  const live = {
    slot: native.mrSlot(mr),
    keys: native.mrKeys(mr),
    state: native.mrState(mr),
    deregister: native.mrDeregister(mr, 0),
    send: native.qpPostSend(qp, NativeWorkOp.Send, 1, mr, 0, 16),
    receive: native.qpPostRecv(qp, 1, mr, 0, 16),
    bind: native.qpPostBindMw(qp, mw, 1, mr, 0, 16, 2),
  };
  expect(live).toEqual({
    slot: expect.any(Number) as number,
    keys: null,
    state: NativeMrState.Unregistered,
    deregister: NativeResult.WrongState,
    send: NativeResult.WrongState,
    receive: NativeResult.WrongState,
    bind: NativeResult.WrongState,
  });
  native.mrRelease(mr);
});

test('a released handle is refused by every function that takes one', () => {
  const mr = createNativeMr(region.pd);
  native.mrRelease(mr);
  expect(refusals(mr)).toEqual(refusedEverywhere());
  native.mrRelease(mr); // a second release does nothing
  expect(kernelMrCount()).toBe(0);
});

test('a released handle does not name the region that took its slot', () => {
  const old = createNativeMr(region.pd);
  native.mrRelease(old);
  const reused = createNativeMr(region.pd);
  // The new region did take the old one's slot (what makes this test mean something).
  expect(Math.floor(reused / 1024)).toBe(Math.floor(old / 1024));
  expect(reused).not.toBe(old);
  expect(native.mrRegister(reused, new Uint8Array(4096), LOCAL_WRITE, 0)).toBe(0);

  expect(refusals(old)).toEqual(refusedEverywhere());
  native.mrRelease(old); // names nothing: the new region stays
  expect(native.mrState(reused)).toBe(NativeMrState.Registered);
  expect(native.mrKeys(reused)).not.toBeNull();
  expect(native.mrDeregister(reused, 0)).toBe(0);
  native.mrRelease(reused);
  expect(kernelMrCount()).toBe(0);
});

test('values that are not region handles are refused', () => {
  const { mr } = region;
  const notHandles: Array<[string, unknown]> = [
    ['a device handle', region.device],
    ['a protection-domain handle', region.pd],
    ['a queue-pair handle', qp],
    ['-1', -1],
    ['1.5', 1.5],
    // (Within the slot: the generation is the id's last 10 bits.)
    ['a live slot with another generation', mr % 1024 === 1023 ? mr - 1 : mr + 1],
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['a huge number', 2 ** 52],
    ['beyond the last slot', mr + 1024 * 1024 * 1024],
    ['the id as a string', String(mr)],
    ['the id as a bigint', BigInt(mr)],
    ['undefined', undefined],
    ['an object', { valueOf: () => mr }],
  ];
  for (const [name, value] of notHandles) {
    expect([name, refusals(value)]).toEqual([name, refusedEverywhere()]);
  }
  // A release names a live region or nothing: none of these releases the live one.
  for (const [, value] of notHandles) {
    try {
      native.mrRelease(value as MrHandle);
    } catch (error) {
      expect((error as Error).message).toBe(NOT_A_REGION);
    }
  }
  expect(native.mrState(mr)).toBe(NativeMrState.Unregistered);
});

describe('the facade releases a region handle', () => {
  function isReleased(handle: MrHandle): boolean {
    try {
      native.mrState(handle);
      return false;
    } catch (error) {
      if ((error as Error).message !== NOT_A_REGION) throw error;
      return true;
    }
  }

  test.each([false, true])('when the region is closed (registered: %s)', async (registered) => {
    const mr = await fixture.pd.createMr();
    if (registered) await mr.register(new Uint8Array(4096));
    const handle = mr[kHandle];
    expect(isReleased(handle)).toBe(false);
    await mr.close();
    expect(isReleased(handle)).toBe(true);
    expect(kernelMrCount()).toBe(0);
  });

  test.each([false, true])('when the region is collected (registered: %s)', async (registered) => {
    const warning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      // Only the number outlives this scope: it keeps nothing alive.
      const handle = await (async () => {
        const mr: MemoryRegion = await fixture.pd.createMr();
        if (registered) await mr.register(new Uint8Array(4096));
        return mr[kHandle];
      })();
      expect(isReleased(handle)).toBe(false);
      expect(await collectUntil(() => isReleased(handle))).toBe(true);
      expect(kernelMrCount()).toBe(0);
    } finally {
      warning.mockRestore();
    }
  });
});
