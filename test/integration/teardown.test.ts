/**
 * Teardown at every lifecycle stage, in a child process: whatever way it ends, it ends without a
 * crash and leaves no memory region behind in the kernel; killed, it leaves no object of any kind.
 */

import { runChild } from '../support/child';
import { requireDevices } from '../support/devices';
import { allKernelMrs } from '../support/kernel';
import { kernelObjectsOfTasks } from '../support/kernel-of-tasks';

beforeAll(() => {
  requireDevices();
});

/** Its thread ids, printed by the child once its registrations exist. */
function tasksOf(stdout: string): number[] {
  return /ready ([\d,]+)/.exec(stdout)?.[1].split(',').map(Number) ?? [];
}

/** Runs the teardown child to `stage`, to its end. */
async function runStage(stage: string) {
  const end = await runChild('teardown-child', [stage]);
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

it('a process killed with regions, queue pairs, completion queues and PDs leaves none of them behind', async () => {
  // Counted just before the kill, so the check after it could tell.
  let alive: ReturnType<typeof kernelObjectsOfTasks> | undefined;
  const end = await runChild('teardown-child', ['killed'], {
    killWhen: (stdout) => {
      if (!stdout.includes('ready ')) return false;
      alive = kernelObjectsOfTasks(tasksOf(stdout));
      return true;
    },
  });
  expect(end.signal).toBe('SIGKILL');
  expect(alive).toEqual({ mr: 3, qp: 2, cq: 2, pd: 2 });
  expect(kernelObjectsOfTasks(tasksOf(end.stdout))).toEqual({ mr: 0, qp: 0, cq: 0, pd: 0 });
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
