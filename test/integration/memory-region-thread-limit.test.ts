/**
 * A deferred registration when no request thread can be started (RLIMIT_NPROC reached, as an
 * unprivileged user: root ignores the limit). The addon must answer STATUS_INSUFFICIENT_RESOURCES
 * instead of ending the process in std::terminate, and leave the region usable and closable, with
 * nothing left in the kernel.
 */

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { NtStatus, ObjectState } from '../../lib';
import { kernelMrCount } from '../support/kernel';

interface Step {
  readonly step: string;
  readonly [fact: string]: unknown;
}

test('a registration that needs a thread the process may not start is refused, and the region still works', async () => {
  const child = spawn(
    '/bin/bash',
    [
      '-c',
      'ulimit -u 1 && exec "$0" "$@"',
      process.execPath,
      join(__dirname, '../support/thread-limit-child.js'),
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const ended = new Promise<[number | null, string | null]>((resolve) =>
    child.on('exit', (code, signal) => resolve([code, signal])),
  );
  // The child's regions, as the kernel sees them, at each step it stops at.
  const steps: Array<Step & { kernelMrs: number }> = [];
  for await (const line of createInterface({ input: child.stdout })) {
    steps.push({ ...(JSON.parse(line) as Step), kernelMrs: kernelMrCount(child.pid) });
    child.stdin.write('\n');
  }
  const [code, signal] = await ended;
  expect({ code, signal, stderr }).toEqual({ code: 0, signal: null, stderr: '' });
  expect(steps).toEqual([
    {
      step: 'deferred',
      status: NtStatus.STATUS_INSUFFICIENT_RESOURCES,
      code: 'ENOMEM',
      registered: false,
      state: ObjectState.Open,
      kernelMrs: 0,
    },
    { step: 'inline', registered: true, kernelMrs: 1 },
    { step: 'closed', state: ObjectState.Closed, kernelMrs: 0 },
  ]);
});
