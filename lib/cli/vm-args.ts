import { DEVICES_RANGE, HOSTS_RANGE, MEMORY_RANGE, type Range, TIMEOUT_RANGE } from '../vm/limits';
import type { VmKernel } from '../vm/kernel';
import { parseHostCommands } from './host-commands';
import { UsageError } from './usage-error';

export { UsageError };

/** What `ndk-verbs vm` was asked to do. */
export type VmArgs =
  | { help: true }
  | {
      help: false;
      /** The command of a single VM, or the one every host runs; empty in the per-host form. */
      command: string[];
      /** `--hosts N`, or how many `--host i --` commands there are. */
      hosts?: number;
      /** The per-host form (`--host 0 -- … --host 1 -- …`): host i's command at index i. */
      hostCommands?: string[][];
      devices?: number;
      memoryMb?: number;
      timeoutSeconds?: number;
      kernel?: VmKernel;
      /** `--icount`: guest time counted in instructions, one vCPU (single VM only). */
      icount?: boolean;
    };

type FlagKey = 'hosts' | 'devices' | 'memoryMb' | 'timeoutSeconds';

const FLAGS: Record<string, { key: FlagKey; range: Range }> = {
  '--hosts': { key: 'hosts', range: HOSTS_RANGE },
  '--devices': { key: 'devices', range: DEVICES_RANGE },
  '--mem': { key: 'memoryMb', range: MEMORY_RANGE },
  '--timeout': { key: 'timeoutSeconds', range: TIMEOUT_RANGE },
};

/**
 * Parses the arguments after `vm`: options (`--flag N` or `--flag=N`, the bare `--icount`;
 * `--kernel PKG`, `--kernel-deb FILE|URL`) up to `--` or the first word that is not an option;
 * everything after is the command. Or, from the first `--host`, the per-host form
 * `--host 0 -- <command> --host 1 -- <command>` (see {@link parseHostCommands}).
 *
 * @param argv - The arguments after `vm`.
 * @returns The parsed settings and command.
 * @throws UsageError for unknown flags, missing or bad values, or a missing command.
 */
export function parseVmArgs(argv: readonly string[]): VmArgs {
  const out: Partial<Record<FlagKey, number>> = {};
  let kernel: VmKernel | undefined;
  let icount = false;
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      i++;
      break;
    }
    if (arg === '-h' || arg === '--help') return { help: true };
    if (arg === '--icount') {
      icount = true;
      continue;
    }
    if (arg === '--host') {
      if (icount) throw new UsageError('--icount runs a single VM; it cannot be used with --host');
      const hostCommands = parseHostCommands(argv.slice(i), out.hosts);
      return {
        help: false,
        command: [],
        ...out,
        ...(kernel && { kernel }),
        hosts: hostCommands.length,
        hostCommands,
      };
    }
    if (!arg.startsWith('-')) break;
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg : arg.slice(0, eq);
    if (name === '--kernel' || name === '--kernel-deb') {
      const text = eq < 0 ? argv[++i] : arg.slice(eq + 1);
      if (!text || text.startsWith('-')) throw new UsageError(`${name} needs a value`);
      kernel = addKernelSource(kernel, name, text);
      continue;
    }
    const flag = FLAGS[name];
    if (!flag) throw new UsageError(`unknown option ${name}`);
    const text = eq < 0 ? argv[++i] : arg.slice(eq + 1);
    if (text === undefined) throw new UsageError(`${name} needs a value`);
    const { min, max } = flag.range;
    const value = /^\d+$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw new UsageError(`${name} must be a whole number from ${min} to ${max}, not "${text}"`);
    }
    out[flag.key] = value;
  }
  const command = argv.slice(i);
  if (command.length === 0) throw new UsageError('no command given (put it after --)');
  if (icount && out.hosts !== undefined) {
    throw new UsageError('--icount runs a single VM; it cannot be used with --hosts');
  }
  return { help: false, command, ...out, ...(kernel && { kernel }), ...(icount ? { icount } : {}) };
}

// `--kernel PKG` once, or `--kernel-deb FILE|URL` any number of times (the packages of one kernel).
function addKernelSource(kernel: VmKernel | undefined, name: string, text: string): VmKernel {
  if (name === '--kernel') {
    if (kernel !== undefined) throw new UsageError('give --kernel once, and not with --kernel-deb');
    return { package: text };
  }
  if (kernel?.package !== undefined) throw new UsageError('--kernel-deb cannot go with --kernel');
  return { debs: [...(kernel?.debs ?? []), text] };
}
