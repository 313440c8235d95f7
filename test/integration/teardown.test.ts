/**
 * Teardown at every lifecycle stage, in a child process: whatever way it ends, it ends without a
 * crash and leaves no memory region behind in the kernel.
 */

import { spawn } from 'node:child_process';
import { join } from 'node:path';

import { requireDevices } from './support/devices';
import { allKernelMrs } from './support/kernel';

const child = join(__dirname, 'support', 'teardown-child.js');

beforeAll(() => {
  requireDevices();
});

interface ChildEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  tasks: number[];
}

function runChild(stage: string, killWhenReady = false): Promise<ChildEnd> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [child, stage], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (killWhenReady && stdout.includes('ready ')) proc.kill('SIGKILL');
    });
    proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    proc.on('error', reject);
    proc.on('exit', (code, signal) => {
      const tasks = /ready ([\d,]+)/.exec(stdout)?.[1].split(',').map(Number) ?? [];
      resolve({ code, signal, stdout, stderr, tasks });
    });
  });
}

function leftBehind(tasks: number[]): number {
  return allKernelMrs().filter((row) => tasks.includes(Number(row.pid))).length;
}

it.each([
  ['exits with registered regions', 'exit-registered', 0],
  ['exits with deregistrations pending', 'exit-pending', 0],
  ['dies of an uncaught exception with registered regions', 'throw-registered', 1],
])('a process that %s leaves nothing behind', async (_name, stage, expectedCode) => {
  const end = await runChild(stage);
  expect(end.tasks.length).toBeGreaterThan(0);
  expect(end.code).toBe(expectedCode);
  expect(end.signal).toBeNull();
  expect(end.stderr).not.toMatch(/Segmentation|Assertion|FATAL|double free|corrupt/i);
  expect(leftBehind(end.tasks)).toBe(0);
});

it('a process killed with registered regions leaves nothing behind', async () => {
  const end = await runChild('killed', true);
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
    const end = await runChild(stage);
    expect(end.code).toBe(0);
    expect(end.signal).toBeNull();
    expect(end.stderr).not.toMatch(/terminate called|Segmentation|Assertion|FATAL/i);
    // The child's own three registrations stay; the worker's three are released.
    expect(end.stdout).toContain(line);
    expect(leftBehind(end.tasks)).toBe(0);
  },
);
