import { existsSync } from 'node:fs';
import { allKernelResources, type KernelResourceKind, processOfThread } from '../restrack';
import { formatResources, groupByProcess } from './resources-table';
import { RESOURCES_USAGE } from './usage';

const KINDS: readonly KernelResourceKind[] = ['mr', 'pd', 'qp', 'cq'];

/**
 * `ndk-verbs resources [--pid P] [--json]`: what processes hold from the kernel's RDMA resource
 * tracker (memory regions with their sizes, protection domains, queue pairs, completion queues),
 * each object counted for the process of the thread that created it.
 *
 * @param argv - The arguments after `resources`.
 * @returns 0 when listed (even if nothing is held), 1 when the kernel cannot be asked or the
 *   process does not exist, 2 for a bad command line.
 */
export function resourcesCommand(argv: readonly string[]): number {
  let pid: number | undefined;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') {
      process.stdout.write(RESOURCES_USAGE);
      return 0;
    }
    if (arg === '--json') {
      json = true;
      continue;
    }
    const value = arg === '--pid' ? argv[++i] : arg.startsWith('--pid=') ? arg.slice(6) : null;
    if (value === null || value === undefined || !/^[1-9]\d*$/.test(value)) {
      const why = value === null ? `unknown argument "${arg}"` : '--pid needs a process id';
      process.stderr.write(`ndk-verbs resources: ${why}\n\n${RESOURCES_USAGE}`);
      return 2;
    }
    pid = Number(value);
  }
  if (pid !== undefined && !existsSync(`/proc/${pid}`)) {
    process.stderr.write(`ndk-verbs resources: no process ${pid}\n`);
    return 1;
  }
  let groups;
  try {
    groups = groupByProcess(allKernelResources(...KINDS), processOfThread);
  } catch (error) {
    process.stderr.write(`ndk-verbs resources: ${(error as Error).message}\n`);
    return 1;
  }
  if (pid !== undefined) {
    groups = groups.filter((g) => g.pid === pid);
    if (groups.length === 0) groups = [{ pid, comm: undefined, objects: [] }];
  }
  if (json) {
    process.stdout.write(`${JSON.stringify(groups.map(toJson), null, 2)}\n`);
  } else if (groups.length === 0) {
    process.stdout.write('no process holds RDMA objects\n');
  } else {
    process.stdout.write(formatResources(groups));
  }
  return 0;
}

function toJson(group: ReturnType<typeof groupByProcess>[number]): object {
  const pick = (kind: KernelResourceKind): object[] =>
    group.objects
      .filter((o) => o.kind === kind)
      .map(({ device, id, tid, bytes }) => ({
        device,
        id,
        tid,
        ...(bytes !== undefined && { bytes }),
      }));
  return {
    pid: group.pid ?? null,
    comm: group.comm ?? null,
    mrs: pick('mr'),
    pds: pick('pd'),
    qps: pick('qp'),
    cqs: pick('cq'),
  };
}
