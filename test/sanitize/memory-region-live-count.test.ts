/**
 * The addon's registry of region handles holds a region only as long as the facade needs it: the
 * region's close releases its entry, and so does its collection, registered or not (counted by a
 * hook that exists only in a test build). Runs only under `npm run test:sanitize`, whose addon has
 * the hooks.
 */

import { type MemoryRegion } from '../../lib';
import { native } from '../../lib/native';
import { useDomainFixture } from '../support/domain-fixture';
import { collectUntil } from '../support/gc';
import { kernelMrCount } from '../support/kernel';

const hooks = native as unknown as { testLiveMrCount?: () => number };

function liveMrCount(): number {
  if (!hooks.testLiveMrCount) throw new Error('the addon under test has no test hooks');
  return hooks.testLiveMrCount();
}

const fixture = useDomainFixture();

// The count is the environment's: regions an earlier test file left to the collector go first,
// so that only this file's regions move it.
beforeAll(async () => {
  await collectUntil(() => false, 5);
});

async function createRegions(count: number, registered: boolean): Promise<MemoryRegion[]> {
  const regions: MemoryRegion[] = [];
  for (let i = 0; i < count; i++) {
    const mr = await fixture.pd.createMr();
    if (registered) await mr.register(new Uint8Array(4096));
    regions.push(mr);
  }
  return regions;
}

test('closing regions releases their entries', async () => {
  const before = liveMrCount();
  const regions = [...(await createRegions(3, false)), ...(await createRegions(3, true))];
  expect(liveMrCount()).toBe(before + 6);
  await regions[0].close();
  await regions[3].close();
  expect(liveMrCount()).toBe(before + 4);
  await Promise.all(regions.map((mr) => mr.close()));
  expect(liveMrCount()).toBe(before);
  expect(kernelMrCount()).toBe(0);
});

test('collected regions release their entries, registered or not', async () => {
  const warning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
  try {
    const before = liveMrCount();
    // Created in a scope of their own: nothing refers to them once it returns.
    await (async () => {
      const regions = [...(await createRegions(3, false)), ...(await createRegions(3, true))];
      expect(liveMrCount()).toBe(before + regions.length);
      expect(kernelMrCount()).toBe(3);
    })();
    expect(await collectUntil(() => liveMrCount() === before)).toBe(true);
    expect(kernelMrCount()).toBe(0);
  } finally {
    warning.mockRestore();
  }
});

test('a region that cannot be created takes no entry', async () => {
  const before = liveMrCount();
  await expect(fixture.pd.createMr()).resolves.toBeDefined(); // collected later, not counted here
  const afterOne = liveMrCount();
  expect(afterOne).toBe(before + 1);
  (native as unknown as { testFailNextCoreAllocation: () => void }).testFailNextCoreAllocation();
  await expect(fixture.pd.createMr()).rejects.toMatchObject({ code: 'ENOMEM' });
  expect(liveMrCount()).toBe(afterOne);
});
