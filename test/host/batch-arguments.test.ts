/**
 * The checks a batch deregistration makes of its argument (`deregisterBatch`, behind
 * `pd.deregisterMany()`): an array of real `MemoryRegion`s, each entry read once. Refused entries
 * here come before any region, so nothing reaches the addon. Whether each region may go, and that
 * regions marked before a bad entry are put back, is the integration test's part
 * (memory-region-batch).
 */

import { MemoryRegion, NdkError, NtStatus } from '../../lib';
import { deregisterBatch } from '../../lib/ndk/batch-deregistration';
import { type PdHandle } from '../../lib/native';

// No domain is needed: every batch here is refused, or empty, before the addon is called.
const noDomain = 0 as unknown as PdHandle;

async function refusalOf(value: unknown): Promise<{ status: number; message: string } | undefined> {
  try {
    await deregisterBatch({}, noDomain, value);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(NdkError);
    const { status, message } = error as NdkError;
    return { status, message };
  }
}

it.each([
  ['undefined', undefined],
  ['null', null],
  ['an array-like object', { length: 0 }],
  ['a string', 'regions'],
  ['a Set', new Set()],
])('%s is not an array of regions', async (_name, value) => {
  const refusal = await refusalOf(value);
  expect(refusal?.status).toBe(NtStatus.STATUS_INVALID_PARAMETER);
  expect(refusal?.message).toContain('regions must be an array');
});

it('a look-alike, a plain object or a hole among the entries is refused, naming it', async () => {
  const lookAlike = Object.create(MemoryRegion.prototype) as unknown;
  expect((await refusalOf([lookAlike]))?.message).toContain('regions[0] is not a MemoryRegion');
  const plain = await refusalOf([{}]);
  expect(plain?.status).toBe(NtStatus.STATUS_INVALID_PARAMETER);
  expect(plain?.message).toContain('regions[0] is not a MemoryRegion');
  expect((await refusalOf(new Array(2)))?.message).toContain('regions[0] is not a MemoryRegion');
});

it('an empty array is an empty batch, resolved with a fresh array', async () => {
  const regions: MemoryRegion[] = [];
  const results = await deregisterBatch({}, noDomain, regions);
  expect(results).toEqual([]);
  expect(results).not.toBe(regions);
});

it('each entry is read once, and a getter that throws is a refusal', async () => {
  let reads = 0;
  const regions = new Proxy([{}], {
    get(target, key, receiver) {
      if (key === '0') reads += 1;
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  expect((await refusalOf(regions))?.message).toContain('regions[0] is not a MemoryRegion');
  expect(reads).toBe(1);

  const throwing = new Proxy([{}], {
    get(target, key, receiver) {
      if (key === '0') throw new Error('a getter that throws');
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  const thrown = await refusalOf(throwing);
  expect(thrown?.status).toBe(NtStatus.STATUS_INVALID_PARAMETER);
  expect(thrown?.message).toContain('regions: Error: a getter that throws');
});
