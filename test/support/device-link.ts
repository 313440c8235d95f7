/**
 * Changes to the VM's links for the fault tests: a netdev set down and up, devices and netdevs
 * deleted and put back. Each waits until the devices are usable again, so later tests find rxe0
 * and rxe1 as the VM set them up.
 */

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

import { waitFor } from './gc';

/** The veth each rxe device of the VM sits on (rxeN on vethN). */
export function netdevOf(device: string): string {
  const match = /^rxe(\d+)$/.exec(device);
  if (match === null) throw new Error(`${device} is not one of the VM's rxe devices`);
  return `veth${match[1]}`;
}

/** `ip link set <netdev> up|down`. */
export function setNetdev(netdev: string, state: 'up' | 'down'): void {
  execFileSync('ip', ['link', 'set', netdev, state]);
}

/** Whether port 1 of `device` is ACTIVE with its link-local GID 0, as the VM brings it up. */
export function portReady(device: string): boolean {
  const port = `/sys/class/infiniband/${device}/ports/1`;
  try {
    return (
      readFileSync(`${port}/state`, 'utf8').includes('ACTIVE') &&
      readFileSync(`${port}/gids/0`, 'utf8').startsWith('fe80:')
    );
  } catch {
    return false;
  }
}

/** Waits until `ready()` holds (polling, as {@link waitFor}); throws after `timeoutMs`. */
export async function waitUntil(
  what: string,
  ready: () => boolean,
  timeoutMs = 20000,
): Promise<void> {
  if (!(await waitFor(ready, timeoutMs))) throw new Error(`timed out waiting for ${what}`);
}

/**
 * Puts the VM's devices back as it set them up (`rxe0` on `veth0`, `rxe1` on its peer `veth1`):
 * the veth pair if it was deleted, then each device that is missing.
 */
export async function restoreDevices(devices: readonly string[]): Promise<void> {
  const [first, second] = devices.map(netdevOf);
  if (!existsSync(`/sys/class/net/${first}`)) {
    execFileSync('ip', ['link', 'add', first, 'type', 'veth', 'peer', 'name', second]);
  }
  for (const netdev of [first, second]) setNetdev(netdev, 'up');
  for (const device of devices) {
    // A device being removed is still listed until every process has let go of it.
    const sysfs = `/sys/class/infiniband/${device}`;
    await waitUntil(`${device} to be ready or gone`, () => portReady(device) || !existsSync(sysfs));
    if (!existsSync(sysfs)) {
      execFileSync('rdma', ['link', 'add', device, 'type', 'rxe', 'netdev', netdevOf(device)]);
    }
  }
  for (const device of devices) await waitUntil(`${device} to be ACTIVE`, () => portReady(device));
}
