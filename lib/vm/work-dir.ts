import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Temporary directories are named `<prefix><pid>-XXXXXX`, so that stale ones can be recognised. */
const PREFIX = 'ndk-verbs-vm-';

/** A run's temporary directory and the files in it. */
export interface WorkDir {
  /** The directory itself. */
  root: string;
  /** The share the guest mounts read-write: `command.sh` in, `status` out. */
  xfer: string;
  /** The unix socket carrying the command's stderr. */
  stderrSocket: string;
  /** The guest kernel's log. */
  kernelLog: string;
  /** Removes the directory (synchronous, idempotent, never throws: safe in an `exit` handler). */
  remove(): void;
}

/**
 * Creates a fresh temporary directory for one VM run, first removing those left by runs whose
 * process is gone (the one thing a SIGKILLed run cannot clean up itself).
 *
 * @returns The directory, with its `xfer` share created.
 */
export function createWorkDir(): WorkDir {
  removeStaleWorkDirs();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `${PREFIX}${process.pid}-`));
  const xfer = path.join(root, 'xfer');
  let removed = false;
  const remove = (): void => {
    if (removed) return;
    removed = true;
    try {
      // Retries: in an `exit` handler, the just-killed QEMU may still hold files for a moment.
      fs.rmSync(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 20 });
    } catch {
      // Left for the next run's sweep of stale directories.
    }
  };
  try {
    fs.mkdirSync(xfer);
  } catch (err) {
    remove();
    throw err;
  }
  return {
    root,
    xfer,
    stderrSocket: path.join(root, 'stderr.sock'),
    kernelLog: path.join(root, 'kernel.log'),
    remove,
  };
}

function removeStaleWorkDirs(): void {
  let names: string[];
  try {
    names = fs.readdirSync(os.tmpdir());
  } catch {
    return;
  }
  const pattern = new RegExp(`^${PREFIX}(\\d+)-`);
  for (const name of names) {
    const pid = Number(pattern.exec(name)?.[1]);
    if (!pid || processExists(pid)) continue;
    try {
      fs.rmSync(path.join(os.tmpdir(), name), { recursive: true, force: true });
    } catch {
      // Someone else's: leave it.
    }
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
