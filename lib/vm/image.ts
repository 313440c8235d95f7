import { spawn } from 'node:child_process';
import * as path from 'node:path';
import type { Writable } from 'node:stream';
import { imageScriptInput, kernelFromEnv, type VmKernel } from './kernel';
import { packageRoot, vmCacheDir } from './paths';

/** The boot files of the SoftRoCE VM, as prepared by `scripts/vm/build-image.sh`. */
export interface VmImage {
  /** Kernel release, e.g. `6.1.0-56-amd64`. */
  kver: string;
  /** Directory holding this kernel's boot files. */
  dir: string;
  /** Path of the kernel image (`<dir>/vmlinuz`). */
  kernel: string;
  /** Path of the initramfs (`<dir>/initramfs.cpio.gz`). */
  initrd: string;
  /** The kernel's module tree, loaded by the guest from the host's file system. */
  modules: string;
}

/** Options of {@link prepareImage}. */
export interface PrepareImageOptions {
  /** Image cache directory; defaults to {@link vmCacheDir}. */
  cacheDir?: string;
  /** Where the script's progress messages go; defaults to `process.stderr`. */
  stderr?: Writable;
  /** Environment of the script (e.g. `NDK_VERBS_VM_KERNEL_PACKAGE`); defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Which kernel to prepare; defaults to the one the environment names ({@link kernelFromEnv}). */
  kernel?: VmKernel;
}

/**
 * Makes sure the VM's kernel, modules and initramfs are in the cache, preparing them on first use
 * (`apt-get download` of Debian's kernel package, or the given `.deb` files or URLs; takes a minute
 * once, milliseconds afterwards).
 *
 * @param options - Cache location, message stream and environment.
 * @returns The prepared image.
 * @throws Error when the kernel choice is contradictory, the build script fails or prints no
 *   `<kver> <dir>` line.
 */
export async function prepareImage(options: PrepareImageOptions = {}): Promise<VmImage> {
  const cache = options.cacheDir ?? vmCacheDir(options.env);
  const stderr = options.stderr ?? process.stderr;
  const script = path.join(packageRoot(), 'scripts', 'vm', 'build-image.sh');
  const env = options.env ?? process.env;
  const input = imageScriptInput(options.kernel ?? kernelFromEnv(env), env);
  const child = spawn('bash', [script, cache, ...input.args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: input.env,
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.pipe(stderr, { end: false });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0) {
    throw new Error(`preparing the VM image in ${cache} failed (build-image.sh exited ${code})`);
  }
  const last = out.trim().split('\n').pop() ?? '';
  const match = /^(\S+) (.+)$/.exec(last);
  if (!match) throw new Error(`build-image.sh printed no "<kver> <dir>" line (got "${last}")`);
  const [, kver, dir] = match as unknown as [string, string, string];
  return {
    kver,
    dir,
    kernel: path.join(dir, 'vmlinuz'),
    initrd: path.join(dir, 'initramfs.cpio.gz'),
    modules: path.join(dir, 'root', 'lib', 'modules', kver),
  };
}
