import type { KernelResource, KernelResourceKind } from '../restrack';

/** The objects one process holds, as `ndk-verbs resources` prints them. */
export interface ProcessResources {
  /** The process id; `undefined` for objects whose creating thread has exited. */
  readonly pid: number | undefined;
  /** Its command name, as the kernel recorded it. */
  readonly comm: string | undefined;
  /** Its objects, in the kernel's order per kind. */
  readonly objects: readonly KernelResource[];
}

const KIND_ORDER: readonly KernelResourceKind[] = ['mr', 'pd', 'qp', 'cq'];
const KIND_NAMES: Record<KernelResourceKind, string> = {
  mr: 'memory region',
  pd: 'protection domain',
  qp: 'queue pair',
  cq: 'completion queue',
};

/**
 * Groups the kernel's objects by the process of the thread that created each.
 *
 * @param objects - The kernel's objects, of every kind.
 * @param processOf - Maps a thread id to its process (`undefined` when the thread is gone).
 * @returns One entry per process, ordered by pid; objects of exited threads last.
 */
export function groupByProcess(
  objects: readonly KernelResource[],
  processOf: (tid: number) => number | undefined,
): ProcessResources[] {
  const groups = new Map<number | undefined, KernelResource[]>();
  for (const object of objects) {
    // Objects the kernel made for itself carry no thread id: not any process's.
    if (object.tid === undefined) continue;
    const pid = processOf(object.tid);
    const list = groups.get(pid) ?? [];
    list.push(object);
    groups.set(pid, list);
  }
  return [...groups]
    .sort(([a], [b]) => (a ?? Infinity) - (b ?? Infinity))
    .map(([pid, list]) => ({
      pid,
      comm: list.find((o) => o.tid === pid)?.comm ?? list[0]?.comm,
      objects: KIND_ORDER.flatMap((kind) => list.filter((o) => o.kind === kind)),
    }));
}

/**
 * The text of `ndk-verbs resources`: a summary line per process, then one line per object.
 *
 * @param groups - What {@link groupByProcess} returned.
 * @returns The lines, each ending in a newline.
 */
export function formatResources(groups: readonly ProcessResources[]): string {
  return groups
    .map((group) => {
      const who =
        group.pid === undefined
          ? 'threads that have exited'
          : `process ${group.pid}${group.comm ? ` (${group.comm})` : ''}`;
      const lines = group.objects.map((o) => {
        const bytes = o.bytes === undefined ? '' : `  ${o.bytes} bytes`;
        return `  ${o.kind}  ${o.device}  ${idName(o.kind)} ${o.id ?? '?'}${bytes}  thread ${o.tid}\n`;
      });
      return `${who}: ${summary(group.objects)}\n${lines.join('')}`;
    })
    .join('');
}

/** "2 memory regions (69632 bytes), 1 protection domain, …" for a list of objects. */
export function summary(objects: readonly KernelResource[]): string {
  const parts = KIND_ORDER.flatMap((kind) => {
    const mine = objects.filter((o) => o.kind === kind);
    if (mine.length === 0) return [];
    const name = `${mine.length} ${KIND_NAMES[kind]}${mine.length === 1 ? '' : 's'}`;
    if (kind !== 'mr') return [name];
    return [`${name} (${mine.reduce((sum, o) => sum + (o.bytes ?? 0), 0)} bytes)`];
  });
  return parts.length === 0 ? 'nothing' : parts.join(', ');
}

function idName(kind: KernelResourceKind): string {
  return { mr: 'mrn', pd: 'pdn', qp: 'qpn', cq: 'cqn' }[kind];
}
