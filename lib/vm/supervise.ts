import { type ChildProcess, spawn } from 'node:child_process';
import type { OutputRouter } from './output';

/** How a QEMU run ended. */
export interface QemuOutcome {
  /** The signal this process received while the VM ran, if any. */
  signal?: 'SIGINT' | 'SIGTERM';
  /** Whether the timeout stopped the VM. */
  timedOut: boolean;
  /** How QEMU ended, for diagnostics, e.g. `exited 0` or `killed by SIGKILL`. */
  how: string;
}

/** Options of {@link superviseQemu}. */
export interface SuperviseOptions {
  /** Receives QEMU's stdout (the guest's ttyS0) and QEMU's own messages (its stderr). */
  router: OutputRouter;
  /** Kill QEMU after this many seconds. */
  timeoutSeconds: number | undefined;
  /** Synchronous clean-up to run if this process exits while QEMU runs. */
  onProcessExit: () => void;
  /** Called once QEMU is spawned (`runHosts` keeps it to kill one host on purpose). */
  onStarted?: (qemu: ChildProcess) => void;
}

/**
 * Runs `qemu-system-x86_64` to its end. QEMU is started through `setpriv --pdeathsig KILL`, so it dies
 * with this process even when that is SIGKILLed; it is killed on timeout, on SIGINT/SIGTERM (which
 * are handled while it runs), when an output stream breaks, and if this process exits.
 *
 * @param args - QEMU's arguments.
 * @param opts - Output routing, timeout and exit clean-up.
 * @returns How the run ended.
 * @throws Error when QEMU cannot be started.
 */
export async function superviseQemu(args: string[], opts: SuperviseOptions): Promise<QemuOutcome> {
  const child = spawn('setpriv', ['--pdeathsig', 'KILL', '--', 'qemu-system-x86_64', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: a terminal's Ctrl-C reaches only this process, which stops QEMU.
    detached: true,
  });
  opts.onStarted?.(child);
  const kill = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  let timedOut = false;
  let signal: QemuOutcome['signal'];
  const onSignal = (sig: 'SIGINT' | 'SIGTERM'): void => {
    signal ??= sig;
    kill();
  };
  const onExit = (): void => {
    kill();
    opts.onProcessExit();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', onExit);
  opts.router.onBroken(kill);
  const timer =
    opts.timeoutSeconds === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          kill();
        }, opts.timeoutSeconds * 1000);
  opts.router.forward(child.stdout, 'stdout');
  opts.router.forward(child.stderr, 'stderr');
  try {
    const [code, sig] = await new Promise<[number | null, NodeJS.Signals | null]>(
      (resolve, reject) => {
        child.once('error', (err) => reject(new Error(`cannot start QEMU: ${err.message}`)));
        child.once('close', (c, s) => resolve([c, s]));
      },
    );
    return { signal, timedOut, how: sig ? `killed by ${sig}` : `exited ${code}` };
  } finally {
    kill();
    if (timer) clearTimeout(timer);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', onExit);
  }
}
