/**
 * A child process never receives a copy of registered memory. On kernels that copy DMA-pinned
 * pages into a fork() child at once (Linux ≥ 5.9/5.12), every spawn would otherwise copy all
 * registered pages first. `allocate()` blocks are kept out of children for their whole life; the
 * whole pages of registered JS memory while some registration covers them (counted per page, so
 * overlapping registrations keep shared pages out until the last one goes). The kernel's own
 * record (the `dc` flag in /proc/self/smaps) is the referee here; what it saves a spawn in time is
 * measured by the benchmark, side by side, not bounded by a timed test.
 */

import { release as kernelRelease } from 'node:os';

import { allocate, diagnostics, type MemoryRegion, pageSize } from '../../lib';
import { useDomainFixture } from '../support/domain-fixture';
import { forkCopiedRanges, keptOutOfForks, pageOf, pagesAfter } from '../support/fork-advice';
import { kernelMrCount } from '../support/kernel';

const fixture = useDomainFixture();

// Regions a failed test left registered, released so the next test starts from none.
const regions: MemoryRegion[] = [];

afterEach(async () => {
  for (const mr of regions.splice(0)) {
    if (mr.isRegistered) await mr.deregister();
    await mr.close();
  }
  expect(kernelMrCount()).toBe(0);
});

describe('128 MiB registered', () => {
  // Every whole page of the registration sits in a mapping the kernel leaves out of fork()
  // children, so a spawn copies none of it. What that saves in time is the benchmark's
  // (bench/spawn-cost.ts: about 9× slower spawns without it), never a timed test's.
  const BYTES = 128 * 2 ** 20;

  it('from allocate() is kept out of children on every page', async () => {
    const mr = await registered(allocate(BYTES));
    expect(forkCopiedRanges(mr.address, mr.address + BigInt(BYTES))).toEqual([]);
    await release(mr);
  });

  it('from Buffer.alloc is kept out of children on every whole page while registered', async () => {
    const mr = await registered(Buffer.alloc(BYTES));
    const firstWhole = pageOf(mr.address + BigInt(pageSize - 1));
    const endWhole = pageOf(mr.address + BigInt(BYTES));
    expect(forkCopiedRanges(firstWhole, endWhole)).toEqual([]);
    await release(mr);
    expect(forkCopiedRanges(firstWhole, endWhole)).not.toEqual([]);
  });
});

it('keeps allocate() memory out of children while it is registered and after', async () => {
  const block = allocate(4 * pageSize);
  const mr = await registered(block);
  const start = mr.address;
  const last = pagesAfter(start, 3);
  expect([keptOutOfForks(start), keptOutOfForks(last)]).toEqual([true, true]);
  await release(mr);
  // The block holds its own exclusion: a deregistration does not undo it.
  expect([keptOutOfForks(start), keptOutOfForks(last)]).toEqual([true, true]);
  expect(block.byteLength).toBe(4 * pageSize); // and the block was alive all along
});

describe('registered JS memory', () => {
  // Offset 100 into a malloc'd (16-byte aligned) Buffer: no registration starts on a page boundary.
  const OFFSET = 100;

  it('is kept out of children on its whole pages only, and only while registered', async () => {
    const buffer = Buffer.alloc(8 * pageSize);
    const mr = await registered(buffer.subarray(OFFSET, OFFSET + 6 * pageSize));
    const first = pageOf(mr.address); // partial: shared with whatever precedes the Buffer
    const end = pagesAfter(mr.address, 6); // in the partial last page
    expect({
      partialFirst: keptOutOfForks(first),
      wholePages: [1, 2, 3, 4, 5].map((n) => keptOutOfForks(pagesAfter(first, n))),
      partialLast: keptOutOfForks(end),
    }).toEqual({
      partialFirst: false,
      wholePages: [true, true, true, true, true],
      partialLast: false,
    });
    await release(mr);
    expect([1, 2, 3, 4, 5].map((n) => keptOutOfForks(pagesAfter(first, n)))).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  it('stays out of children on pages another registration still covers', async () => {
    const buffer = Buffer.alloc(16 * pageSize);
    // a covers whole pages 1–9 of the Buffer's range, b pages 6–14, twice b the same ones.
    const a = await registered(buffer.subarray(OFFSET, OFFSET + 10 * pageSize));
    const b = await registered(buffer.subarray(OFFSET + 5 * pageSize, OFFSET + 15 * pageSize));
    const twiceB = await registered(buffer.subarray(OFFSET + 5 * pageSize, OFFSET + 15 * pageSize));
    const base = pageOf(a.address);
    const page = (n: number) => pagesAfter(base, n);
    const advised = () => [1, 5, 6, 9, 10, 14, 15].map((n) => keptOutOfForks(page(n)));
    expect(advised()).toEqual([true, true, true, true, true, true, false]);
    await release(a);
    expect(advised()).toEqual([false, false, true, true, true, true, false]);
    await release(b);
    expect(advised()).toEqual([false, false, true, true, true, true, false]);
    await release(twiceB);
    expect(advised()).toEqual([false, false, false, false, false, false, false]);
  });
});

it('reports libibverbs fork support as the kernel gives it', () => {
  const [major, minor] = kernelRelease().split('.').map(Number);
  const copiesOnFork = major > 5 || (major === 5 && minor >= 12);
  const { forkSupport, forkExclusion } = diagnostics();
  if (copiesOnFork) {
    expect({ forkSupport, forkExclusion }).toEqual({
      forkSupport: 'unneeded',
      forkExclusion: 'ndk-verbs',
    });
  } else {
    expect(['disabled', 'enabled']).toContain(forkSupport);
  }
});

async function registered(memory: ArrayBuffer | Uint8Array): Promise<MemoryRegion> {
  const mr = await fixture.pd.createMr();
  regions.push(mr);
  await mr.register(memory);
  return mr;
}

async function release(mr: MemoryRegion): Promise<void> {
  await mr.deregister();
  await mr.close();
  regions.splice(regions.indexOf(mr), 1);
}
