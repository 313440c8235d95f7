import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Directories the guest mounts fresh (tmpfs) over the host's: the host's files below them are not
 * visible inside the VM. Everything else is the host's root file system, read-only with a throw-away
 * writable layer on top.
 */
export const GUEST_PRIVATE_DIRS: readonly string[] = ['/run', '/dev/shm'];

/**
 * Tells whether the guest can see a host directory, i.e. whether it lies outside
 * {@link GUEST_PRIVATE_DIRS} (symbolic links resolved).
 *
 * @param dir - Absolute host directory.
 * @returns The private directory hiding `dir`, or `undefined` when the guest sees it.
 */
export function hiddenFromGuest(dir: string): string | undefined {
  let real = path.resolve(dir);
  try {
    real = fs.realpathSync(real);
  } catch {
    // A missing directory is reported by the guest's `cd`.
  }
  return GUEST_PRIVATE_DIRS.find((d) => real === d || real.startsWith(`${d}/`));
}
