/**
 * The devices an integration test needs. A missing device fails the test run loudly: the suite
 * never skips because the machine has no RDMA device.
 */

import { listDevices } from '../../lib';

/** How many devices the run requires (`NDK_VERBS_REQUIRE_DEVICES`, default 1). */
export function requiredDeviceCount(): number {
  return Number(process.env.NDK_VERBS_REQUIRE_DEVICES ?? '1');
}

/** The names of the devices, after checking there are at least as many as required. */
export function requireDevices(): string[] {
  const names = listDevices().map((device) => device.name);
  const required = Math.max(1, requiredDeviceCount());
  if (names.length < required) {
    throw new Error(
      `integration tests need ${required} RDMA device(s), found ${names.length} (${names.join(', ') || 'none'}). ` +
        'Run them with `npm test` (which boots the SoftRoCE VM) or on a host with RDMA devices.',
    );
  }
  return names;
}
