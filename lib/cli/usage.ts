import {
  DEFAULT_DEVICES,
  DEFAULT_MEMORY_MB,
  DEVICES_RANGE,
  HOSTS_RANGE,
  MEMORY_RANGE,
} from '../vm/limits';

/** Help for `ndk-verbs vm`. */
export const VM_USAGE = `Usage: ndk-verbs vm [--devices N] [--mem MB] [--timeout S] [--icount] -- <command> [args...]
       ndk-verbs vm --hosts N [options] -- <command> [args...]
       ndk-verbs vm [--hosts N] [options] --host 0 -- <command...> --host 1 -- <command...> ...

Boots a throw-away SoftRoCE VM (QEMU, Debian's kernel with rdma_rxe) that sees this machine's
file system read-only, brings up N rxe devices (rxe0 on veth0, rxe1 on its peer veth1, ...), runs
<command> in the current directory with the current environment, streams its output and exits
with its exit status.

With --hosts N (${HOSTS_RANGE.min}..${HOSTS_RANGE.max}), boots N such VMs on one virtual Ethernet (169.254.0.1, .2, ...,
MTU 9000, rxe<devices> on each NIC) and runs the command on each, or host i's own command in the
--host form. Output lines are prefixed with [host i]. Each command sees NDK_VERBS_HOST_INDEX,
NDK_VERBS_HOSTS, NDK_VERBS_HOST_DEVICE and NDK_VERBS_SHARED_DIR (a directory shared by all hosts).
The exit status is the first non-zero one of the hosts, or 0; when one fails, the others are
stopped. See docs/hosts.md.

Options:
  --hosts N     number of hosts on one virtual Ethernet, ${HOSTS_RANGE.min}..${HOSTS_RANGE.max} (default: one VM)
  --devices N   number of rxe devices, ${DEVICES_RANGE.min}..${DEVICES_RANGE.max} (default ${DEFAULT_DEVICES})
  --mem MB      guest memory in MiB, ${MEMORY_RANGE.min}..${MEMORY_RANGE.max} (default ${DEFAULT_MEMORY_MB})
  --timeout S   stop the VM after S seconds (boot included) and exit 124
  --icount      count guest time in instructions (QEMU -icount shift=0,sleep=off, TCG, one vCPU):
                host load drops out of the guest's timings (single VM only)
  -h, --help    show this help

Exit status: the command's; 124 on timeout; 125 when the VM failed; 130/143 on SIGINT/SIGTERM.
Environment: NDK_VERBS_VM_ACCEL=kvm|tcg, NDK_VERBS_CACHE_DIR, NDK_VERBS_VM_KERNEL_PACKAGE.
`;

/** Help for `ndk-verbs devices`. */
export const DEVICES_USAGE = `Usage: ndk-verbs devices

Lists the RDMA devices that libibverbs sees: name, node GUID, transport and port states, then the
GID table of each port (index, GID, type: the gidIndex / gidFamily that queue pairs choose from).
Exits 1 when there is none (try: ndk-verbs vm -- ndk-verbs devices).
`;

/** Top-level help. */
export const MAIN_USAGE = `Usage: ndk-verbs <command> [options]

Commands:
  vm [--devices N] [--mem MB] [--timeout S] -- <command...>
                run a command in a SoftRoCE VM with real rxe devices
  vm --hosts N [options] -- <command...>
                run it on N SoftRoCE hosts on one virtual Ethernet (also --host i -- <command>)
  devices       list the RDMA devices (name, node GUID, transport, ports, GID tables)

Run 'ndk-verbs <command> --help' for details.
`;
