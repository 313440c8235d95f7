/**
 * Network faults on the SoftRoCE VM's veth links, with `tc` and the `sch_netem` queueing
 * discipline, and rxe's own counters of what its transport did about them. Only for the VM: the
 * links are its own, and a test that finds none fails loudly instead of disturbing a host.
 */

import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';

/** Fails unless `dev` is there, and loads `sch_netem` (a module in the VM's kernel). */
export function requireNetem(dev: string): void {
  if (!existsSync(`/sys/class/net/${dev}`)) {
    throw new Error(
      `this test needs the SoftRoCE VM's ${dev}: run it in the VM (\`ndk-verbs vm -- …\`, or npm test)`,
    );
  }
  execFileSync('modprobe', ['sch_netem']);
}

/** Puts `netem <args>` on `dev`'s outgoing packets, replacing whatever was there. */
export function setNetem(dev: string, args: readonly string[]): void {
  execFileSync('tc', ['qdisc', 'replace', 'dev', dev, 'root', 'netem', ...args]);
}

/** Removes the root qdisc of `dev` (if any) and returns what `tc` then shows for it. */
export function clearNetem(dev: string): string {
  try {
    execFileSync('tc', ['qdisc', 'del', 'dev', dev, 'root'], { stdio: 'ignore' });
  } catch {
    // nothing was there
  }
  return execFileSync('tc', ['qdisc', 'show', 'dev', dev]).toString();
}

/** rxe's per-port counters of one device (`hw_counters`), such as `completer_retry_err`. */
export function rxeCounters(device: string): Record<string, number> {
  const dir = `/sys/class/infiniband/${device}/ports/1/hw_counters`;
  const names = readdirSync(dir);
  return Object.fromEntries(
    names.map((name) => [name, Number(readFileSync(`${dir}/${name}`, 'utf8'))]),
  );
}

/** How much each counter grew from `before` to `after`, for the counters that did. */
export function counterGrowth(
  before: Record<string, number>,
  after: Record<string, number>,
): Record<string, number> {
  return Object.fromEntries(
    Object.entries(after)
      .map(([name, value]) => [name, value - (before[name] ?? 0)] as const)
      .filter(([, grown]) => grown > 0),
  );
}

/** How many packets the root netem qdisc of `dev` has dropped so far (`tc -s qdisc show`). */
export function netemDropped(dev: string): number {
  const stats = execFileSync('tc', ['-s', 'qdisc', 'show', 'dev', dev]).toString();
  const dropped = /netem[\s\S]*?\(dropped (\d+),/.exec(stats);
  if (!dropped) throw new Error(`no netem qdisc with statistics on ${dev}:\n${stats}`);
  return Number(dropped[1]);
}
