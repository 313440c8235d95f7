/**
 * Changes to the VM's links for the fault tests: a netdev set down and up, an rxe device deleted and
 * recreated on its veth. Each waits until the device is usable again, so later tests find rxe0 and
 * rxe1 as the VM set them up.
 */

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

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

/** Waits until `ready()` holds, polling; throws after `timeoutMs`. */
export async function waitUntil(
  what: string,
  ready: () => boolean,
  timeoutMs = 20000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Recreates `device` on its veth after a removal, and waits until its port is ready. */
export async function recreateDevice(device: string): Promise<void> {
  await waitUntil(`${device} to be gone`, () => !existsSync(`/sys/class/infiniband/${device}`));
  execFileSync('rdma', ['link', 'add', device, 'type', 'rxe', 'netdev', netdevOf(device)]);
  await waitUntil(`${device} to be ACTIVE`, () => portReady(device));
}
