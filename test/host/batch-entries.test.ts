/**
 * The checks a batch deregistration makes of its argument before any region is touched
 * (`batchEntries`, used by `pd.deregisterMany()`): an array of real `MemoryRegion`s, read once.
 * Whether each region may go is the integration test's part (memory-region-batch).
 */

import { MemoryRegion, NtStatus } from '../../lib';
import { batchEntries } from '../../lib/ndk/batch-deregistration';
import { isRefusal } from '../../lib/ndk/outcome';

function refusalOf(value: unknown): { status: number; detail?: string } | undefined {
  const entries = batchEntries(value);
  return isRefusal(entries) ? { status: entries.status, detail: entries.detail } : undefined;
}

it.each([
  ['undefined', undefined],
  ['null', null],
  ['an array-like object', { length: 0 }],
  ['a string', 'regions'],
  ['a Set', new Set()],
])('%s is not an array of regions', (_name, value) => {
  expect(refusalOf(value)).toEqual({
    status: NtStatus.STATUS_INVALID_PARAMETER,
    detail: 'regions must be an array',
  });
});

it('a look-alike, a plain object or a hole among the entries is refused, naming it', () => {
  const lookAlike = Object.create(MemoryRegion.prototype) as unknown;
  expect(refusalOf([lookAlike])?.detail).toBe('regions[0] is not a MemoryRegion');
  expect(refusalOf([{}])).toEqual({
    status: NtStatus.STATUS_INVALID_PARAMETER,
    detail: 'regions[0] is not a MemoryRegion',
  });
  expect(refusalOf(new Array(2))?.detail).toBe('regions[0] is not a MemoryRegion');
});

it('an empty array is an empty batch, and a copy', () => {
  const regions: MemoryRegion[] = [];
  const entries = batchEntries(regions);
  expect(entries).toEqual([]);
  expect(entries).not.toBe(regions);
});

it('each entry is read once', () => {
  let reads = 0;
  const regions = new Proxy([{}], {
    get(target, key, receiver) {
      if (key === '0') reads += 1;
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  expect(refusalOf(regions)?.detail).toBe('regions[0] is not a MemoryRegion');
  expect(reads).toBe(1);
});
