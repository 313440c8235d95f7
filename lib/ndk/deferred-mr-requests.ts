/**
 * Deferred registrations and deregistrations, JS side: each request gets an id, the addon runs it
 * on its own threads and delivers results in batches (one JS call for every result that finished
 * since the last), and this module hands each result to its request's callback.
 *
 * Deregistrations go in batches both ways: a batch (`pd.deregisterMany()`) is one native call, one
 * job on one request thread and one result; single deregistrations issued in one turn of the event
 * loop (an `NdkDeregisterMr` burst) are gathered and handed over the same way on the next tick.
 *
 * @packageDocumentation
 */

import { type MrHandle, type MrQueueHandle, NativeResult, native, type PdHandle } from '../native';
import { weakMethod } from './weak-method';

type ResultCallback = (errno: number) => void;

/**
 * How a deregistration names its region: by handle when it goes alone, by slot in its protection
 * domain when it goes in a batch (no Node-API call per region).
 */
export interface QueuedRegion {
  readonly handle: MrHandle;
  readonly slot: number;
  readonly link: { readonly pdHandle: PdHandle };
}

/**
 * Where a batch's results go: `settle(entry, result)` once per entry (0, an errno or a
 * NativeResult; `entry` its index in the batch), then `done()` once.
 *
 * An object with methods rather than two closures per batch: a batch's delivery runs a loop over
 * every entry once, and V8 optimizes that loop's code per function, not per closure. With fresh
 * closures each batch started cold again (interpreted, then compiled on the side while it ran):
 * most of a warm batch's time on the JS thread.
 */
export interface BatchSink {
  settle(entry: number, result: number): void;
  done(): void;
}

/**
 * What a batch's entry holds for the addon when its caller settled it already (a refusal of its
 * own): any negative value is left as it is, and this one is none of the addon's answers.
 */
export const SETTLED_ENTRY = -0x80000000;

// A batch waiting for its delivery: its entries' errnos arrive in the delivery's `batchErrors`.
// `starts` says which entries were queued (the others settled when the batch was submitted);
// undefined when every entry was (the usual case: no copy of the reused entries array is kept).
interface BatchWaiter {
  readonly starts: Int32Array | undefined;
  readonly length: number;
  readonly sink: BatchSink;
}

/**
 * One native request queue and the requests waiting on it. The queue's thread-safe function reaches
 * this object only weakly: once every module of this copy of the facade is unreachable (a test
 * runner dropped its module registry), the object, its queue handle and the queue's threads are
 * all released.
 */
class MrRequests {
  readonly #waiting = new Map<number, ResultCallback | BatchWaiter>();
  readonly #queue: MrQueueHandle;
  #lastId = 0;
  #flushScheduled = false;
  // Single deregistrations of this turn, handed over as one batch (per domain) on the next tick.
  #burstRegions: QueuedRegion[] = [];
  #burstCallbacks: ResultCallback[] = [];
  // The entries array batches reuse (see batchEntries), and whether a batch is filling it now.
  #entries = new Int32Array(0);
  #entriesInUse = false;

  constructor() {
    this.#queue = native.mrQueueCreate(weakMethod(this as MrRequests, 'dispatch'));
  }

  register(handle: MrHandle, view: Uint8Array, access: number, done: ResultCallback): number {
    const id = this.#nextId();
    return this.#track(id, native.mrRegister(handle, view, access, id, this.#queue), done);
  }

  // Always pending: the addon hears of it on the next tick, with the rest of the turn's burst, and
  // a refusal there (a race the facade's own checks did not see, or no memory) is its completion.
  deregister(region: QueuedRegion, done: ResultCallback): number {
    this.#burstRegions.push(region);
    this.#burstCallbacks.push(done);
    this.#scheduleFlush();
    return NativeResult.Pending;
  }

  // One array reused batch after batch: an array per batch was the JS thread's first large
  // allocation after the request threads freed the last batch's regions, where glibc consolidates
  // what they freed (see MrRequestQueue::TakeBatch). A batch started while another fills it (from
  // an entry's getter) gets an array of its own, and so does a huge batch, whose array is not kept
  // for good (the addon keeps no more than that for its part either).
  takeEntries(length: number): Int32Array {
    if (this.#entriesInUse || length > MAX_REUSED_ENTRIES) return new Int32Array(length);
    this.#entriesInUse = true;
    if (this.#entries.length < length) this.#entries = new Int32Array(Math.max(length, 1024));
    return this.#entries.subarray(0, length);
  }

  releaseEntries(entries: Int32Array): void {
    if (entries.buffer === this.#entries.buffer) this.#entriesInUse = false;
  }

  // Flushed at once rather than on the next tick: a batch is already whole, and a tick of its own
  // cost the event loop more than the flush (the event loop's share of a batch is a target).
  deregisterBatch(pd: PdHandle, entries: Int32Array, sink: BatchSink): void {
    const queued = this.#submitBatch(pd, entries, sink);
    this.releaseEntries(entries);
    if (queued) native.mrQueueFlush(this.#queue);
  }

  // Every result of the delivery reaches its callback even if one of them throws: the error is
  // rethrown on its own tick, as an ordinary uncaught exception.
  dispatch(results: Int32Array, batchErrors: Int32Array | undefined): void {
    let offset = 0;
    for (let i = 0; i < results.length; i += 2) {
      const waiter = this.#waiting.get(results[i]);
      this.#waiting.delete(results[i]);
      if (waiter === undefined) continue;
      if (typeof waiter === 'function') {
        callSafely(waiter, results[i + 1]);
      } else if (batchErrors !== undefined) {
        deliverBatch(waiter, batchErrors, offset);
        offset += waiter.length;
      }
    }
  }

  // One batch (see deregisterBatchDeferred); whether any entry was queued. An argument the addon
  // refuses (a bug in the facade) queues nothing: every entry still settles, once, and the error
  // is rethrown on its own tick.
  #submitBatch(pd: PdHandle, entries: Int32Array, sink: BatchSink): boolean {
    const id = this.#nextId();
    let queued: number;
    try {
      queued = native.mrDeregisterBatch(pd, entries, id, this.#queue);
    } catch (error) {
      // The addon checks its arguments before it writes to any entry.
      for (let j = 0; j < entries.length; j++) {
        if (entries[j] >= 0) entries[j] = NativeResult.BadArgument;
      }
      queued = 0;
      process.nextTick(() => {
        throw error;
      });
    }
    const { length } = entries;
    // Refusals settle now (none when every entry was queued, the usual case).
    for (let j = 0; queued < length && j < length; j++) {
      const start = entries[j];
      if (start !== NativeResult.Pending && start !== SETTLED_ENTRY) sink.settle(j, start);
    }
    if (queued === 0) {
      sink.done();
      return false;
    }
    // The delivery comes in a later turn, so the waiter may be set after the refusals settled.
    const starts = queued === length ? undefined : entries.slice();
    this.#waiting.set(id, { starts, length, sink });
    return true;
  }

  #track(id: number, result: number, done: ResultCallback): number {
    if (result !== NativeResult.Pending) return result;
    this.#waiting.set(id, done);
    this.#scheduleFlush();
    return result;
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    process.nextTick(() => this.#flush());
  }

  // The first request of a burst woke a thread; the others are woken together once it is over.
  // The turn's single deregistrations go first, as one batch.
  #flush(): void {
    this.#flushScheduled = false;
    if (this.#burstRegions.length > 0) this.#submitBurst();
    native.mrQueueFlush(this.#queue);
  }

  #submitBurst(): void {
    const regions = this.#burstRegions;
    const callbacks = this.#burstCallbacks;
    this.#burstRegions = [];
    this.#burstCallbacks = [];
    // One request alone (a deferred pair, one region at a time) skips the batch's arrays.
    if (regions.length === 1) {
      this.#submitOne(regions[0], callbacks[0]);
      return;
    }
    // One batch per protection domain (a burst nearly always has one).
    const byDomain = new Map<PdHandle, number[]>();
    for (let i = 0; i < regions.length; i++) {
      const pd = regions[i].link.pdHandle;
      const entries = byDomain.get(pd);
      if (entries === undefined) byDomain.set(pd, [i]);
      else entries.push(i);
    }
    for (const [pd, entries] of byDomain) {
      const slots = this.takeEntries(entries.length);
      for (let j = 0; j < entries.length; j++) slots[j] = regions[entries[j]].slot;
      this.#submitBatch(pd, slots, new BurstSink(callbacks, entries));
      this.releaseEntries(slots);
    }
  }

  #submitOne(region: QueuedRegion, done: ResultCallback): void {
    const id = this.#nextId();
    let result: number;
    try {
      result = native.mrDeregister(region.handle, id, this.#queue);
    } catch (error) {
      result = NativeResult.BadArgument;
      process.nextTick(() => {
        throw error;
      });
    }
    if (result === NativeResult.Pending) this.#waiting.set(id, done);
    else callSafely(done, result);
  }

  // Positive int32 ids, wrapping long before they could collide with a request still in flight.
  #nextId(): number {
    this.#lastId = this.#lastId === 0x7fffffff ? 1 : this.#lastId + 1;
    return this.#lastId;
  }
}

// The largest batch whose entries array is kept for the next (kMaxSpareEntries in the addon).
const MAX_REUSED_ENTRIES = 1 << 16;

// A queued batch's delivery (its errnos in `errors`, from `offset`): each entry the addon queued
// settles with its errno, then the batch is done. A sink that throws is reported on its own tick;
// the delivery's other results go on.
function deliverBatch(waiter: BatchWaiter, errors: Int32Array, offset: number): void {
  try {
    settleQueued(waiter, errors, offset);
    waiter.sink.done();
  } catch (error) {
    process.nextTick(() => {
      throw error;
    });
  }
}

// The loop over a batch's entries, alone in its function: V8 compiles a function with a hot loop
// while the loop runs, before the code after it ever ran, and a call once per batch there (the
// sink's `done`) then had no type feedback yet. The compiled code gave way to the interpreter the
// first time it reached that call, and a batch's delivery took twice as long from then on.
function settleQueued(waiter: BatchWaiter, errors: Int32Array, offset: number): void {
  const { starts, length, sink } = waiter;
  if (starts === undefined) {
    for (let j = 0; j < length; j++) sink.settle(j, errors[offset + j]);
    return;
  }
  for (let j = 0; j < length; j++) {
    if (starts[j] === NativeResult.Pending) sink.settle(j, errors[offset + j]);
  }
}

// The single deregistrations of one burst on one domain: each entry's result goes to its own
// request's callback (a callback that throws does not keep the others from theirs).
class BurstSink implements BatchSink {
  constructor(
    private readonly callbacks: readonly ResultCallback[],
    private readonly entries: readonly number[],
  ) {}

  settle(entry: number, result: number): void {
    callSafely(this.callbacks[this.entries[entry]], result);
  }

  done(): void {}
}

function callSafely<T>(callback: (value: T) => void, value: T): void {
  try {
    callback(value);
  } catch (error) {
    process.nextTick(() => {
      throw error;
    });
  }
}

// One per loaded copy of this module: a test runner's fresh module registry, or two copies of the
// package, share the addon but not these requests.
const requests = new MrRequests();

/**
 * `ibv_reg_mr` of `view` on the addon's request threads. Returns the native result:
 * `NativeResult.Pending`, and `done(errno)` later, exactly when the request was queued.
 */
export function registerDeferred(
  handle: MrHandle,
  view: Uint8Array,
  access: number,
  done: ResultCallback,
): number {
  return requests.register(handle, view, access, done);
}

/**
 * `ibv_dereg_mr` on the addon's request threads. Always `NativeResult.Pending`, then `done(errno)`
 * exactly once, in a later tick: the deregistrations of one turn reach the addon together, as one
 * batch, on the next tick (where a refusal by the addon, or running out of memory, is their result).
 */
export function deregisterDeferred(region: QueuedRegion, done: ResultCallback): number {
  return requests.deregister(region, done);
}

/**
 * The array to name a batch's `length` entries in (each region's slot, or {@link SETTLED_ENTRY}),
 * reused batch after batch: hand it to {@link deregisterBatchDeferred}, or back through
 * {@link releaseBatchEntries} when the batch does not go.
 */
export function batchEntries(length: number): Int32Array {
  return requests.takeEntries(length);
}

/** Gives back an array from {@link batchEntries} for a batch that did not go. */
export function releaseBatchEntries(entries: Int32Array): void {
  requests.releaseEntries(entries);
}

/**
 * `ibv_dereg_mr` of the regions of `pd` named in `entries` (from {@link batchEntries}, which this
 * gives back), as one job on one request thread, delivered once. `sink.settle(entry, result)` runs
 * once per entry not {@link SETTLED_ENTRY}: at once for an entry the addon did not queue (why
 * not), in a later turn, with the batch's delivery, for the others (0 or the errno); then
 * `sink.done()`, once every entry has settled.
 */
export function deregisterBatchDeferred(pd: PdHandle, entries: Int32Array, sink: BatchSink): void {
  requests.deregisterBatch(pd, entries, sink);
}
