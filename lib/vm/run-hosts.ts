import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Writable } from 'node:stream';
import { chooseAccelerator } from './accel';
import { EthernetHub, type LinkConditions } from './ethernet-hub';
import { bootHost, type HostBootOutcome } from './host-boot';
import { hostAddress, hostDeviceName, hostQemuExtras } from './host-network';
import { prepareImage } from './image';
import type { VmKernel } from './kernel';
import {
  DEFAULT_DEVICES,
  DEFAULT_MEMORY_MB,
  DEVICES_RANGE,
  EXIT_TIMEOUT,
  EXIT_VM_FAILURE,
  HOSTS_RANGE,
  MEMORY_RANGE,
  TIMEOUT_RANGE,
  checkRange,
} from './limits';
import { LinePrefixer } from './line-prefix';
import { hiddenFromGuest } from './visibility';
import { createWorkDir, type WorkDir } from './work-dir';

/** Options of {@link runHosts}. */
export interface RunHostsOptions {
  /** Number of hosts, 2 to 4. */
  hosts: number;
  /**
   * The argv every host runs, or a function giving each host its own (called with the host index).
   * Looked up in the caller's PATH, run in `cwd` as root.
   */
  command: readonly string[] | ((host: number) => readonly string[]);
  /** rxe devices on veth pairs in each host (`rxe0`…), 1 to 8; default 2. The NIC's device comes after. */
  devices?: number;
  /** Guest memory of each host in MiB, 256 to 16384; default 2048. */
  memoryMb?: number;
  /** Stop every host after this many seconds (boot included); the run's status is then 124. */
  timeoutSeconds?: number;
  /** Host directory the commands run in (each guest sees the same path); default `process.cwd()`. */
  cwd?: string;
  /** Environment exported to every command (the host's own variables are added); default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Receives every host's stdout, each line prefixed with `[host <i>] `; default `process.stdout`. */
  stdout?: Writable;
  /** Receives every host's stderr and ndk-verbs' messages, prefixed likewise; default `process.stderr`. */
  stderr?: Writable;
  /**
   * The rendezvous directory shared writable into every host (`NDK_VERBS_SHARED_DIR`). Default: a
   * fresh temporary directory, removed when the run ends. A directory given here is kept.
   */
  sharedDir?: string;
  /**
   * Whether the other hosts are stopped as soon as one host's command fails (a non-zero status,
   * not a kill through {@link HostsRun.kill}); default `true`, so that a server does not wait for a
   * client that is gone until the timeout.
   */
  stopOnFailure?: boolean;
  /** The kernel every host boots; default the one the environment names, else Debian 12's current one. */
  kernel?: VmKernel;
}

/** How one host of a run ended. */
export interface HostResult {
  /** Host index. */
  readonly host: number;
  /** The command's exit status; `undefined` when the host was killed or stopped before it ended. */
  readonly exitCode: number | undefined;
  /** Whether {@link HostsRun.kill} killed it (its status does not count). */
  readonly killed: boolean;
  /** Whether the run stopped it: another host failed, the timeout, a signal. */
  readonly stopped: boolean;
}

/** Outcome of a {@link runHosts} run. */
export interface RunHostsResult {
  /**
   * The first non-zero exit status of a host's command, in the order the hosts ended, or 0. A host
   * killed on purpose does not count. 124 after the timeout, 125 when a VM failed, 130/143 on
   * SIGINT/SIGTERM, 141 when stdout or stderr was a pipe that closed.
   */
  readonly exitCode: number;
  /** Whether `timeoutSeconds` stopped the run. */
  readonly timedOut: boolean;
  /** Each host's outcome, in index order. */
  readonly hosts: readonly HostResult[];
}

/** A running set of hosts: their addresses, fault control, and the end of the run. */
export interface HostsRun {
  /** Number of hosts. */
  readonly hosts: number;
  /** Each host's IPv4 address on the segment, in index order: 169.254.0.1, 169.254.0.2, … */
  readonly addresses: readonly string[];
  /** The rxe device on each host's NIC (after its veth devices): `rxe2` with two veth devices. */
  readonly deviceName: string;
  /** The rendezvous directory (`NDK_VERBS_SHARED_DIR`), as the host and every guest see it. */
  readonly sharedDir: string;
  /** Settles once every host has stopped; never rejects for a command's failure, only for set-up errors. */
  readonly done: Promise<RunHostsResult>;
  /**
   * Kills host `host` at once (SIGKILL of its QEMU: a crash, with no clean shutdown). Its status
   * does not count in the run's. Killing a host that has ended does nothing.
   * @throws RangeError for a host index that is not in the run.
   */
  kill(host: number): void;
  /**
   * Cuts (`'down'`) or restores (`'up'`) host `host`'s link: while it is down, every frame from or
   * to it is dropped; its NIC keeps its carrier, as when a cable or a switch in between fails.
   * @throws RangeError for a host index that is not in the run.
   */
  setLink(host: number, state: 'up' | 'down'): void;
  /**
   * Sets loss and delay on host `host`'s link (both directions); `{}` clears them.
   * @throws RangeError for a host index not in the run, or a loss or delay out of range.
   */
  setLinkConditions(host: number, conditions: LinkConditions): void;
}

const SIGNAL_EXIT: Record<'SIGINT' | 'SIGTERM', number> = { SIGINT: 130, SIGTERM: 143 };
const EXIT_BROKEN_PIPE = 141;

/**
 * Boots `hosts` SoftRoCE VMs joined by one virtual Ethernet segment (a switch in this process,
 * reached over UDP on 127.0.0.1: no root, bridge or tap on the host) and runs a command on each.
 * Host `i` has the address 169.254.0.`i+1`/16 on a NIC with MTU 9000, `rxe<devices>` on that NIC
 * (its IPv4 GID is RoCE v2), `rxe0`… on veth pairs as a single VM has, and the shared directory.
 * Each command sees `NDK_VERBS_HOST_INDEX`, `NDK_VERBS_HOSTS` (the addresses, comma-separated),
 * `NDK_VERBS_HOST_DEVICE` and `NDK_VERBS_SHARED_DIR`, and starts once every other host answers on
 * the segment.
 *
 * No QEMU outlives the run (see `runInVm`).
 *
 * @param options - The hosts, their command and settings.
 * @returns The running hosts; `done` settles with the result.
 * @throws RangeError for out-of-range settings; Error for an empty command, a non-x86-64 host or
 *   a directory the guests cannot see.
 */
export function runHosts(options: RunHostsOptions): HostsRun {
  const hosts = checkRange('hosts', options.hosts, HOSTS_RANGE);
  const devices = checkRange('devices', options.devices ?? DEFAULT_DEVICES, DEVICES_RANGE);
  const memoryMb = checkRange('memoryMb', options.memoryMb ?? DEFAULT_MEMORY_MB, MEMORY_RANGE);
  if (options.timeoutSeconds !== undefined) {
    checkRange('timeoutSeconds', options.timeoutSeconds, TIMEOUT_RANGE);
  }
  const commands = Array.from({ length: hosts }, (_, i) =>
    typeof options.command === 'function' ? options.command(i) : options.command,
  );
  const empty = commands.findIndex((c) => c.length === 0);
  if (empty >= 0) throw new Error(`no command to run on host ${empty}`);
  if (process.arch !== 'x64') {
    throw new Error(`the SoftRoCE VM needs an x86-64 host, not ${process.arch}`);
  }
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const hidden = hiddenFromGuest(cwd);
  if (hidden) {
    throw new Error(`${cwd} is under ${hidden}, which the VM does not share: run from elsewhere`);
  }
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const addresses = Array.from({ length: hosts }, (_, i) => hostAddress(i));
  const deviceName = hostDeviceName(devices);

  let runDir: WorkDir | undefined;
  let sharedDir = options.sharedDir === undefined ? undefined : path.resolve(options.sharedDir);
  if (sharedDir === undefined) {
    runDir = createWorkDir();
    sharedDir = path.join(runDir.root, 'shared');
    fs.mkdirSync(sharedDir, { mode: 0o777 });
  }

  const control = new RunControl(hosts);
  const done = runAll({
    options,
    hosts,
    devices,
    memoryMb,
    commands,
    cwd,
    stdout,
    stderr,
    addresses,
    deviceName,
    sharedDir,
    control,
  }).finally(() => runDir?.remove());
  return {
    hosts,
    addresses,
    deviceName,
    sharedDir,
    done,
    kill: (host) => control.kill(checkHost(host, hosts)),
    setLink: (host, state) => control.setLink(checkHost(host, hosts), state),
    setLinkConditions: (host, conditions) =>
      control.setConditions(checkHost(host, hosts), checkConditions(conditions)),
  };
}

function checkHost(host: number, hosts: number): number {
  if (!Number.isInteger(host) || host < 0 || host >= hosts) {
    throw new RangeError(`host must be an integer from 0 to ${hosts - 1}, not ${host}`);
  }
  return host;
}

function checkConditions(conditions: LinkConditions): LinkConditions {
  const { lossPercent = 0, delayMs = 0 } = conditions;
  if (!(lossPercent >= 0 && lossPercent <= 100)) {
    throw new RangeError(`lossPercent must be from 0 to 100, not ${lossPercent}`);
  }
  if (!(delayMs >= 0 && delayMs <= 10_000)) {
    throw new RangeError(`delayMs must be from 0 to 10000, not ${delayMs}`);
  }
  return { lossPercent, delayMs };
}

/**
 * The run's levers, usable from the moment `runHosts` returns: a kill or link change asked before
 * the QEMUs or the hub exist is applied when they do.
 */
class RunControl {
  readonly qemus: Array<ChildProcess | undefined>;
  readonly killed: boolean[];
  readonly stopped: boolean[];
  private hub: EthernetHub | undefined;
  private readonly links: Array<'up' | 'down'>;
  private readonly conditions: LinkConditions[];

  constructor(hosts: number) {
    this.qemus = Array<ChildProcess | undefined>(hosts).fill(undefined);
    this.killed = Array<boolean>(hosts).fill(false);
    this.stopped = Array<boolean>(hosts).fill(false);
    this.links = Array<'up' | 'down'>(hosts).fill('up');
    this.conditions = Array.from({ length: hosts }, () => ({}));
  }

  attachHub(hub: EthernetHub): void {
    this.hub = hub;
    this.links.forEach((state, i) => hub.setLink(i, state));
    this.conditions.forEach((c, i) => hub.setConditions(i, c));
  }

  started(host: number, qemu: ChildProcess): void {
    this.qemus[host] = qemu;
    if (this.killed[host] || this.stopped[host]) qemu.kill('SIGKILL');
  }

  kill(host: number): void {
    if (this.stopped[host]) return;
    this.killed[host] = true;
    this.qemus[host]?.kill('SIGKILL');
  }

  /** Stops every host still running (timeout, a failure elsewhere, a broken output). */
  stopAll(): void {
    this.qemus.forEach((qemu, i) => {
      if (this.killed[i]) return;
      this.stopped[i] = true;
      qemu?.kill('SIGKILL');
    });
  }

  setLink(host: number, state: 'up' | 'down'): void {
    this.links[host] = state;
    this.hub?.setLink(host, state);
  }

  setConditions(host: number, conditions: LinkConditions): void {
    this.conditions[host] = conditions;
    this.hub?.setConditions(host, conditions);
  }
}

interface RunInput {
  options: RunHostsOptions;
  hosts: number;
  devices: number;
  memoryMb: number;
  commands: ReadonlyArray<readonly string[]>;
  cwd: string;
  stdout: Writable;
  stderr: Writable;
  addresses: string[];
  deviceName: string;
  sharedDir: string;
  control: RunControl;
}

async function runAll(input: RunInput): Promise<RunHostsResult> {
  const { options, control, stdout, stderr } = input;
  const accel = chooseAccelerator();
  const image = await prepareImage(
    options.kernel === undefined ? { stderr } : { stderr, kernel: options.kernel },
  );
  const hub = await EthernetHub.open(input.hosts);
  control.attachHub(hub);
  let timedOut = false;
  let brokenPipe: NodeJS.ErrnoException | undefined;
  const onBroken = (err: NodeJS.ErrnoException): void => {
    brokenPipe ??= err;
    control.stopAll();
  };
  stdout.on('error', onBroken);
  stderr.on('error', onBroken);
  const timer =
    options.timeoutSeconds === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          control.stopAll();
        }, options.timeoutSeconds * 1000);
  // The hosts share the machine's cores: more vCPUs than cores only adds contention under TCG.
  const cpus = Math.max(1, Math.min(4, Math.floor(os.availableParallelism() / input.hosts)));
  const finished: Array<{ host: number; exitCode: number }> = [];
  try {
    const outcomes = await Promise.all(
      input.commands.map(async (command, host) => {
        const prefix = `[host ${host}] `;
        const out = new LinePrefixer(prefix);
        const err = new LinePrefixer(prefix);
        out.pipe(stdout, { end: false });
        err.pipe(stderr, { end: false });
        try {
          const outcome = await bootHost({
            image,
            accel,
            command,
            cwd: input.cwd,
            env: hostEnv(input, host),
            devices: input.devices,
            memoryMb: input.memoryMb,
            cpus,
            extra: hostQemuExtras({
              index: host,
              addresses: input.addresses,
              hubPort: hub.portOf(host),
              sharedDir: input.sharedDir,
            }),
            stdout: out,
            stderr: err,
            onStarted: (qemu) => control.started(host, qemu),
          });
          const exitCode = hostExitCode(outcome, host, control, err);
          if (exitCode !== undefined) finished.push({ host, exitCode });
          if (exitCode !== undefined && exitCode !== 0 && options.stopOnFailure !== false) {
            control.stopAll();
          }
          return outcome;
        } finally {
          await Promise.all([endStream(out), endStream(err)]);
        }
      }),
    );
    const results: HostResult[] = outcomes.map((_, host) => ({
      host,
      exitCode: finished.find((f) => f.host === host)?.exitCode,
      killed: control.killed[host],
      stopped: control.stopped[host] && !finished.some((f) => f.host === host),
    }));
    const signal = outcomes.find((o) => o.signal)?.signal;
    const base = { timedOut, hosts: results };
    if (signal) {
      stderr.write(`ndk-verbs vm: interrupted by ${signal}; the hosts were stopped\n`);
      return { ...base, exitCode: SIGNAL_EXIT[signal] };
    }
    if (timedOut) {
      stderr.write(
        `ndk-verbs vm: timed out after ${options.timeoutSeconds} s; the hosts were stopped\n`,
      );
      return { ...base, exitCode: EXIT_TIMEOUT };
    }
    if (brokenPipe) {
      if (brokenPipe.code === 'EPIPE') return { ...base, exitCode: EXIT_BROKEN_PIPE };
      throw new Error(`cannot write the hosts' output (${brokenPipe.message}); they were stopped`);
    }
    return { ...base, exitCode: finished.find((f) => f.exitCode !== 0)?.exitCode ?? 0 };
  } finally {
    if (timer) clearTimeout(timer);
    stdout.off('error', onBroken);
    stderr.off('error', onBroken);
    hub.close();
  }
}

function hostEnv(input: RunInput, host: number): NodeJS.ProcessEnv {
  return {
    ...(input.options.env ?? process.env),
    NDK_VERBS_HOST_INDEX: String(host),
    NDK_VERBS_HOSTS: input.addresses.join(','),
    NDK_VERBS_HOST_DEVICE: input.deviceName,
    NDK_VERBS_SHARED_DIR: input.sharedDir,
  };
}

/** The status a host's end counts for, or `undefined` for a host killed or stopped on purpose. */
function hostExitCode(
  outcome: HostBootOutcome,
  host: number,
  control: RunControl,
  stderr: Writable,
): number | undefined {
  if (control.killed[host] || outcome.signal) return undefined;
  if (outcome.status !== undefined) return outcome.status;
  if (control.stopped[host]) return undefined;
  stderr.write(
    `ndk-verbs vm: host ${host} stopped before its command finished (qemu ${outcome.how}); ` +
      `last kernel messages:\n${outcome.kernelLogTail}`,
  );
  return EXIT_VM_FAILURE;
}

function endStream(stream: Writable): Promise<void> {
  return new Promise((resolve) => stream.end(resolve));
}
