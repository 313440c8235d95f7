/**
 * Out of memory right after the verbs call: each Create/Alloc/Open makes the native core that owns
 * its verbs object before making the object, so a std::bad_alloc at that point (forced by a hook
 * that exists only in a test build) leaves nothing behind in the kernel or the process. Before the
 * cores were made first, the PD, QP, window, device context and mapping of each case leaked. A
 * region (no kernel object until it registers) is refused the same way: its handle is a number, so
 * the addon throws rather than answering ENOMEM, and the facade turns that into the status. Runs
 * only under `npm run test:sanitize`, whose addon has the hooks.
 */

import {
  allocate,
  type MemoryRegion,
  NdkCreateMr,
  type NdkOut,
  NtStatus,
  openAdapter,
  pageSize,
} from '../../lib';
import { native } from '../../lib/native';
import { useDomainFixture } from '../support/domain-fixture';
import { openFdTargets } from '../support/fds';
import { kernelLeftovers } from '../support/kernel';
import { processMappings } from '../support/mappings';
import { expectNdkError } from '../support/ndk-error';

const hooks = native as unknown as { testFailNextCoreAllocation?: () => void };
const outOfMemory = { status: NtStatus.STATUS_INSUFFICIENT_RESOURCES, code: 'ENOMEM', errno: 12 };

const fixture = useDomainFixture();

function failNextCoreAllocation(): void {
  if (!hooks.testFailNextCoreAllocation) throw new Error('the addon under test has no test hooks');
  hooks.testFailNextCoreAllocation();
}

// The objects the kernel lists: refused, and the kernel's counts as they were.
test.each([
  ['protection domain', () => fixture.adapter.createPd()],
  ['completion queue', () => fixture.adapter.createCq()],
] as const)(
  'a %s whose core cannot be allocated is refused and not left in the kernel',
  async (_what, create) => {
    const before = kernelLeftovers();
    failNextCoreAllocation();
    await expectNdkError(create(), outOfMemory);
    expect(kernelLeftovers()).toEqual(before);
  },
);

test('a queue pair whose core cannot be allocated is refused and not left in the kernel', async () => {
  const cq = await fixture.adapter.createCq(); // made first: its own core must not be the one failed
  const before = kernelLeftovers();
  failNextCoreAllocation();
  await expectNdkError(fixture.pd.createQp(cq), outOfMemory);
  expect(kernelLeftovers()).toEqual(before);
  await cq.close();
});

test('a memory window whose core cannot be allocated is refused, and its PD still closes', async () => {
  // The kernel lists no windows; a leaked one would keep its PD busy (EBUSY on close).
  const pd = await fixture.adapter.createPd();
  failNextCoreAllocation();
  await expectNdkError(pd.createMw(), outOfMemory);
  await pd.close();
  expect(kernelLeftovers().pd).toBe(1); // the fixture's own
});

test('a memory region whose core cannot be allocated is refused, and the NDK call does not throw', async () => {
  failNextCoreAllocation();
  await expectNdkError(fixture.pd.createMr(), outOfMemory);
  const out: NdkOut<MemoryRegion> = {};
  failNextCoreAllocation();
  expect(NdkCreateMr(fixture.pd, false, () => {}, undefined, out)).toBe(
    NtStatus.STATUS_INSUFFICIENT_RESOURCES,
  );
  expect(out.value).toBeUndefined();
  // The next one is made as usual.
  const mr = await fixture.pd.createMr();
  await mr.register(new Uint8Array(4096));
  await mr.close();
  expect(kernelLeftovers()).toEqual(expect.objectContaining({ mr: 0 }));
});

test('an adapter whose core cannot be allocated is refused and keeps no device file open', async () => {
  const deviceFiles = () =>
    Object.values(openFdTargets()).filter((target) => target.startsWith('/dev/infiniband/')).length;
  const before = deviceFiles();
  failNextCoreAllocation();
  await expectNdkError(openAdapter(fixture.adapter.deviceName), outOfMemory);
  expect(deviceFiles()).toBe(before);
});

test('allocate() whose block cannot be allocated throws and leaves no mapping', () => {
  const length = 37 * pageSize; // a size no other mapping of this process has
  const mappingsOfLength = () =>
    processMappings().filter(({ from, to }) => to - from === BigInt(length)).length;
  const before = mappingsOfLength();
  failNextCoreAllocation();
  expect(() => allocate(length)).toThrow(expect.objectContaining({ code: 'ENOMEM' }) as Error);
  expect(mappingsOfLength()).toBe(before);
});
