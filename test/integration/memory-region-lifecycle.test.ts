/**
 * The memory-region lifecycle through the promise API, with the kernel as referee: every size from
 * 1 byte to 64 MiB registers and deregisters, tokens are real only while registered, and closing a
 * parent closes its children first.
 */

import {
  allocate,
  MemoryRegion,
  NdkError,
  NdkMrFlags,
  NtStatus,
  ObjectState,
  openAdapter,
} from '../../lib';
import { requireDevices } from '../support/devices';
import { useDomainFixture } from '../support/domain-fixture';
import { kernelMrCount, kernelObjects } from '../support/kernel';

const KiB = 1024;
const MiB = 1024 * KiB;

const fixture = useDomainFixture();

afterEach(() => {
  expect(kernelMrCount()).toBe(0);
});

describe.each(['inline', 'deferred', 'auto'] as const)('%s completion', (completionPolicy) => {
  it.each([1, 4 * KiB + 3, 64 * KiB, MiB, 16 * MiB, 64 * MiB])(
    'registers and deregisters %d bytes',
    async (size) => {
      const mr = await fixture.pd.createMr({ completionPolicy });
      const memory = size >= MiB ? allocate(size) : Buffer.alloc(size);
      await mr.register(memory, { flags: NdkMrFlags.NDK_MR_FLAG_ALLOW_REMOTE_WRITE });

      const [row] = kernelObjects('mr');
      expect(kernelMrCount()).toBe(1);
      expect(row.mrlen).toBe(size);
      expect(parseInt(String(row.lkey), 16)).toBe(mr.localToken);
      expect(parseInt(String(row.rkey), 16)).toBe(mr.remoteToken);
      expect(mr.isRegistered).toBe(true);
      expect(mr.length).toBe(size);

      await mr.deregister();
      expect(kernelMrCount()).toBe(0);
      expect(mr.isRegistered).toBe(false);
      await mr.close();
    },
  );
});

it('gives no token while not registered, and a new one after registering again', async () => {
  await using mr = await fixture.pd.createMr();
  expect(() => mr.localToken).toThrow(NdkError);
  const memory = Buffer.alloc(8 * KiB);
  await mr.register(memory, { flags: NdkMrFlags.NDK_MR_FLAG_ALLOW_REMOTE_READ });
  const first = mr.remoteToken;
  await mr.deregister();
  try {
    void mr.remoteToken;
    throw new Error('a token was returned for a deregistered region');
  } catch (error) {
    expect(error).toBeInstanceOf(NdkError);
    expect((error as NdkError).status).toBe(NtStatus.STATUS_INVALID_DEVICE_STATE);
  }
  await mr.register(memory, { flags: NdkMrFlags.NDK_MR_FLAG_ALLOW_REMOTE_READ });
  expect(mr.remoteToken).not.toBe(first);
  expect(kernelMrCount()).toBe(1);
});

it('registers every kind of memory: ArrayBuffer, SharedArrayBuffer, TypedArray, DataView, offsets', async () => {
  const shared = new SharedArrayBuffer(3 * KiB);
  const big = new Float64Array(4096);
  const cases: Array<[string, ArrayBuffer | SharedArrayBuffer | ArrayBufferView, number]> = [
    ['ArrayBuffer', new ArrayBuffer(5000), 5000],
    ['SharedArrayBuffer', shared, 3 * KiB],
    ['Float64Array', big, big.byteLength],
    ['DataView at an offset', new DataView(big.buffer, 100, 900), 900],
    ['Buffer.allocUnsafeSlow', Buffer.allocUnsafeSlow(100), 100],
  ];
  for (const [, memory, length] of cases) {
    const mr = await fixture.pd.createMr();
    await mr.register(memory);
    expect(kernelObjects('mr').map((row) => row.mrlen)).toEqual([length]);
    await mr.close();
  }
});

it('deregisters a registered region when it is closed', async () => {
  const mr = await fixture.pd.createMr({ completionPolicy: 'deferred' });
  await mr.register(allocate(2 * MiB));
  expect(kernelMrCount()).toBe(1);
  await mr.close();
  expect(mr.state).toBe(ObjectState.Closed);
  expect(kernelMrCount()).toBe(0);
});

it("closes a protection domain's regions before the domain itself", async () => {
  const domain = await fixture.adapter.createPd();
  const regions: MemoryRegion[] = [];
  for (const completionPolicy of ['inline', 'deferred', 'inline'] as const) {
    const mr = await domain.createMr({ completionPolicy });
    await mr.register(Buffer.alloc(16 * KiB));
    regions.push(mr);
  }
  const unregistered = await domain.createMr();
  expect(kernelMrCount()).toBe(3);
  await domain.close();
  expect(kernelMrCount()).toBe(0);
  for (const mr of [...regions, unregistered]) expect(mr.state).toBe(ObjectState.Closed);
  expect(domain.state).toBe(ObjectState.Closed);
  await expect(domain.createMr()).rejects.toMatchObject({ statusName: 'STATUS_INVALID_HANDLE' });
  expect(kernelObjects('pd')).toHaveLength(1);
});

it('closes an adapter with everything under it; await using does the same', async () => {
  const [device] = requireDevices();
  {
    await using other = await openAdapter(device);
    const domain = await other.createPd();
    const mr = await domain.createMr();
    await mr.register(Buffer.alloc(4 * KiB));
    expect(kernelMrCount()).toBe(1);
  }
  expect(kernelMrCount()).toBe(0);
  expect(kernelObjects('pd')).toHaveLength(1);
});
