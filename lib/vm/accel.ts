import * as fs from 'node:fs';

/** The QEMU accelerators ndk-verbs knows how to use. */
export type AcceleratorName = 'kvm' | 'tcg';

/** The accelerator chosen for a VM and the QEMU arguments that select it. */
export interface Accelerator {
  /** `kvm` (hardware virtualisation) or `tcg` (emulation, ~20x slower JavaScript). */
  name: AcceleratorName;
  /** `-accel … -cpu …` arguments for QEMU. */
  qemuArgs: string[];
  /** Arguments for the guest kernel's command line that this accelerator needs. */
  kernelArgs: string[];
  /** Why this accelerator was chosen, for diagnostics. */
  reason: string;
  /**
   * Whether guest time is counted in instructions (`-icount`): each guest instruction is 1 ns of
   * guest clock, so timings repeat from run to run whatever else the host is doing. One vCPU only.
   */
  counted: boolean;
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
 * Under TCG the guest kernel finds its vCPUs' TSCs "unsynchronized" and falls back to the HPET:
 * every clock read (libuv reads it each loop turn, V8 during each collection, `performance.now()`)
 * is then a system call plus an emulated device access, 3.9–4.3 µs each against 1.4–1.6 µs with
 * the TSC (measured in the guest, 2 vCPUs). QEMU derives every vCPU's TSC from one clock (the
 * host's, or the instruction counter), so it is reliable, and the vDSO reads it without a system
 * call, as on real hardware. KVM guests keep their own choice (kvm-clock).
 */
const KERNEL_ARGS: Record<AcceleratorName, string[]> = {
  kvm: [],
  tcg: ['tsc=reliable', 'clocksource=tsc'],
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
    return uncounted(forced, 'NDK_VERBS_VM_ACCEL');
  }
  if (!probe.cpuHasVirtualization()) return uncounted('tcg', 'no vmx/svm in /proc/cpuinfo');
  if (!probe.kvmUsable()) return uncounted('tcg', '/dev/kvm is missing or not accessible');
  return uncounted('kvm', 'vmx/svm and a usable /dev/kvm');
}

function uncounted(name: AcceleratorName, reason: string): Accelerator {
  return { name, qemuArgs: ARGS[name], kernelArgs: KERNEL_ARGS[name], reason, counted: false };
}

/**
 * QEMU's instruction counter: `-icount shift=0,sleep=off` makes each guest instruction 1 ns of
 * guest clock, and an idle guest's clock jump to its next timer instead of waiting for the host.
 * Host load and the emulator's uneven speed then drop out of every guest timing. It needs TCG
 * without multi-threading (so one vCPU: with two, runs did not finish), and KVM cannot count.
 */
const COUNTED_ARGS = ['-accel', 'tcg', '-icount', 'shift=0,sleep=off', '-cpu', 'max'];

/**
 * The accelerator of a counted run (`runInVm({ icount: true })`, `ndk-verbs vm --icount`): TCG with
 * QEMU's instruction counter, whatever the host offers.
 *
 * @param env - Environment holding the optional `NDK_VERBS_VM_ACCEL`; defaults to `process.env`.
 * @returns The accelerator and its QEMU arguments.
 * @throws Error when `NDK_VERBS_VM_ACCEL` asks for `kvm`, which cannot count instructions.
 */
export function countedAccelerator(env: NodeJS.ProcessEnv = process.env): Accelerator {
  if (env.NDK_VERBS_VM_ACCEL === 'kvm') {
    throw new Error('instruction counting needs TCG, but NDK_VERBS_VM_ACCEL is "kvm"');
  }
  return {
    name: 'tcg',
    qemuArgs: COUNTED_ARGS,
    kernelArgs: KERNEL_ARGS.tcg,
    reason: 'instruction counting (icount) asked for',
    counted: true,
  };
}
