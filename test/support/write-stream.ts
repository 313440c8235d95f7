/**
 * A stream of RDMA writes through one queue pair, a few outstanding at a time: write i copies slot
 * i of a source region to slot i at the target, so the target's bytes show which writes landed.
 * Every write's status is kept, and when it completed.
 */

import { type MemoryRegion, NdkError, NtStatus, type QueuePair } from '../../lib';

/** Where the writes go: a registered region's remote address and token. */
export interface WriteTarget {
  readonly address: bigint;
  readonly token: number;
}

/** Options of {@link streamWrites}. */
export interface StreamOptions {
  readonly count: number;
  /** Bytes per write, and the distance between slots. */
  readonly slot: number;
  /** How many writes may be outstanding at once. */
  readonly window: number;
  /** Posts nothing more once a write has failed (the queue pair is then in the error state). */
  readonly stopAfterFailure?: boolean;
  /** Called after write `index` completed, before its lane posts the next one (may wait). */
  readonly afterWrite?: (index: number, status: number) => Promise<void> | void;
}

/** What each write of a stream ended with. */
export interface StreamEnd {
  /** The NTSTATUS of write i, at index i; as many as were posted. */
  readonly statuses: number[];
  /** When write i completed (`performance.now()`), at index i. */
  readonly completedAt: number[];
}

/** `count` distinct slots of `slot` bytes: byte j of slot i is (i × 31 + j) & 0xff, never all 0. */
export function slotPattern(count: number, slot: number): Buffer {
  const bytes = Buffer.alloc(count * slot);
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < slot; j++) bytes[i * slot + j] = (i * 31 + j + 1) & 0xff;
  }
  return bytes;
}

/** Posts the stream's writes and resolves once every one of them has completed. */
export async function streamWrites(
  qp: QueuePair,
  source: MemoryRegion,
  target: WriteTarget,
  options: StreamOptions,
): Promise<StreamEnd> {
  const { count, slot, window, afterWrite, stopAfterFailure = false } = options;
  const statuses: number[] = [];
  const completedAt: number[] = [];
  let next = 0;
  let failed = false;
  const lane = async () => {
    while (next < count && !(stopAfterFailure && failed)) {
      const i = next++;
      const offset = i * slot;
      statuses[i] = await qp
        .write(
          { mr: source, offset, length: slot },
          { address: target.address + BigInt(offset), token: target.token },
        )
        .then(
          (result) => result.status,
          (error: unknown) => {
            if (error instanceof NdkError) return error.status;
            throw error;
          },
        );
      completedAt[i] = performance.now();
      if (statuses[i] !== NtStatus.STATUS_SUCCESS) failed = true;
      await afterWrite?.(i, statuses[i]);
    }
  };
  await Promise.all(Array.from({ length: window }, lane));
  return { statuses, completedAt };
}
