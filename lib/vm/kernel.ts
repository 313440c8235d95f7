import * as path from 'node:path';

/**
 * Which kernel the SoftRoCE VM boots. Unset fields fall back to the environment
 * (`NDK_VERBS_VM_KERNEL_DEB`, then `NDK_VERBS_VM_KERNEL_PACKAGE`), then to the kernel Debian's
 * `linux-image-amd64` depends on.
 */
export interface VmKernel {
  /**
   * A Debian kernel package fetched with `apt-get download`, such as
   * `linux-image-6.12.117+deb12-amd64`, or a metapackage standing for the kernel it depends on
   * (`linux-image-6.12-amd64`). Needs Debian's archive in the host's apt sources.
   */
  package?: string;
  /**
   * Kernel packages as local `.deb` files or `http(s)` URLs, unpacked together; for hosts whose
   * apt cannot fetch Debian's kernels. They must hold one `boot/vmlinuz-<release>` and its
   * modules, `rdma_rxe` included (Ubuntu: `linux-image-*`, `linux-modules-*` and
   * `linux-modules-extra-*` of one release).
   */
  debs?: readonly string[];
}

/**
 * The kernel named by the environment: `NDK_VERBS_VM_KERNEL_DEB` (files or URLs separated by
 * whitespace) or `NDK_VERBS_VM_KERNEL_PACKAGE`.
 *
 * @param env - The environment to read.
 * @returns The kernel choice; empty when neither variable is set.
 */
export function kernelFromEnv(env: NodeJS.ProcessEnv = process.env): VmKernel {
  const debs = (env.NDK_VERBS_VM_KERNEL_DEB ?? '').split(/\s+/).filter(Boolean);
  if (debs.length > 0) return { debs };
  return env.NDK_VERBS_VM_KERNEL_PACKAGE ? { package: env.NDK_VERBS_VM_KERNEL_PACKAGE } : {};
}

/**
 * How `scripts/vm/build-image.sh` is told the kernel: `.deb` sources as arguments (local files made
 * absolute against `cwd`), a package through `NDK_VERBS_VM_KERNEL_PACKAGE`.
 *
 * @param kernel - The kernel choice (at most one of `package` and `debs`).
 * @param env - The script's environment before the choice is applied.
 * @param cwd - Directory that relative `.deb` paths are relative to.
 * @returns The script's extra arguments and environment.
 * @throws Error when both `package` and `debs` are given, or a name is empty.
 */
export function imageScriptInput(
  kernel: VmKernel,
  env: NodeJS.ProcessEnv,
  cwd: string = process.cwd(),
): { args: string[]; env: NodeJS.ProcessEnv } {
  const debs = kernel.debs ?? [];
  if (debs.length > 0 && kernel.package !== undefined) {
    throw new Error('choose the kernel by package or by .deb files, not both');
  }
  if (kernel.package === '' || debs.some((deb) => deb === '')) {
    throw new Error('an empty kernel package or .deb name');
  }
  if (debs.length > 0) {
    const { NDK_VERBS_VM_KERNEL_PACKAGE: _ignored, ...rest } = env;
    return { args: debs.map((deb) => (isUrl(deb) ? deb : path.resolve(cwd, deb))), env: rest };
  }
  return kernel.package === undefined
    ? { args: [], env }
    : { args: [], env: { ...env, NDK_VERBS_VM_KERNEL_PACKAGE: kernel.package } };
}

function isUrl(source: string): boolean {
  return /^https?:\/\//.test(source);
}
