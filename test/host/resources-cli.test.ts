// `ndk-verbs resources` on the host: how objects are grouped by process and printed, and its
// command-line errors. What the kernel really holds is checked in the VM
// (test/integration/testing-helper.test.ts).
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { formatResources, groupByProcess, summary } from '../../lib/cli/resources-table';
import type { KernelResource } from '../../lib/restrack';

const CLI = path.resolve(__dirname, '../../../dist/lib/cli/main.js');

function object(
  kind: KernelResource['kind'],
  id: number,
  tid: number | undefined,
  bytes?: number,
): KernelResource {
  return {
    kind,
    device: 'rxe0',
    id,
    tid,
    comm: tid === undefined ? '[ib_core]' : 'node',
    bytes,
    raw: {},
  };
}

it('objects are counted for the process of the thread that made them; kernel-owned ones are left out', () => {
  const threads: Record<number, number> = { 100: 100, 105: 100, 200: 200 }; // tid -> pid; 300 exited
  const groups = groupByProcess(
    [
      object('pd', 1, 100),
      object('mr', 7, 105, 65536), // a request thread of process 100
      object('mr', 8, 100, 4096),
      object('mr', 9, 300, 8192),
      object('qp', 3, 200),
      object('pd', 2, undefined), // made by the kernel itself
    ],
    (tid) => threads[tid],
  );
  expect(formatResources(groups)).toBe(
    [
      'process 100 (node): 2 memory regions (69632 bytes), 1 protection domain',
      '  mr  rxe0  mrn 7  65536 bytes  thread 105',
      '  mr  rxe0  mrn 8  4096 bytes  thread 100',
      '  pd  rxe0  pdn 1  thread 100',
      'process 200 (node): 1 queue pair',
      '  qp  rxe0  qpn 3  thread 200',
      'threads that have exited: 1 memory region (8192 bytes)',
      '  mr  rxe0  mrn 9  8192 bytes  thread 300',
      '',
    ].join('\n'),
  );
  expect(summary([])).toBe('nothing');
});

it('command-line errors: exit 2 with the usage; a process that does not exist: exit 1', () => {
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [CLI, 'resources', ...args], { encoding: 'utf8' });
  const bad = run('--pid', 'x');
  expect({ status: bad.status, first: bad.stderr.split('\n')[0] }).toEqual({
    status: 2,
    first: 'ndk-verbs resources: --pid needs a process id',
  });
  expect(bad.stderr).toContain('Usage: ndk-verbs resources [--pid P] [--json]');
  expect(run('--bogus').status).toBe(2);
  const missing = run('--pid', '999999999');
  expect({ status: missing.status, stderr: missing.stderr }).toEqual({
    status: 1,
    stderr: 'ndk-verbs resources: no process 999999999\n',
  });
  const help = run('--help');
  expect({
    status: help.status,
    usage: help.stdout.startsWith('Usage: ndk-verbs resources'),
  }).toEqual({
    status: 0,
    usage: true,
  });
});
