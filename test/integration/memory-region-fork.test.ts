/**
 * A child process never receives a copy of registered memory. On kernels that copy DMA-pinned
 * pages into a fork() child at once (Linux ≥ 5.9/5.12), every spawn would otherwise copy all
 * registered pages first. `allocate()` blocks are kept out of children for their whole life; the
 * whole pages of registered JS memory while some registration covers them (counted per page, so
 * overlapping registrations keep shared pages out until the last one goes). The spawn ratios are
 * the benchmark's (bench/spawn-cost.ts), at 128 MiB instead of 1 GiB and with a margin for the
 * VM's noise: without the advice they come out far above it.
 */

import { release as kernelRelease } from 'node:os';

import { allocate, diagnostics, type MemoryRegion, pageSize } from '../../lib';
import { medianSpawnMs, medianSpawnMsWhileRegistered } from '../../bench/spawn-cost';
import { useDomainFixture } from '../support/domain-fixture';
import { keptOutOfForks, pageOf, pagesAfter } from '../support/fork-advice';
import { kernelMrCount } from '../support/kernel';

const fileStart = Date.now();
process.stderr.write(`TIMING file loaded\n`);
const fixture = useDomainFixture();
afterAll(() => process.stderr.write(`TIMING file ${Date.now() - fileStart} ms\n`));

afterEach(() => {
  expect(kernelMrCount()).toBe(0);
});

const BYTES = 128 * 2 ** 20;
const SAMPLES = 5;

describe('spawning a child process with 128 MiB registered', () => {
  let baselineMs: number;

  beforeAll(() => {
    const t0 = Date.now();
    baselineMs = medianSpawnMs(SAMPLES);
    process.stderr.write(`TIMING baseline ${baselineMs} ms, hook ${Date.now() - t0} ms\n`);
  });

  it('costs at most 1.5× the spawn with nothing registered, for allocate() memory', async () => {
    const ms = await medianSpawnMsWhileRegistered(fixture.pd, allocate(BYTES), SAMPLES);
    process.stderr.write(`TIMING allocate ${ms} ms\n`);
    expect(ms / baselineMs).toBeLessThanOrEqual(1.5);
  });

  it('costs at most 2.5× the spawn with nothing registered, for a Buffer.alloc Buffer', async () => {
    const ms = await medianSpawnMsWhileRegistered(fixture.pd, Buffer.alloc(BYTES), SAMPLES);
    process.stderr.write(`TIMING buffer ${ms} ms\n`);
    expect(ms / baselineMs).toBeLessThanOrEqual(2.5);
  });
});

it('keeps allocate() memory out of children before, while and after it is registered', async () => {
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
  expect(diagnostics()).toEqual({
    forkSupport: copiesOnFork ? 'unneeded' : expect.stringMatching(/^(disabled|enabled)$/),
    forkExclusion: copiesOnFork ? 'ndk-verbs' : expect.any(String),
  });
});

async function registered(memory: ArrayBuffer | Uint8Array): Promise<MemoryRegion> {
  const mr = await fixture.pd.createMr();
  await mr.register(memory);
  return mr;
}

async function release(mr: MemoryRegion): Promise<void> {
  await mr.deregister();
  await mr.close();
}
