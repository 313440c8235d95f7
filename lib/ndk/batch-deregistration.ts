/**
 * Batch deregistration (`pd.deregisterMany()`, `pd.deregisterAll()`): every region of the batch is
 * checked and marked pending on the JS thread, the regions that may go are handed to the request
 * threads in one native call, and one delivery brings every result back. One promise for the whole
 * batch, resolving to one result per region; a region that may not go gets its own status and loses
 * nothing, and its batch-mates go on.
 *
 * @packageDocumentation
 */

import { type PdHandle } from '../native';
import { type NdkError } from '../status/ndk-error';
import { NtStatus, ntStatusName, ntSuccess } from '../status/nt-status';
import { type BatchSink, deregisterBatchDeferred } from './deferred-mr-requests';
import { kDeregisterBegin, kDeregisterEnd } from './internal';
import { MemoryRegion } from './memory-region';
import { errorOf, type Outcome, refused } from './outcome';

/** One region's part of a batch deregistration (`pd.deregisterMany()`, `pd.deregisterAll()`). */
export interface DeregistrationResult {
  /** The region, the same object as in the batch. */
  readonly region: MemoryRegion;
  /**
   * `STATUS_SUCCESS` once the region is deregistered (no peer can use its old remote token, its
   * memory is unpinned); else why not, the region then as it was: `STATUS_INVALID_DEVICE_STATE`
   * (not registered), `STATUS_DEVICE_BUSY` (a request pending, the same region earlier in the
   * batch, or memory windows bound), `STATUS_INVALID_HANDLE` (closed, or a region of another
   * protection domain), `STATUS_DEVICE_REMOVED`, or a verbs error through the errno table.
   */
  readonly status: number;
  /** The name of {@link status}, e.g. `'STATUS_SUCCESS'`. */
  readonly statusName: string;
  /** The failure as an {@link NdkError} (errno, syscall); absent on success. */
  readonly error?: NdkError;
}

/**
 * The refusal of a batch argument that is not an array of memory regions, or a copy of its entries
 * (read once, so a getter or a proxy cannot change them between the checks and the batch).
 */
export function batchEntries(regions: unknown): MemoryRegion[] | Outcome {
  if (!Array.isArray(regions)) {
    return refused(NtStatus.STATUS_INVALID_PARAMETER, 'regions must be an array');
  }
  const length = regions.length;
  const entries = new Array<MemoryRegion>(length);
  for (let i = 0; i < length; i++) {
    const entry: unknown = regions[i];
    if (!MemoryRegion.is(entry)) {
      return refused(NtStatus.STATUS_INVALID_PARAMETER, `regions[${i}] is not a MemoryRegion`);
    }
    entries[i] = entry;
  }
  return entries;
}

/**
 * Deregisters `regions` (checked by {@link batchEntries}) of the protection domain `owner` (native
 * handle `pd`) as one batch; resolves once every region has its result, never rejects.
 */
export function deregisterBatch(
  owner: object,
  pd: PdHandle,
  regions: readonly MemoryRegion[],
): Promise<DeregistrationResult[]> {
  return new Promise((resolve) => new BatchDeregistration(regions, resolve).start(owner, pd));
}

// One batch on its way. The event loop's share of a batch is a target: each region is visited once
// on the way in (its checks and mark, or its refusal's result) and once on the way out (its state
// and its result), by methods whose optimized code every batch reuses (see BatchSink).
class BatchDeregistration implements BatchSink {
  readonly #results: DeregistrationResult[];
  // Each queued entry's index in `regions` (the addon numbers the queued entries only).
  readonly #queuedAt: Int32Array;
  // What waited for a region (its close) runs after the batch's result is out.
  readonly #waiting: Array<() => void> = [];
  readonly #regions: readonly MemoryRegion[];
  readonly #resolve: (results: DeregistrationResult[]) => void;

  constructor(
    regions: readonly MemoryRegion[],
    resolve: (results: DeregistrationResult[]) => void,
  ) {
    this.#regions = regions;
    this.#resolve = resolve;
    this.#results = new Array<DeregistrationResult>(regions.length);
    this.#queuedAt = new Int32Array(regions.length);
  }

  start(owner: object, pd: PdHandle): void {
    const regions = this.#regions;
    // Sized for every region: the batch is one native call with one typed array of slots.
    const slots = new Int32Array(regions.length);
    let count = 0;
    for (let i = 0; i < regions.length; i++) {
      const region = regions[i];
      const slot = region[kDeregisterBegin](owner);
      if (typeof slot === 'number') {
        this.#queuedAt[count] = i;
        slots[count++] = slot;
      } else {
        this.#results[i] = resultOf(region, slot);
      }
    }
    if (count === 0) this.#resolve(this.#results);
    else deregisterBatchDeferred(pd, slots.subarray(0, count), this);
  }

  settle(entry: number, result: number): void {
    const i = this.#queuedAt[entry];
    const region = this.#regions[i];
    this.#results[i] = resultOf(region, region[kDeregisterEnd](result, this.#waiting));
  }

  done(): void {
    this.#resolve(this.#results);
    const next = this.#waiting.splice(0);
    if (next.length > 0) process.nextTick(runAll, next);
  }
}

function resultOf(region: MemoryRegion, outcome: Outcome): DeregistrationResult {
  const { status } = outcome;
  const statusName = ntStatusName(status);
  return ntSuccess(status)
    ? { region, status, statusName }
    : { region, status, statusName, error: errorOf(outcome) };
}

function runAll(callbacks: ReadonlyArray<() => void>): void {
  for (const callback of callbacks) {
    try {
      callback();
    } catch (error) {
      process.nextTick(() => {
        throw error;
      });
    }
  }
}
