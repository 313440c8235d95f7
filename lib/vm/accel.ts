import * as fs from 'node:fs';

/** The QEMU accelerators ndk-verbs knows how to use. */
export type AcceleratorName = 'kvm' | 'tcg';

/** The accelerator chosen for a VM and the QEMU arguments that select it. */
export interface Accelerator {
  /** `kvm` (hardware virtualisation) or `tcg` (emulation, ~20x slower JavaScript). */
  name: AcceleratorName;
  /** `-accel … -cpu …` arguments for QEMU. */
  qemuArgs: string[];
  /** Why this accelerator was chosen, for diagnostics. */
  reason: string;
}

/** Facts about the host that the accelerator choice depends on (injectable for tests). */
export interface HostProbe {
  /** Whether `/proc/cpuinfo` lists the `vmx` (Intel) or `svm` (AMD) CPU flag. */
  cpuHasVirtualization(): boolean;
  /** Whether `/dev/kvm` exists and can be opened for reading and writing. */
  kvmUsable(): boolean;
}

/** The real host: reads `/proc/cpuinfo` and opens `/dev/kvm`. */
export const realHostProbe: HostProbe = {
  cpuHasVirtualization(): boolean {
    try {
      return /^flags\s*:.*\b(vmx|svm)\b/m.test(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    } catch {
      return false;
    }
  },
  kvmUsable(): boolean {
    try {
      fs.closeSync(fs.openSync('/dev/kvm', 'r+'));
      return true;
    } catch {
      return false;
    }
  },
};

const ARGS: Record<AcceleratorName, string[]> = {
  kvm: ['-accel', 'kvm', '-cpu', 'host'],
  tcg: ['-accel', 'tcg,thread=multi', '-cpu', 'max'],
};

/**
 * Chooses how QEMU runs the guest. KVM only when the CPU advertises hardware virtualisation AND
 * `/dev/kvm` is usable (a `/dev/kvm` without `vmx`/`svm` crashes or hangs the guest); TCG otherwise.
 * `NDK_VERBS_VM_ACCEL=kvm|tcg` overrides the detection.
 *
 * @param env - Environment holding the optional override; defaults to `process.env`.
 * @param probe - Host facts; defaults to {@link realHostProbe}.
 * @returns The accelerator and its QEMU arguments.
 * @throws Error when `NDK_VERBS_VM_ACCEL` has another value.
 */
export function chooseAccelerator(
  env: NodeJS.ProcessEnv = process.env,
  probe: HostProbe = realHostProbe,
): Accelerator {
  const forced = env.NDK_VERBS_VM_ACCEL;
  if (forced) {
    if (forced !== 'kvm' && forced !== 'tcg') {
      throw new Error(`NDK_VERBS_VM_ACCEL must be "kvm" or "tcg", not "${forced}"`);
    }
    return { name: forced, qemuArgs: ARGS[forced], reason: 'NDK_VERBS_VM_ACCEL' };
  }
  if (!probe.cpuHasVirtualization()) {
    return { name: 'tcg', qemuArgs: ARGS.tcg, reason: 'no vmx/svm in /proc/cpuinfo' };
  }
  if (!probe.kvmUsable()) {
    return { name: 'tcg', qemuArgs: ARGS.tcg, reason: '/dev/kvm is missing or not accessible' };
  }
  return { name: 'kvm', qemuArgs: ARGS.kvm, reason: 'vmx/svm and a usable /dev/kvm' };
}
