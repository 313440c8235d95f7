import type { Accelerator } from './accel';
import type { VmImage } from './image';

/** Everything the QEMU command line depends on. */
export interface QemuArgsInput {
  /** The prepared kernel, initramfs and modules. */
  image: VmImage;
  /** How to run the guest (KVM or TCG). */
  accel: Accelerator;
  /** The guest's stage-two script on the host (`scripts/vm/guest.sh`), run from the host's tree. */
  guestScript: string;
  /** The writable share holding `command.sh`; the guest writes `status` into it. */
  xferDir: string;
  /** Unix socket (listened on by the host) that receives the command's stderr (guest ttyS1). */
  stderrSocket: string;
  /** File receiving the kernel log (guest ttyS2). */
  kernelLog: string;
  /** Number of rxe devices. */
  devices: number;
  /** Guest memory in MiB. */
  memoryMb: number;
  /** Number of virtual CPUs. */
  cpus: number;
  /** Whether the host's stdout is a terminal: the command's stdout is then one too, else a pipe. */
  stdoutTty: boolean;
  /** Whether the host's stderr is a terminal: the command's stderr is then one too, else a pipe. */
  stderrTty: boolean;
  /** More QEMU arguments and kernel command-line words (a host of `runHosts`: its NIC, its share). */
  extra?: { args: readonly string[]; append: readonly string[] };
}

/**
 * Escapes a value for QEMU's `key=value,…` option syntax, where a literal comma is written `,,`.
 *
 * @param value - Option value, e.g. a path.
 * @returns The escaped value.
 */
export function qemuOptValue(value: string): string {
  return value.replace(/,/g, ',,');
}

/**
 * Builds the arguments of `qemu-system-x86_64` for one SoftRoCE VM run: no network, no display, the
 * host's root file system shared read-only (the guest overlays a tmpfs), the command's stdout on
 * QEMU's stdout (ttyS0), its stderr on a unix socket (ttyS1) and the kernel log in a file (ttyS2).
 *
 * @param input - Image, accelerator, paths and sizes.
 * @returns The argument vector (without the program name).
 * @throws Error when a path that goes on the kernel command line contains whitespace, or when an
 *   instruction-counted accelerator is asked for more than one vCPU.
 */
export function buildQemuArgs(input: QemuArgsInput): string[] {
  // QEMU's -icount runs all vCPUs on one host thread; with two, guest runs did not finish.
  if (input.accel.counted && input.cpus !== 1) {
    throw new Error(`an instruction-counted VM has one vCPU, not ${input.cpus}`);
  }
  for (const p of [input.guestScript, input.image.modules]) {
    if (/\s/.test(p)) throw new Error(`the VM cannot use a path with whitespace: "${p}"`);
  }
  const append = [
    'console=ttyS2',
    'quiet',
    'panic=-1',
    'rdinit=/init',
    `ndkv_guest=${input.guestScript}`,
    `ndkv_modules=${input.image.modules}`,
    `ndkv_devices=${input.devices}`,
    `ndkv_stdout_tty=${input.stdoutTty ? 1 : 0}`,
    `ndkv_stderr_tty=${input.stderrTty ? 1 : 0}`,
    ...input.accel.kernelArgs,
    ...(input.extra?.append ?? []),
  ].join(' ');
  return [
    ...input.accel.qemuArgs,
    '-smp',
    String(input.cpus),
    '-m',
    String(input.memoryMb),
    '-nodefaults',
    '-no-reboot',
    '-display',
    'none',
    '-nic',
    'none',
    '-kernel',
    input.image.kernel,
    '-initrd',
    input.image.initrd,
    '-append',
    append,
    '-virtfs',
    'local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap',
    '-virtfs',
    `local,path=${qemuOptValue(input.xferDir)},mount_tag=xfer,security_model=none`,
    '-serial',
    'stdio',
    '-chardev',
    `socket,id=guesterr,path=${qemuOptValue(input.stderrSocket)}`,
    '-serial',
    'chardev:guesterr',
    '-chardev',
    `file,id=kernellog,path=${qemuOptValue(input.kernelLog)}`,
    '-serial',
    'chardev:kernellog',
    ...(input.extra?.args ?? []),
  ];
}
