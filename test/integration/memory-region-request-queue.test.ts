/**
 * Each loaded copy of the facade has its own request queue, with native threads of its own (a test
 * runner's module registry per test file, a duplicated dependency). Once a copy is unreachable, its
 * queue and its threads are released: a process that loads many copies does not keep their threads.
 */

import { readdirSync, readFileSync } from 'node:fs';

import { REQUEST_THREAD_NAME } from '../../bench/request-threads';
import type * as ndk from '../../lib';
import { requireDevices } from '../support/devices';
import { collectUntil } from '../support/gc';
import { kernelMrCount } from '../support/kernel';

const LOADS = 20;

// The threads of this process, as the kernel counts them.
function threadCount(): number {
  const match = /^Threads:\s+(\d+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  if (match === null) throw new Error('no Threads: line in /proc/self/status');
  return Number(match[1]);
}

// Loads a fresh copy of the facade and makes it start its request threads with one deferred
// registration and deregistration; then lets go of everything. Returns the thread count while the
// copy is still alive.
async function useFreshCopy(deviceName: string): Promise<number> {
  let copy: typeof ndk | undefined;
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    copy = require('../../lib') as typeof ndk;
  });
  const adapter = await copy!.openAdapter(deviceName);
  const pd = await adapter.createPd();
  const mr = await pd.createMr({ completionPolicy: 'deferred' });
  await mr.register(Buffer.alloc(8192));
  await mr.deregister();
  await adapter.close();
  return threadCount();
}

it(`${LOADS} copies of the facade, each used and dropped, leave the thread count flat`, async () => {
  const [deviceName] = requireDevices();
  await useFreshCopy(deviceName);
  await collectUntil(() => false, 3);
  const before = threadCount();

  let alive = 0;
  for (let i = 0; i < LOADS; i++) alive = await useFreshCopy(deviceName);
  // A live copy has request threads of its own (so the check below is not idle).
  expect(alive).toBeGreaterThan(before);

  // Collected copies release their queues, whose threads are joined.
  await collectUntil(() => threadCount() <= before + 2, 40);
  expect(threadCount()).toBeLessThanOrEqual(before + 2);
  expect(kernelMrCount()).toBe(0);
});

// The names of this process's threads (what `top -H`, perf and gdb show).
function threadNames(): string[] {
  return readdirSync('/proc/self/task').flatMap((tid) => {
    try {
      return [readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim()];
    } catch {
      return []; // the thread ended meanwhile
    }
  });
}

it('request threads carry the name the bench and the diagnostics look for', async () => {
  const [deviceName] = requireDevices();
  const { openAdapter } = await import('../../lib');
  const adapter = await openAdapter(deviceName);
  const pd = await adapter.createPd();
  const mr = await pd.createMr({ completionPolicy: 'deferred' });
  await mr.register(Buffer.alloc(8192));
  expect(threadNames()).toContain(REQUEST_THREAD_NAME);
  await mr.deregister();
  await adapter.close();
});
