import type { listDevices } from '../devices';

/** One device as `listDevices()` reports it. */
export type DeviceRow = ReturnType<typeof listDevices>[number];

/** Cells padded to their column's widest, two spaces apart; the last column is not padded. */
function aligned(rows: readonly string[][], indent = ''): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows
    .map(
      (r) =>
        indent +
        r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]))).join('  '),
    )
    .join('\n')
    .concat('\n');
}

/**
 * Formats devices as an aligned text table: name, node GUID, transport, and every port as
 * `<port>:<state>/<link layer>`.
 *
 * @param devices - The devices to show.
 * @returns The table, one line per device after a header, ending with a newline.
 */
export function formatDevicesTable(devices: readonly DeviceRow[]): string {
  return aligned([
    ['NAME', 'NODE GUID', 'TRANSPORT', 'PORTS'],
    ...devices.map((d) => [
      d.name,
      d.nodeGuid,
      d.transport,
      d.ports.map((p) => `${p.port}:${p.state}/${p.linkLayer}`).join(' '),
    ]),
  ]);
}

/**
 * Formats every port's GID table, as `ibv_devinfo -v` and `rdma` show it: per device and port a
 * heading, then one line per valid entry with its index, GID and type. A port without a valid
 * entry says so.
 *
 * @param devices - The devices to show.
 * @returns The tables, ending with a newline.
 */
export function formatGidTables(devices: readonly DeviceRow[]): string {
  return devices
    .flatMap((d) =>
      d.ports.map((p) => {
        const heading = `GIDs of ${d.name} port ${p.port}:\n`;
        if (p.gids.length === 0) return `${heading}  (none)\n`;
        return (
          heading +
          aligned(
            [['INDEX', 'GID', 'TYPE'], ...p.gids.map((g) => [String(g.index), g.gid, g.type])],
            '  ',
          )
        );
      }),
    )
    .join('');
}
