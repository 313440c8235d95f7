// listDevices() against real RDMA devices: the SoftRoCE VM's rxe0/rxe1, or the host's own. The
// suite never skips: fewer devices than NDK_VERBS_REQUIRE_DEVICES (at least 1) is a failure.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { listDevices } from '../../lib';

const SYSFS = '/sys/class/infiniband';
const CLI = path.resolve(__dirname, '../../lib/cli/main.js');
const required = Math.max(1, Number(process.env.NDK_VERBS_REQUIRE_DEVICES ?? '1') || 1);
/** Set by the VM's guest script: the VM made rxe0 … rxe<N-1>. */
const vmDevices = process.env.NDK_VERBS_VM === '1' ? Number(process.env.NDK_VERBS_VM_DEVICES) : 0;

/** What the kernel shows for each device, the reference the addon is checked against. */
function sysfsDevices(): string[] {
  return fs.existsSync(SYSFS) ? fs.readdirSync(SYSFS).sort() : [];
}

function sysfs(...parts: string[]): string {
  return fs.readFileSync(path.join(SYSFS, ...parts), 'utf8').trim();
}

describe('listDevices() on real RDMA devices', () => {
  const expected = sysfsDevices();
  // With no device at all, the per-device tests below run once on a placeholder and fail.
  const perDevice = expected.length > 0 ? expected : ['<no device in /sys/class/infiniband>'];
  let devices: ReturnType<typeof listDevices>;

  beforeAll(() => {
    devices = listDevices();
  });

  test(`finds at least ${required} device(s) (NDK_VERBS_REQUIRE_DEVICES), the ones sysfs shows`, () => {
    const names = devices.map((d) => d.name).sort();
    if (names.length < required) {
      throw new Error(
        `expected at least ${required} RDMA device(s), listDevices() found ${names.length} ` +
          `(${names.join(', ') || 'none'}); ${SYSFS} shows: ${expected.join(', ') || 'nothing'}. ` +
          'Run the integration suite in the SoftRoCE VM (npm test does) or on a host with RDMA devices.',
      );
    }
    expect(names).toEqual(expected);
  });

  if (vmDevices > 0) {
    test(`in the SoftRoCE VM: rxe0 … rxe${vmDevices - 1} are all listed`, () => {
      const want = Array.from({ length: vmDevices }, (_, i) => `rxe${i}`);
      expect(devices.map((d) => d.name).sort()).toEqual(want);
    });
  }

  test.each(perDevice)('%s: node GUID is sysfs node_guid without colons', (name) => {
    const device = devices.find((d) => d.name === name);
    expect(device).toBeDefined();
    expect(device!.nodeGuid).toMatch(/^[0-9a-f]{16}$/);
    expect(device!.nodeGuid).toBe(sysfs(name, 'node_guid').replace(/:/g, ''));
  });

  test.each(perDevice)('%s: port 1 is ACTIVE, ports and states match sysfs', (name) => {
    const device = devices.find((d) => d.name === name);
    if (!device) throw new Error(`listDevices() did not list ${name}`);
    expect(device.transport).not.toBe('');
    const ports = fs
      .readdirSync(path.join(SYSFS, name, 'ports'))
      .map(Number)
      .sort((a, b) => a - b);
    expect(device.ports.map((p) => p.port)).toEqual(ports);
    for (const port of device.ports) {
      // sysfs says e.g. "4: ACTIVE".
      expect(port.state).toBe(
        sysfs(name, 'ports', String(port.port), 'state').replace(/^\d+:\s*/, ''),
      );
    }
    expect(device.ports.find((p) => p.port === 1)?.state).toBe('ACTIVE');
    if (vmDevices > 0) expect(device.ports[0].linkLayer).toMatch(/^ethernet$/i);
  });

  test('ndk-verbs devices prints one row per device with its node GUID, then fork support', () => {
    const output = execFileSync(process.execPath, [CLI, 'devices'], { encoding: 'utf8' });
    const lines = output.trimEnd().split('\n');
    // The table, a blank line and the GID tables, then one line with the kernel's fork support
    // (see docs/child-processes.md).
    expect(lines.at(-1)).toMatch(/^fork support: (disabled|enabled|unneeded)\b/);
    const rows = lines.slice(0, lines.indexOf(''));
    expect(rows[0]).toMatch(/^NAME\s+NODE GUID\s+TRANSPORT\s+PORTS$/);
    expect(rows).toHaveLength(expected.length + 1);
    for (const name of expected) {
      const guid = sysfs(name, 'node_guid').replace(/:/g, '');
      expect(rows).toContainEqual(
        expect.stringMatching(new RegExp(`^${name}\\s+${guid}\\s.*\\b1:ACTIVE\\b`)),
      );
    }
  });
});
