/**
 * The soak's checks: what the process looks like now (the kernel's RDMA objects, RSS, open file
 * descriptors, threads), and the verdict of that observation against the model. `judge` is pure, so
 * a host test can feed it a synthetic leak and see it fail.
 *
 * The kernel is asked twice. Per process: `rdma resource show <kind>` names the task (thread) that
 * created each object, so the process's objects are those of its live threads. Per device: the
 * summary (`rdma resource show`) counts every object, whoever made it; a thread that has exited —
 * a terminated worker, an addon request thread — no longer shows as the owner of what it made, so
 * only the device totals (less what was there before the soak started) catch a leak it left behind.
 * The soak therefore needs the devices to itself, as it has them in the SoftRoCE VM.
 */

import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { type FdTargets, openFdTargets } from '../support/fds';
import { kernelObjects } from '../support/kernel';
import { type Counts, KINDS, NONE } from './model';

/** What the process and the devices look like at one moment. */
export interface Observation {
  /** Objects the kernel lists for this process's live threads. */
  readonly process: Counts;
  /** Every object on the soak's devices, less what they held before the soak. */
  readonly devices: Counts;
  readonly rssBytes: number;
  readonly fds: number;
  /** What each descriptor refers to (`/proc/self/fd/N`), to name a leaked one. */
  readonly fdTargets?: FdTargets;
  readonly threads: number;
}

/** What the process looked like before the first worker started. */
export interface Baseline {
  /** The devices' totals before the soak (the kernel's own objects, other users). */
  readonly devices: Counts;
  readonly fds: number;
  readonly fdTargets?: FdTargets;
  readonly threads: number;
}

/** The RSS reference: what a drained process (no workers) weighed after the warm-up. */
export interface RssReference {
  readonly bytes: number;
  /** How much above `bytes` a later drained process may weigh. */
  readonly toleranceBytes: number;
}

/** The devices' object totals (the summary of `rdma resource show`). */
export function deviceTotals(devices: readonly string[]): Counts {
  const rows = JSON.parse(
    execFileSync('rdma', ['-j', 'resource', 'show']).toString() || '[]',
  ) as Array<Record<string, unknown>>;
  const total: Counts = { ...NONE };
  for (const row of rows) {
    if (!devices.includes(String(row.ifname))) continue;
    for (const kind of KINDS) total[kind] += Number(row[kind] ?? 0);
  }
  return total;
}

/** Open file descriptors of this process. */
export function openFds(): number {
  // readdirSync's own descriptor is open while it reads, every time: it cancels out.
  return readdirSync('/proc/self/fd').length;
}

/** The descriptors open now that were not open (or referred elsewhere) at the start. */
export function newFds(now: FdTargets | undefined, start: FdTargets | undefined): string[] {
  if (now === undefined || start === undefined) return [];
  return Object.entries(now)
    .filter(([fd, target]) => start[fd] !== target)
    .map(([fd, target]) => `${fd} → ${target}`);
}

/** Threads of this process. */
export function threadCount(): number {
  const match = /^Threads:\s+(\d+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  if (match === null) throw new Error('no Threads line in /proc/self/status');
  return Number(match[1]);
}

/** Takes the baseline (before any worker starts). */
export function takeBaseline(devices: readonly string[]): Baseline {
  return {
    devices: deviceTotals(devices),
    fds: openFds(),
    fdTargets: openFdTargets(),
    threads: threadCount(),
  };
}

/** Looks at the process now. */
export function observe(devices: readonly string[], baseline: Baseline): Observation {
  const totals = deviceTotals(devices);
  const process_: Counts = { ...NONE };
  const beyond: Counts = { ...NONE };
  for (const kind of KINDS) {
    process_[kind] = kernelObjects(kind).filter((row) =>
      devices.includes(String(row.ifname)),
    ).length;
    beyond[kind] = totals[kind] - baseline.devices[kind];
  }
  return {
    process: process_,
    devices: beyond,
    rssBytes: process.memoryUsage.rss(),
    fds: openFds(),
    fdTargets: openFdTargets(),
    threads: threadCount(),
  };
}

/** When a check runs: between phases (workers alive) or drained (no worker, nothing open). */
export interface Moment {
  readonly drained: boolean;
  /** The RSS reference, once the warm-up has set it (drained moments only). */
  readonly rss?: RssReference;
}

const MIB = 1024 * 1024;
const mib = (bytes: number) => `${(bytes / MIB).toFixed(1)} MiB`;

/**
 * The failures of `observation` against the model's `expected` counts: empty when all is well.
 *
 * - The kernel's objects, per device and per process, are exactly what the model says is alive.
 *   The per-process count may be lower than the model (an object made on a thread that has since
 *   exited is no longer listed as this process's) but never higher.
 * - Drained: file descriptors and threads are back to the baseline, and RSS is within the
 *   reference's tolerance.
 */
export function judge(
  expected: Counts,
  observation: Observation,
  baseline: Baseline,
  moment: Moment,
): string[] {
  const failures: string[] = [];
  for (const kind of KINDS) {
    if (observation.devices[kind] !== expected[kind]) {
      failures.push(
        `kernel ${kind} count on the devices is ${observation.devices[kind]}, the model says ${expected[kind]}`,
      );
    }
    if (observation.process[kind] > expected[kind]) {
      failures.push(
        `kernel lists ${observation.process[kind]} ${kind}(s) for this process, the model says ${expected[kind]}`,
      );
    }
  }
  if (!moment.drained) return failures;
  if (observation.fds !== baseline.fds) {
    const named = newFds(observation.fdTargets, baseline.fdTargets);
    const which = named.length > 0 ? ` (new: ${named.join(', ')})` : '';
    failures.push(`${observation.fds} open file descriptors, ${baseline.fds} at the start${which}`);
  }
  if (observation.threads !== baseline.threads) {
    failures.push(`${observation.threads} threads, ${baseline.threads} at the start`);
  }
  const rss = moment.rss;
  if (rss !== undefined && observation.rssBytes > rss.bytes + rss.toleranceBytes) {
    failures.push(
      `RSS ${mib(observation.rssBytes)} grew beyond ${mib(rss.bytes)} + ${mib(rss.toleranceBytes)} (after warm-up)`,
    );
  }
  return failures;
}
