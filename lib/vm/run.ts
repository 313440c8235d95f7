import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Writable } from 'node:stream';
import { chooseAccelerator, countedAccelerator } from './accel';
import { buildCommandScript } from './command-script';
import { listenForGuestStderr } from './guest-stderr';
import { readStatus, tail } from './guest-result';
import { prepareImage } from './image';
import type { VmKernel } from './kernel';
import {
  DEFAULT_DEVICES,
  DEFAULT_MEMORY_MB,
  DEVICES_RANGE,
  EXIT_TIMEOUT,
  EXIT_VM_FAILURE,
  MEMORY_RANGE,
  TIMEOUT_RANGE,
  checkRange,
} from './limits';
import { OutputRouter } from './output';
import { packageRoot } from './paths';
import { buildQemuArgs } from './qemu-args';
import { superviseQemu } from './supervise';
import { hiddenFromGuest } from './visibility';
import { createWorkDir } from './work-dir';

/** Options of {@link runInVm}. */
export interface RunInVmOptions {
  /** The argv to run in the guest, e.g. `['node', 'dist/test.js']`; looked up in the caller's PATH. */
  command: string[];
  /** Number of rxe devices (`rxe0`…, on veth pairs), 1 to 8; default 2. */
  devices?: number;
  /** Guest memory in MiB, 256 to 16384; default 2048. */
  memoryMb?: number;
  /** Stop the VM after this many seconds (boot included) and report exit code 124; default none. */
  timeoutSeconds?: number;
  /** The kernel to boot; default the one the environment names, else Debian 12's current one. */
  kernel?: VmKernel;
  /** Host directory to run the command in (the guest sees the same path); default `process.cwd()`. */
  cwd?: string;
  /** Environment exported to the command; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Receives the command's stdout as it arrives; default `process.stdout`. */
  stdout?: Writable;
  /** Receives the command's stderr as it arrives, and ndk-verbs' messages; default `process.stderr`. */
  stderr?: Writable;
  /**
   * Count guest time in instructions (QEMU `-icount shift=0,sleep=off`, TCG, one vCPU): every
   * guest instruction is 1 ns of the guest's clock, so host load drops out of the command's
   * timings (most repeat within 1–2 % from run to run). For benchmarks of single-threaded cost;
   * the run itself is slower, and threads cannot run in parallel. Default false.
   */
  icount?: boolean;
}

/** Outcome of {@link runInVm}. */
export interface RunInVmResult {
  /**
   * The command's exit status; 124 after a timeout, 125 when the VM failed before the command could
   * finish, 130/143 when this process got SIGINT/SIGTERM, 141 when stdout or stderr was a pipe
   * that closed (as a shell pipeline's SIGPIPE).
   */
  exitCode: number;
  /** Whether the VM was stopped by `timeoutSeconds`. */
  timedOut: boolean;
}

const SIGNAL_EXIT: Record<'SIGINT' | 'SIGTERM', number> = { SIGINT: 130, SIGTERM: 143 };
const EXIT_BROKEN_PIPE = 141;

/**
 * Boots a throw-away SoftRoCE VM (QEMU, Debian's kernel with `rdma_rxe`, the host's root file system
 * shared read-only under a tmpfs overlay), brings up `devices` rxe devices, runs `command` in `cwd`
 * with the caller's environment, streams its stdout and stderr live, and resolves with its exit status.
 *
 * QEMU never outlives the call: it is started with a parent-death signal (so even a SIGKILLed Node
 * takes it down), killed on timeout, on any error, on process exit, when an output stream breaks,
 * and on SIGINT/SIGTERM (which this function handles while the VM runs, resolving with 130/143).
 * The temporary directory is always removed.
 *
 * @param options - The command and the VM's settings.
 * @returns The exit status and whether the VM timed out.
 * @throws RangeError for out-of-range settings; Error when the VM cannot be prepared or started.
 */
export async function runInVm(options: RunInVmOptions): Promise<RunInVmResult> {
  const devices = checkRange('devices', options.devices ?? DEFAULT_DEVICES, DEVICES_RANGE);
  const memoryMb = checkRange('memoryMb', options.memoryMb ?? DEFAULT_MEMORY_MB, MEMORY_RANGE);
  const timeoutSeconds =
    options.timeoutSeconds === undefined
      ? undefined
      : checkRange('timeoutSeconds', options.timeoutSeconds, TIMEOUT_RANGE);
  if (options.command.length === 0) throw new Error('no command to run in the VM');
  if (process.arch !== 'x64') {
    throw new Error(`the SoftRoCE VM needs an x86-64 host, not ${process.arch}`);
  }
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const hidden = hiddenFromGuest(cwd);
  if (hidden) {
    throw new Error(`${cwd} is under ${hidden}, which the VM does not share: run from elsewhere`);
  }
  const accel = options.icount === true ? countedAccelerator() : chooseAccelerator();
  const image = await prepareImage(
    options.kernel === undefined ? { stderr } : { stderr, kernel: options.kernel },
  );

  const work = createWorkDir();
  const router = new OutputRouter(stdout, stderr);
  let guestErr: Awaited<ReturnType<typeof listenForGuestStderr>> | undefined;
  try {
    fs.writeFileSync(
      path.join(work.xfer, 'command.sh'),
      buildCommandScript(options.command, cwd, {
        ...(options.env ?? process.env),
        // Tells a benchmark in the guest whether its clock counts instructions.
        NDK_VERBS_VM_ICOUNT: accel.counted ? '1' : '0',
      }),
    );
    guestErr = await listenForGuestStderr(work.stderrSocket, router);
    const args = buildQemuArgs({
      image,
      accel,
      guestScript: path.join(packageRoot(), 'scripts', 'vm', 'guest.sh'),
      xferDir: work.xfer,
      stderrSocket: work.stderrSocket,
      kernelLog: work.kernelLog,
      devices,
      memoryMb,
      cpus: accel.counted ? 1 : Math.max(1, Math.min(os.availableParallelism(), 4)),
      stdoutTty: isTerminal(stdout),
      stderrTty: isTerminal(stderr),
    });
    const outcome = await superviseQemu(args, {
      router,
      timeoutSeconds,
      onProcessExit: () => work.remove(),
    });
    await guestErr.drained();

    if (outcome.signal) {
      stderr.write(`ndk-verbs vm: interrupted by ${outcome.signal}; the VM was stopped\n`);
      return { exitCode: SIGNAL_EXIT[outcome.signal], timedOut: false };
    }
    if (outcome.timedOut) {
      stderr.write(`ndk-verbs vm: timed out after ${timeoutSeconds} s; the VM was stopped\n`);
      return { exitCode: EXIT_TIMEOUT, timedOut: true };
    }
    if (router.error) {
      // Like a command in a shell pipeline whose reader went away: quietly, as SIGPIPE would.
      if (router.error.code === 'EPIPE') return { exitCode: EXIT_BROKEN_PIPE, timedOut: false };
      throw new Error(
        `cannot write the command's output (${router.error.message}); the VM was stopped`,
      );
    }
    const status = readStatus(path.join(work.xfer, 'status'));
    if (status !== undefined) return { exitCode: status, timedOut: false };
    stderr.write(
      `ndk-verbs vm: the VM stopped before the command finished (qemu ${outcome.how}); ` +
        `last kernel messages (${accel.name}, kernel ${image.kver}):\n${tail(work.kernelLog)}`,
    );
    return { exitCode: EXIT_VM_FAILURE, timedOut: false };
  } finally {
    router.dispose();
    guestErr?.close();
    work.remove();
  }
}

/** Whether a stream is a terminal (as `process.stdout` is when not redirected). */
function isTerminal(stream: Writable): boolean {
  return (stream as Writable & { isTTY?: boolean }).isTTY === true;
}
