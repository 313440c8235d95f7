/**
 * Deferred requests in bulk, with the kernel as referee: a burst issued in one turn of the event
 * loop completes every request exactly once (the addon runs them on its own threads and delivers
 * the results in batches), two loaded copies of the facade keep their requests apart, and a
 * completion that throws costs none of the other results delivered with it.
 */

import * as ndk from '../../lib';
import { runChild } from '../support/child';
import { waitFor } from '../support/gc';
import { useDomainFixture } from '../support/domain-fixture';
import { kernelMrCount, kernelObjects } from '../support/kernel';

const { NdkDeregisterMr, NdkRegisterMr, NtStatus, ntStatusName } = ndk;
const FLAGS = ndk.NdkMrFlags.NDK_MR_FLAG_ALLOW_REMOTE_WRITE;
const BURST = 100;

const fixture = useDomainFixture();

afterEach(() => {
  expect(kernelMrCount()).toBe(0);
});

it(`a burst of ${BURST} deferred registrations and deregistrations completes each exactly once`, async () => {
  const regions = await Promise.all(
    Array.from({ length: BURST }, () => fixture.pd.createMr({ completionPolicy: 'deferred' })),
  );
  const memory = regions.map(() => Buffer.alloc(16 * 1024));
  const completions = new Map<ndk.MemoryRegion, string[]>(regions.map((mr) => [mr, []]));
  const issue = (request: (mr: ndk.MemoryRegion, done: ndk.NdkRequestCompletion) => number) =>
    regions.map((mr) =>
      request(mr, (_context, status) => completions.get(mr)!.push(ntStatusName(status))),
    );

  const registering = issue((mr, done) =>
    NdkRegisterMr(mr, memory[regions.indexOf(mr)], 16 * 1024, FLAGS, done),
  );
  expect(new Set(registering)).toEqual(new Set([NtStatus.STATUS_PENDING]));
  expect(await waitFor(() => [...completions.values()].every((seen) => seen.length === 1))).toBe(
    true,
  );
  expect(kernelMrCount()).toBe(BURST);
  const rkeys = kernelObjects('mr').map((row) => row.rkey);
  expect(new Set(rkeys).size).toBe(BURST);
  expect(new Set(regions.map((mr) => mr.remoteToken)).size).toBe(BURST);

  const deregistering = issue((mr, done) => NdkDeregisterMr(mr, done));
  expect(new Set(deregistering)).toEqual(new Set([NtStatus.STATUS_PENDING]));
  expect(await waitFor(() => [...completions.values()].every((seen) => seen.length === 2))).toBe(
    true,
  );
  // A straggler delivered twice would show up here, after every region has had its two.
  await new Promise((resolve) => setTimeout(resolve, 50));
  for (const seen of completions.values())
    expect(seen).toEqual(['STATUS_SUCCESS', 'STATUS_SUCCESS']);
  expect(kernelMrCount()).toBe(0);
  await Promise.all(regions.map((mr) => mr.close()));
});

it('two loaded copies of the facade share the addon but keep their deferred requests apart', async () => {
  let second: typeof ndk | undefined;
  jest.isolateModules(() => {
    // A second module registry, as a test runner's per-file registry or a duplicated dependency.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    second = require('../../lib') as typeof ndk;
  });
  expect(second).toBeDefined();
  expect(second!.openAdapter).not.toBe(ndk.openAdapter); // really a second copy
  const otherAdapter = await second!.openAdapter(fixture.adapter.deviceName);
  const otherPd = await otherAdapter.createPd();
  const mine = await Promise.all(
    [0, 1, 2].map(() => fixture.pd.createMr({ completionPolicy: 'deferred' })),
  );
  const theirs = await Promise.all(
    [0, 1, 2].map(() => otherPd.createMr({ completionPolicy: 'deferred' })),
  );
  // Interleaved, all in flight together.
  await Promise.all(
    [...mine, ...theirs].map((mr) => mr.register(Buffer.alloc(8192), { flags: FLAGS })),
  );
  expect(kernelMrCount()).toBe(6);
  await Promise.all([...theirs, ...mine].map((mr) => mr.deregister()));
  expect(kernelMrCount()).toBe(0);
  expect([...mine, ...theirs].every((mr) => !mr.isRegistered)).toBe(true);
  await otherAdapter.close();
  await Promise.all(mine.map((mr) => mr.close()));
});

it('a completion that throws in a batch costs none of the other results', async () => {
  const { code, stdout: output } = await runChild('throwing-batch');
  expect(code).toBe(0);
  expect(output).toContain('uncaught: boom from completion 0');
  expect(output).toContain('completed: 0,1,2,3,4,5,6,7 kernel MRs 0');
});
