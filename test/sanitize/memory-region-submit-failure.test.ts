/**
 * A deferred request whose queueing runs out of memory (std::bad_alloc in the request queue's
 * Submit(), forced by a hook that exists only in a test build): the region has already moved to a
 * transient state by then, and must move back, so it can be retried and closed. Runs only under
 * `npm run test:sanitize`, whose addon has the hooks.
 */

import { NdkMrFlags, NtStatus } from '../../lib';
import { native } from '../../lib/native';
import { useDomainFixture } from '../support/domain-fixture';
import { kernelMrCount } from '../support/kernel';
import { expectNdkError } from '../support/ndk-error';

const hooks = native as unknown as { testFailNextMrSubmit?: () => void };
const outOfMemory = { status: NtStatus.STATUS_INSUFFICIENT_RESOURCES, code: 'ENOMEM', errno: 12 };

const fixture = useDomainFixture();

test('the addon under test has the test hooks', () => {
  expect(typeof hooks.testFailNextMrSubmit).toBe('function');
});

test('a registration that cannot be queued is refused, and a retry registers', async () => {
  const mr = await fixture.pd.createMr({ completionPolicy: 'deferred' });
  const memory = new Uint8Array(4096);
  hooks.testFailNextMrSubmit?.();
  await expectNdkError(mr.register(memory), outOfMemory);
  expect(mr.isRegistered).toBe(false);
  expect(kernelMrCount()).toBe(0);

  await mr.register(memory);
  expect(kernelMrCount()).toBe(1);
  await mr.close();
  expect(kernelMrCount()).toBe(0);
});

test('a deregistration that cannot be queued is refused, the region stays registered and closes', async () => {
  const mr = await fixture.pd.createMr({ completionPolicy: 'deferred' });
  await mr.register(new Uint8Array(4096), { flags: NdkMrFlags.NDK_MR_FLAG_ALLOW_REMOTE_WRITE });
  const token = mr.remoteToken;
  hooks.testFailNextMrSubmit?.();
  await expectNdkError(mr.deregister(), outOfMemory);
  expect(mr.isRegistered).toBe(true);
  expect(mr.remoteToken).toBe(token);
  expect(kernelMrCount()).toBe(1);

  await mr.close();
  expect(kernelMrCount()).toBe(0);
});

test('a batch deregistration that cannot be queued refuses each region, which stays registered, and a retry deregisters them', async () => {
  const regions = [];
  for (let i = 0; i < 3; i++) {
    const mr = await fixture.pd.createMr({ completionPolicy: 'deferred' });
    await mr.register(new Uint8Array(4096));
    regions.push(mr);
  }
  hooks.testFailNextMrSubmit?.();
  const refusedBatch = await fixture.pd.deregisterMany(regions);
  expect(refusedBatch.map(({ status, error }) => ({ status, code: error?.code }))).toEqual(
    regions.map(() => ({ status: outOfMemory.status, code: outOfMemory.code })),
  );
  expect(regions.map((mr) => mr.isRegistered)).toEqual([true, true, true]);
  expect(kernelMrCount()).toBe(3);

  const retried = await fixture.pd.deregisterMany(regions);
  expect(retried.map(({ status }) => status)).toEqual(regions.map(() => NtStatus.STATUS_SUCCESS));
  expect(kernelMrCount()).toBe(0);
  for (const mr of regions) await mr.close();
});
