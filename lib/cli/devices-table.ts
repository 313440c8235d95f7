import type { listDevices } from '../devices';

/** One device as `listDevices()` reports it. */
export type DeviceRow = ReturnType<typeof listDevices>[number];

/**
 * Formats devices as an aligned text table: name, node GUID, transport, and every port as
 * `<port>:<state>/<link layer>`.
 *
 * @param devices - The devices to show.
 * @returns The table, one line per device after a header, ending with a newline.
 */
export function formatDevicesTable(devices: readonly DeviceRow[]): string {
  const rows = [
    ['NAME', 'NODE GUID', 'TRANSPORT', 'PORTS'],
    ...devices.map((d) => [
      d.name,
      d.nodeGuid,
      d.transport,
      d.ports.map((p) => `${p.port}:${p.state}/${p.linkLayer}`).join(' '),
    ]),
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows
    .map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]))).join('  '))
    .join('\n')
    .concat('\n');
}
