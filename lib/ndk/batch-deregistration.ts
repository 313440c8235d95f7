/**
 * Batch deregistration (`pd.deregisterMany()`, `pd.deregisterAll()`): every region of the batch is
 * checked and marked pending on the JS thread, the regions that may go are handed to the request
 * threads in one native call, and one delivery brings every result back. One promise for the whole
 * batch, resolving to one result per region; a region that may not go gets its own status and loses
 * nothing, and its batch-mates go on.
 *
 * @packageDocumentation
 */

import { NativeResult, type PdHandle } from '../native';
import { type NdkError } from '../status/ndk-error';
import { NtStatus, ntStatusName, ntSuccess } from '../status/nt-status';
import {
  type BatchSink,
  batchEntries,
  deregisterBatchDeferred,
  releaseBatchEntries,
  SETTLED_ENTRY,
} from './deferred-mr-requests';
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
 * Deregisters `regions` of the protection domain `owner` (native handle `pd`) as one batch; resolves
 * once every region has its result. Rejects, with nothing deregistered, when `regions` is not an
 * array of memory regions (`STATUS_INVALID_PARAMETER`, naming the first bad entry).
 *
 * Each entry is read once, as it is checked and marked: a proxy or a getter cannot change it between
 * the checks and the batch, and the batch needs no copy of the array first.
 */
export function deregisterBatch(
  owner: object,
  pd: PdHandle,
  regions: unknown,
): Promise<DeregistrationResult[]> {
  if (!Array.isArray(regions)) {
    return Promise.reject(
      errorOf(refused(NtStatus.STATUS_INVALID_PARAMETER, 'regions must be an array')),
    );
  }
  const length = regions.length; // read once (a proxy's getter that throws is the caller's to catch)
  return new Promise((resolve, reject) => {
    const batch = new BatchDeregistration(regions, length, resolve);
    const refusal = batch.start(owner, pd);
    if (refusal) reject(errorOf(refusal));
  });
}

// One batch on its way. The event loop's share of a batch is a target: each region is visited once
// on the way in (read, checked and marked, or its refusal's result) and once on the way out (its
// state and its result), by methods whose optimized code every batch reuses (see BatchSink).
class BatchDeregistration implements BatchSink {
  readonly #source: readonly unknown[];
  // The batch's regions, as read from `#source` (once each).
  readonly #regions: MemoryRegion[];
  readonly #results: DeregistrationResult[];
  // What waited for a region (its close) runs after the batch's result is out.
  readonly #waiting: Array<() => void> = [];
  readonly #resolve: (results: DeregistrationResult[]) => void;

  constructor(
    source: readonly unknown[],
    length: number,
    resolve: (results: DeregistrationResult[]) => void,
  ) {
    this.#source = source;
    this.#resolve = resolve;
    this.#regions = new Array<MemoryRegion>(length);
    this.#results = new Array<DeregistrationResult>(length);
  }

  /**
   * Checks and marks each entry, then hands the ones that may go to the addon. An entry that is not
   * a region (or a getter that throws) stops the batch before anything reaches the addon: the
   * regions marked so far are put back as they were, and the refusal is returned.
   */
  start(owner: object, pd: PdHandle): Outcome | undefined {
    const length = this.#regions.length;
    // The batch is one native call with one array naming every entry: a region's slot, or
    // SETTLED_ENTRY for a region refused here (its result is already in).
    const entries = batchEntries(length);
    let queued = 0;
    for (let i = 0; i < length; i++) {
      let entry: unknown;
      try {
        entry = this.#source[i];
      } catch (error) {
        return this.#abandon(entries, i, `regions: ${String(error)}`);
      }
      if (!MemoryRegion.is(entry)) {
        return this.#abandon(entries, i, `regions[${i}] is not a MemoryRegion`);
      }
      this.#regions[i] = entry;
      const slot = entry[kDeregisterBegin](owner);
      if (typeof slot === 'number') {
        entries[i] = slot;
        queued++;
      } else {
        entries[i] = SETTLED_ENTRY;
        this.#results[i] = resultOf(entry, slot);
      }
    }
    if (queued > 0) {
      deregisterBatchDeferred(pd, entries, this);
      return undefined;
    }
    releaseBatchEntries(entries);
    this.#resolve(this.#results);
    return undefined;
  }

  settle(entry: number, result: number): void {
    const region = this.#regions[entry];
    this.#results[entry] = resultOf(region, region[kDeregisterEnd](result, this.#waiting));
  }

  done(): void {
    this.#resolve(this.#results);
    this.#runWaiting();
  }

  // Entry `at` is not a region: the regions marked before it go back to how they were (as a
  // deregistration that never started), and what waited for them meanwhile runs on its own tick.
  #abandon(entries: Int32Array, at: number, detail: string): Outcome {
    for (let i = 0; i < at; i++) {
      if (entries[i] !== SETTLED_ENTRY) {
        this.#regions[i][kDeregisterEnd](NOT_STARTED, this.#waiting);
      }
    }
    releaseBatchEntries(entries);
    this.#runWaiting();
    return refused(NtStatus.STATUS_INVALID_PARAMETER, detail);
  }

  // What waited for the batch's regions (their close), on its own tick.
  #runWaiting(): void {
    const next = this.#waiting.splice(0);
    if (next.length > 0) process.nextTick(runAll, next);
  }
}

// The result that puts a marked region back as it was: a deregistration the addon never started.
const NOT_STARTED = NativeResult.BadArgument;

// A success needs no lookup of its name, nor the error a failure carries.
const SUCCESS_NAME = ntStatusName(NtStatus.STATUS_SUCCESS);

function resultOf(region: MemoryRegion, outcome: Outcome): DeregistrationResult {
  const { status } = outcome;
  if (status === NtStatus.STATUS_SUCCESS) return { region, status, statusName: SUCCESS_NAME };
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
