import { qemuOptValue } from './qemu-args';

/** The IPv4 prefix length of the hosts' link-local addresses (169.254.0.0/16, never routed). */
export const HOST_PREFIX_LENGTH = 16;

/** The NIC's MTU: room for RoCE's 4096-byte path MTU with its headers. */
export const HOST_NIC_MTU = 9000;

/**
 * The IPv4 address of host `index` on the virtual Ethernet: 169.254.0.1 for host 0, and so on.
 *
 * @param index - Host index, from 0.
 * @returns The dotted address.
 */
export function hostAddress(index: number): string {
  return `169.254.0.${index + 1}`;
}

/**
 * The name of the rxe device on a host's NIC: the one after the veth devices, so that `rxe0` …
 * `rxe<devices-1>` stay on their veth pairs as on a single VM and single-host tests run unchanged.
 *
 * @param devices - Number of veth rxe devices (`--devices`).
 * @returns E.g. `rxe2` with the default two veth devices.
 */
export function hostDeviceName(devices: number): string {
  return `rxe${devices}`;
}

/** What one host of a run needs to join the segment and the shared directory. */
export interface HostNetworkInput {
  /** Host index, from 0. */
  index: number;
  /** Every host's address, in index order. */
  addresses: readonly string[];
  /** The hub's UDP port on 127.0.0.1 for this host ({@link EthernetHub.portOf}). */
  hubPort: number;
  /** Host directory shared writable into every guest, mounted there at the same path. */
  sharedDir: string;
}

/**
 * QEMU arguments and kernel command-line words for one host: a virtio-net NIC (no option ROM,
 * whose iPXE banner would reach the console) on a `dgram` netdev towards the hub, and the shared
 * directory as a second writable 9p share. The guest script reads the `ndkv_host_*` words.
 *
 * @param input - The host's index, the addresses, its hub port and the shared directory.
 * @returns The extra arguments for {@link buildQemuArgs}.
 * @throws Error when the shared directory's path has whitespace (it goes on the kernel command line).
 */
export function hostQemuExtras(input: HostNetworkInput): {
  args: string[];
  append: string[];
} {
  if (/\s/.test(input.sharedDir)) {
    throw new Error(
      `the shared directory cannot have whitespace in its path: "${input.sharedDir}"`,
    );
  }
  const mac = `52:54:00:4e:44:${(input.index + 1).toString(16).padStart(2, '0')}`;
  return {
    args: [
      '-netdev',
      'dgram,id=segment,local.type=inet,local.host=127.0.0.1,local.port=0,' +
        `remote.type=inet,remote.host=127.0.0.1,remote.port=${input.hubPort}`,
      '-device',
      `virtio-net-pci,netdev=segment,mac=${mac},romfile=`,
      '-virtfs',
      `local,path=${qemuOptValue(input.sharedDir)},mount_tag=shared,security_model=none`,
    ],
    append: [
      `ndkv_host_index=${input.index}`,
      `ndkv_host_addresses=${input.addresses.join(',')}`,
      `ndkv_host_prefix=${HOST_PREFIX_LENGTH}`,
      `ndkv_host_mtu=${HOST_NIC_MTU}`,
      `ndkv_shared=${input.sharedDir}`,
    ],
  };
}
