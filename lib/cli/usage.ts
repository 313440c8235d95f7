import {
  DEFAULT_DEVICES,
  DEFAULT_MEMORY_MB,
  DEVICES_RANGE,
  HOSTS_RANGE,
  MEMORY_RANGE,
} from '../vm/limits';

/** Help for `ndk-verbs vm`. */
export const VM_USAGE = `Usage: ndk-verbs vm [--devices N] [--mem MB] [--timeout S] [--icount]
                     [--kernel PKG | --kernel-deb FILE|URL...] -- <command> [args...]
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
  --kernel PKG  boot this Debian kernel package (apt-get download), e.g.
                linux-image-6.12-amd64; default: what linux-image-amd64 depends on
  --kernel-deb FILE|URL
                boot the kernel in these .deb packages (repeat for image, modules,
                modules-extra); for hosts whose apt has no Debian archive
  --icount      count guest time in instructions (QEMU -icount shift=0,sleep=off, TCG, one vCPU):
                host load drops out of the guest's timings (single VM only)
  -h, --help    show this help

Exit status: the command's; 124 on timeout; 125 when the VM failed; 130/143 on SIGINT/SIGTERM.
Environment: NDK_VERBS_VM_ACCEL=kvm|tcg, NDK_VERBS_CACHE_DIR, NDK_VERBS_VM_KERNEL_PACKAGE,
NDK_VERBS_VM_KERNEL_DEB.
`;

/** Help for `ndk-verbs devices`. */
export const DEVICES_USAGE = `Usage: ndk-verbs devices

Lists the RDMA devices that libibverbs sees: name, node GUID, transport and port states, then the
GID table of each port (index, GID, type: the gidIndex / gidFamily that queue pairs choose from).
Exits 1 when there is none (try: ndk-verbs vm -- ndk-verbs devices).
`;

/** Help for `ndk-verbs resources`. */
export const RESOURCES_USAGE = `Usage: ndk-verbs resources [--pid P] [--json]

Lists what processes hold from the kernel's RDMA resource tracker (rdma resource show): memory
regions with their sizes, protection domains, queue pairs and completion queues. The kernel
records the thread that created each object; it is counted for that thread's process.
Objects of threads that have exited are listed apart.

Options:
  --pid P   only process P (every one of its threads)
  --json    print JSON: [{ pid, comm, mrs, pds, qps, cqs }]
  -h, --help  show this help

Needs the rdma tool (iproute2); run as root to see other users' processes.
`;

/** Top-level help. */
export const MAIN_USAGE = `Usage: ndk-verbs <command> [options]

Commands:
  vm [--devices N] [--mem MB] [--timeout S] -- <command...>
                run a command in a SoftRoCE VM with real rxe devices
  vm --hosts N [options] -- <command...>
                run it on N SoftRoCE hosts on one virtual Ethernet (also --host i -- <command>)
  devices       list the RDMA devices (name, node GUID, transport, ports, GID tables)
  resources [--pid P] [--json]
                what processes hold in the kernel: regions and sizes, PDs, QPs, CQs

Run 'ndk-verbs <command> --help' for details.
`;
