/**
 * The kernel's own record of RDMA objects (its resource tracker, read with `rdma resource show`),
 * narrowed to one process. The kernel records the id of the *thread* that created each object (a
 * registration on a libuv pool thread shows that thread's id, not the process's), so a process's
 * objects are those whose id is any of its threads'.
 */

import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** The kinds of object the kernel tracks that ndk-verbs creates. */
export type KernelResourceKind = 'mr' | 'pd' | 'qp' | 'cq';

/** One object as the kernel lists it. */
export interface KernelResource {
  /** Which kind of object it is. */
  readonly kind: KernelResourceKind;
  /** The RDMA device, such as `'rxe0'`. */
  readonly device: string;
  /** The kernel's number for it (`mrn`, `pdn`, `lqpn` or `cqn`), when listed. */
  readonly id: number | undefined;
  /** The id of the thread that created it (the process's id for its main thread). */
  readonly tid: number | undefined;
  /** The creating process's command name, as the kernel recorded it. */
  readonly comm: string | undefined;
  /** For a memory region: its length in bytes. */
  readonly bytes: number | undefined;
  /** Every field of the kernel's row, for what the named ones leave out. */
  readonly raw: Readonly<Record<string, unknown>>;
}

/** What the kernel holds for one process, per kind. */
export interface KernelResources {
  /** The process these were matched to. */
  readonly pid: number;
  /** Memory regions. */
  readonly mrs: readonly KernelResource[];
  /** Protection domains. */
  readonly pds: readonly KernelResource[];
  /** Queue pairs. */
  readonly qps: readonly KernelResource[];
  /** Completion queues. */
  readonly cqs: readonly KernelResource[];
}

const ID_FIELD: Record<KernelResourceKind, string> = {
  mr: 'mrn',
  pd: 'pdn',
  qp: 'lqpn',
  cq: 'cqn',
};

/**
 * The ids of every thread of process `pid` (its own id included).
 *
 * @param pid - The process; default this one.
 * @returns The thread ids; empty when the process is gone.
 */
export function threadIds(pid: number = process.pid): Set<number> {
  try {
    return new Set(readdirSync(`/proc/${pid}/task`).map(Number));
  } catch {
    return new Set(); // the process has exited (or never existed)
  }
}

/**
 * Every object of the given kinds the kernel holds, whoever created it, read with one run of
 * `rdma -j -b -` (one `resource show <kind>` per line: a single process start, which matters in an
 * emulated VM, where each costs a fraction of a second).
 *
 * @param kinds - Any of `'mr'`, `'pd'`, `'qp'`, `'cq'`.
 * @returns The kernel's objects of those kinds, kind by kind.
 * @throws Error naming the `rdma` tool (package iproute2) when it cannot be run.
 */
export function allKernelResources(...kinds: KernelResourceKind[]): KernelResource[] {
  let text: string;
  try {
    text = execFileSync('rdma', ['-j', '-b', '-'], {
      encoding: 'utf8',
      input: kinds.map((kind) => `resource show ${kind}\n`).join(''),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string };
    const why =
      e.code === 'ENOENT'
        ? 'it is not installed (package iproute2)'
        : /NETLINK_RDMA/.test(e.stderr ?? '')
          ? 'this kernel has no RDMA support loaded (no RDMA device here; try it inside `ndk-verbs vm`)'
          : e.stderr || e.message;
    throw new Error(`cannot ask the kernel for its RDMA objects with \`rdma\`: ${why}`.trim(), {
      cause: error,
    });
  }
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  if (lines.length !== kinds.length) {
    throw new Error(`\`rdma -j -b -\` printed ${lines.length} lists for ${kinds.length} kinds`);
  }
  return kinds.flatMap((kind, index) =>
    (JSON.parse(lines[index]) as Array<Record<string, unknown>>).map((raw) => ({
      kind,
      device: typeof raw.ifname === 'string' ? raw.ifname : '',
      id: numberField(raw, ID_FIELD[kind]),
      tid: numberField(raw, 'pid'),
      comm: typeof raw.comm === 'string' ? raw.comm : undefined,
      bytes: kind === 'mr' ? numberField(raw, 'mrlen') : undefined,
      raw,
    })),
  );
}

/**
 * What the kernel holds for process `pid`: its memory regions (with their sizes), protection
 * domains, queue pairs and completion queues, matched through every thread of the process. Objects
 * created by a thread that has since exited (a worker thread's) no longer match any thread.
 *
 * @param pid - The process; default this one.
 * @returns The process's objects per kind.
 * @throws Error when the `rdma` tool cannot be run.
 */
export function kernelResources(pid: number = process.pid): KernelResources {
  const threads = threadIds(pid);
  threads.add(pid);
  const held = allKernelResources('mr', 'pd', 'qp', 'cq').filter(
    (r) => r.tid !== undefined && threads.has(r.tid),
  );
  const mine = (kind: KernelResourceKind): KernelResource[] => held.filter((r) => r.kind === kind);
  return { pid, mrs: mine('mr'), pds: mine('pd'), qps: mine('qp'), cqs: mine('cq') };
}

function numberField(row: Record<string, unknown>, name: string): number | undefined {
  const value = row[name];
  return typeof value === 'number' ? value : undefined;
}

/**
 * The process a thread belongs to (its thread-group id), from `/proc/<tid>/status`.
 *
 * @param tid - A thread id, as the kernel records it on an object.
 * @returns The process id, or `undefined` when the thread has exited.
 */
export function processOfThread(tid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${tid}/status`, 'utf8');
    const match = /^Tgid:\s+(\d+)$/m.exec(status);
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}
