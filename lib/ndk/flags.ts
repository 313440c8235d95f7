/**
 * NDK memory-region flags and the verbs access bits they grant, to a region (`NdkRegisterMr`) or to
 * a memory window (`NdkBind`).
 *
 * @packageDocumentation
 */

/** `NDK_MR_FLAG_*`: what an `NdkRegisterMr` grants. Local read (0) is always allowed. */
export const NdkMrFlags = {
  /** The local adapter may write the region (receives, RDMA READ results). */
  NDK_MR_FLAG_ALLOW_LOCAL_WRITE: 0x1,
  /** Peers may RDMA READ the region with its remote token. */
  NDK_MR_FLAG_ALLOW_REMOTE_READ: 0x2,
  /** Peers may RDMA WRITE the region; implies local write (0x4 | 0x1). */
  NDK_MR_FLAG_ALLOW_REMOTE_WRITE: 0x5,
  /** The region may be the sink of an RDMA READ (a local write by the adapter on RoCE and IB). */
  NDK_MR_FLAG_RDMA_READ_SINK: 0x8,
} as const;

const ALL_FLAGS = 0x1 | 0x2 | 0x5 | 0x8;

// ibv_access_flags (infiniband/verbs.h), the one copy in the facade.
const IBV_ACCESS_LOCAL_WRITE = 1;
const IBV_ACCESS_REMOTE_WRITE = 2;
const IBV_ACCESS_REMOTE_READ = 4;

/**
 * The `ibv_access_flags` for NDK flags, or `undefined` when `flags` is not a combination of known
 * NDK flag bits (any other value: unknown bits, non-integers, negatives, non-numbers).
 */
export function verbsAccessFromNdkFlags(flags: unknown): number | undefined {
  if (typeof flags !== 'number' || !Number.isInteger(flags) || flags < 0 || flags > 0xffffffff) {
    return undefined;
  }
  if ((flags & ~ALL_FLAGS) !== 0) return undefined;
  let access = 0;
  if (flags & 0x1) access |= IBV_ACCESS_LOCAL_WRITE;
  if (flags & 0x2) access |= IBV_ACCESS_REMOTE_READ;
  if (flags & 0x4) access |= IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_LOCAL_WRITE;
  // An RDMA READ sink is written by the local adapter: on RoCE and InfiniBand that is local write.
  if (flags & 0x8) access |= IBV_ACCESS_LOCAL_WRITE;
  return access;
}

/**
 * The window access for bind `flags`: the remote bits of `NdkMrFlags` — `NDK_MR_FLAG_ALLOW_REMOTE_READ`
 * (0x2) and/or `NDK_MR_FLAG_ALLOW_REMOTE_WRITE` (0x5) — or undefined for anything else.
 */
export function windowAccess(flags: unknown): number | undefined {
  if (typeof flags !== 'number' || !Number.isInteger(flags) || (flags & ~0x7) !== 0) {
    return undefined;
  }
  let access = 0;
  if (flags & 0x2) access |= IBV_ACCESS_REMOTE_READ;
  if (flags & 0x4) access |= IBV_ACCESS_REMOTE_WRITE;
  return access === 0 ? undefined : access;
}
