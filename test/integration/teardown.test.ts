/**
 * Teardown at every lifecycle stage, in a child process: whatever way it ends, it ends without a
 * crash and leaves no memory region behind in the kernel.
 */

import { runChild } from '../support/child';
import { requireDevices } from '../support/devices';
import { allKernelMrs } from '../support/kernel';

beforeAll(() => {
  requireDevices();
});

/** Its thread ids, printed by the child once its registrations exist. */
function tasksOf(stdout: string): number[] {
  return /ready ([\d,]+)/.exec(stdout)?.[1].split(',').map(Number) ?? [];
}

/** Runs the teardown child to `stage`; with `killWhenReady`, SIGKILLs it once it is ready. */
async function runStage(stage: string, killWhenReady = false) {
  const end = await runChild('teardown-child', [stage], {
    killWhen: killWhenReady ? (stdout) => stdout.includes('ready ') : undefined,
  });
  return { ...end, tasks: tasksOf(end.stdout) };
}

function leftBehind(tasks: number[]): number {
  return allKernelMrs().filter((row) => tasks.includes(Number(row.pid))).length;
}

it.each([
  ['exits with registered regions', 'exit-registered', 0],
  ['exits with deregistrations pending', 'exit-pending', 0],
  ['dies of an uncaught exception with registered regions', 'throw-registered', 1],
])('a process that %s leaves nothing behind', async (_name, stage, expectedCode) => {
  const end = await runStage(stage);
  expect(end.tasks.length).toBeGreaterThan(0);
  expect(end.code).toBe(expectedCode);
  expect(end.signal).toBeNull();
  expect(end.stderr).not.toMatch(/Segmentation|Assertion|FATAL|double free|corrupt/i);
  expect(leftBehind(end.tasks)).toBe(0);
});

it('a process killed with registered regions leaves nothing behind', async () => {
  const end = await runStage('killed', true);
  expect(end.signal).toBe('SIGKILL');
  expect(end.tasks.length).toBeGreaterThan(0);
  expect(leftBehind(end.tasks)).toBe(0);
});

it.each([
  ['with its regions registered', 'worker-terminated', 'worker: 6 -> 3'],
  ['right after issuing deregistrations', 'worker-terminated-pending', 'worker: ? -> 3'],
])(
  'a worker terminated %s releases them while its process lives on',
  async (_name, stage, line) => {
    const end = await runStage(stage);
    expect(end.code).toBe(0);
    expect(end.signal).toBeNull();
    expect(end.stderr).not.toMatch(/terminate called|Segmentation|Assertion|FATAL/i);
    // The child's own three registrations stay; the worker's three are released.
    expect(end.stdout).toContain(line);
    expect(leftBehind(end.tasks)).toBe(0);
  },
);
