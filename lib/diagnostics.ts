/**
 * What this process's RDMA stack reports about itself, for people checking a deployment.
 *
 * @packageDocumentation
 */

import { native } from './native';

/**
 * libibverbs' fork support, `ibv_is_fork_initialized()`:
 * - `'unneeded'`: the kernel copies DMA-pinned pages into a `fork()` child itself (Linux ≥ 5.12;
 *   also 5.9–5.11 for most memory), so fork is safe without `ibv_fork_init()` — but each fork copies
 *   every registered page that is not kept out of children;
 * - `'enabled'`: an older kernel, and `ibv_fork_init()` (or `RDMAV_FORK_SAFE`) made libibverbs
 *   advise registered memory `MADV_DONTFORK` itself;
 * - `'disabled'`: an older kernel without fork support: a forked child's copy-on-write can leave
 *   the parent's registered pages disconnected from the device.
 */
export type ForkSupport = 'disabled' | 'enabled' | 'unneeded';

/** What {@link diagnostics} reports. */
export interface Diagnostics {
  /** libibverbs' fork support, as the kernel and the library report it. */
  readonly forkSupport: ForkSupport;
  /**
   * Who keeps registered memory out of child processes (`MADV_DONTFORK`): `'ndk-verbs'` (its own
   * per-page counted advice over `allocate()` blocks and registered JS memory), or `'libibverbs'`
   * when {@link Diagnostics.forkSupport} is `'enabled'` and libibverbs advises every registration
   * itself (ndk-verbs then leaves registrations to it).
   */
  readonly forkExclusion: 'ndk-verbs' | 'libibverbs';
}

/**
 * Reports how this process's RDMA stack treats child processes (see docs/child-processes.md).
 * Needs no device.
 *
 * @returns The diagnostics; they do not change during the life of the process.
 */
export function diagnostics(): Diagnostics {
  const forkSupport = native.forkSupport();
  return {
    forkSupport,
    forkExclusion: forkSupport === 'enabled' ? 'libibverbs' : 'ndk-verbs',
  };
}

/** The one line `ndk-verbs devices` prints about child processes. */
export function formatForkLine({ forkSupport, forkExclusion }: Diagnostics): string {
  return `fork support: ${forkSupport} (ibv_is_fork_initialized); registered memory kept out of child processes by ${forkExclusion}\n`;
}
