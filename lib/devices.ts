/**
 * The RDMA devices libibverbs can see.
 *
 * @packageDocumentation
 */

import { native } from './native';
import { type GidEntry } from './ndk/gid-choice';
import { formatGid } from './ndk/qp-address';

/** One port of a device. */
export interface PortInfo {
  /** Port number, from 1. */
  readonly port: number;
  /** `ibv_port_state_str()`: 'ACTIVE', 'DOWN', 'INIT', … */
  readonly state: string;
  /** 'Ethernet' (RoCE, including rxe), 'InfiniBand' or 'unspecified'. */
  readonly linkLayer: string;
  /** The port's valid GID table entries (index, GID, type), as `ibv_devinfo -v` lists them. */
  readonly gids: readonly GidEntry[];
}

/** One RDMA device. */
export interface DeviceInfo {
  /** The verbs device name, such as 'rxe0' or 'mlx5_0'. */
  readonly name: string;
  /** 16 hex digits, as `/sys/class/infiniband/<name>/node_guid` shows them without the colons. */
  readonly nodeGuid: string;
  /** 'InfiniBand' for IB and RoCE devices (rxe included), 'iWARP', … */
  readonly transport: string;
  /** The device's ports. */
  readonly ports: readonly PortInfo[];
}

/** Lists the RDMA devices; an empty list on a machine without any (or without kernel support). */
export function listDevices(): DeviceInfo[] {
  return native.deviceList().map((device) => ({
    ...device,
    ports: device.ports.map((port) => ({
      ...port,
      gids: port.gids.map((entry) => ({ ...entry, gid: formatGid(entry.gid) })),
    })),
  }));
}
