import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Writable } from 'node:stream';
import type { Accelerator } from './accel';
import { buildCommandScript } from './command-script';
import { listenForGuestStderr } from './guest-stderr';
import { readStatus, tail } from './guest-result';
import type { VmImage } from './image';
import { OutputRouter } from './output';
import { packageRoot } from './paths';
import { buildQemuArgs } from './qemu-args';
import { superviseQemu } from './supervise';
import { createWorkDir } from './work-dir';

/** Everything one host of a multi-host run boots with. */
export interface HostBootInput {
  image: VmImage;
  accel: Accelerator;
  /** The argv to run, the directory and the environment (the host's variables included). */
  command: readonly string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  devices: number;
  memoryMb: number;
  cpus: number;
  /** The host's NIC and shared directory ({@link hostQemuExtras}). */
  extra: { args: readonly string[]; append: readonly string[] };
  /** Where the host's output goes (already prefixed with its index). */
  stdout: Writable;
  stderr: Writable;
  /** Receives the QEMU process, so that the run can kill it. */
  onStarted: (qemu: ChildProcess) => void;
}

/** How one host's QEMU ended. */
export interface HostBootOutcome {
  /** The command's exit status, or `undefined` when the guest recorded none. */
  status: number | undefined;
  /** How QEMU ended, e.g. `exited 0` or `killed by SIGKILL`. */
  how: string;
  /** The signal (SIGINT / SIGTERM) this process got while the host ran. */
  signal?: 'SIGINT' | 'SIGTERM';
  /** The last lines of the guest kernel's log, for a host that stopped without a status. */
  kernelLogTail: string;
}

/**
 * Boots one host of a run and waits for its QEMU to end: its own temporary directory, command
 * script, stderr socket and kernel log, as `runInVm` has. The run's timeout and kills are the
 * caller's (through `onStarted`); this function only supervises.
 *
 * @param input - The image, the command and the host's settings.
 * @returns How it ended.
 */
export async function bootHost(input: HostBootInput): Promise<HostBootOutcome> {
  const work = createWorkDir();
  const router = new OutputRouter(input.stdout, input.stderr);
  let guestErr: Awaited<ReturnType<typeof listenForGuestStderr>> | undefined;
  try {
    fs.writeFileSync(
      path.join(work.xfer, 'command.sh'),
      buildCommandScript([...input.command], input.cwd, input.env),
    );
    guestErr = await listenForGuestStderr(work.stderrSocket, router);
    const args = buildQemuArgs({
      image: input.image,
      accel: input.accel,
      guestScript: path.join(packageRoot(), 'scripts', 'vm', 'guest.sh'),
      xferDir: work.xfer,
      stderrSocket: work.stderrSocket,
      kernelLog: work.kernelLog,
      devices: input.devices,
      memoryMb: input.memoryMb,
      cpus: input.cpus,
      // Prefixed line by line: the command writes plain text, as into a pipe.
      stdoutTty: false,
      stderrTty: false,
      extra: input.extra,
    });
    const outcome = await superviseQemu(args, {
      router,
      timeoutSeconds: undefined,
      onProcessExit: () => work.remove(),
      onStarted: input.onStarted,
    });
    await guestErr.drained();
    return {
      status: readStatus(path.join(work.xfer, 'status')),
      how: outcome.how,
      signal: outcome.signal,
      kernelLogTail: tail(work.kernelLog),
    };
  } finally {
    router.dispose();
    guestErr?.close();
    work.remove();
  }
}
