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

import { type MrHandle, type MrQueueHandle, NativeResult, native } from '../native';
import { weakMethod } from './weak-method';

type ResultCallback = (errno: number) => void;

/** What a batch's requester hears: one errno per entry (meaningful for the queued entries). */
export type BatchCallback = (errnos: Int32Array) => void;

// A batch waiting for its delivery: its entries' errnos arrive in the delivery's `batchErrors`.
interface BatchWaiter {
  readonly size: number;
  readonly done: BatchCallback;
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
  // Single deregistrations of this turn, handed over as one batch on the next tick.
  #burstHandles: MrHandle[] = [];
  #burstCallbacks: ResultCallback[] = [];

  constructor() {
    this.#queue = native.mrQueueCreate(weakMethod(this as MrRequests, 'dispatch'));
  }

  register(handle: MrHandle, view: Uint8Array, access: number, done: ResultCallback): number {
    const id = this.#nextId();
    return this.#track(id, native.mrRegister(handle, view, access, id, this.#queue), done);
  }

  // Always pending: the addon hears of it on the next tick, with the rest of the turn's burst, and
  // a refusal there (a race the facade's own checks did not see, or no memory) is its completion.
  deregister(handle: MrHandle, done: ResultCallback): number {
    this.#burstHandles.push(handle);
    this.#burstCallbacks.push(done);
    this.#scheduleFlush();
    return NativeResult.Pending;
  }

  deregisterBatch(handles: MrHandle[], done: BatchCallback): Int32Array {
    const starts = this.#submitBatch(handles, done);
    if (starts.includes(NativeResult.Pending)) this.#scheduleFlush();
    return starts;
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
        const errnos = batchErrors.subarray(offset, offset + waiter.size);
        offset += waiter.size;
        callSafely(waiter.done, errnos);
      }
    }
  }

  #submitBatch(handles: MrHandle[], done: BatchCallback): Int32Array {
    const id = this.#nextId();
    const starts = native.mrDeregisterBatch(handles, id, this.#queue);
    if (starts.includes(NativeResult.Pending))
      this.#waiting.set(id, { size: handles.length, done });
    return starts;
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
    if (this.#burstHandles.length > 0) this.#submitBurst();
    native.mrQueueFlush(this.#queue);
  }

  #submitBurst(): void {
    const handles = this.#burstHandles;
    const callbacks = this.#burstCallbacks;
    this.#burstHandles = [];
    this.#burstCallbacks = [];
    let starts: Int32Array;
    try {
      // One request alone (a deferred pair, one region at a time) skips the batch's arrays.
      if (handles.length === 1) {
        const id = this.#nextId();
        const result = native.mrDeregister(handles[0], id, this.#queue);
        if (result === NativeResult.Pending) this.#waiting.set(id, callbacks[0]);
        else callSafely(callbacks[0], result);
        return;
      }
      starts = this.#submitBatch(handles, (errnos) => {
        for (let i = 0; i < callbacks.length; i++) {
          if (starts[i] === NativeResult.Pending) callSafely(callbacks[i], errnos[i]);
        }
      });
    } catch (error) {
      // A handle the addon refused (a bug in the facade): every request still completes, once.
      // (Nothing was queued: the addon checks every handle before any region's state moves.)
      starts = new Int32Array(handles.length).fill(NativeResult.BadArgument);
      process.nextTick(() => {
        throw error;
      });
    }
    for (let i = 0; i < callbacks.length; i++) {
      if (starts[i] !== NativeResult.Pending) callSafely(callbacks[i], starts[i]);
    }
  }

  // Positive int32 ids, wrapping long before they could collide with a request still in flight.
  #nextId(): number {
    this.#lastId = this.#lastId === 0x7fffffff ? 1 : this.#lastId + 1;
    return this.#lastId;
  }
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
export function deregisterDeferred(handle: MrHandle, done: ResultCallback): number {
  return requests.deregister(handle, done);
}

/**
 * `ibv_dereg_mr` of every region of `handles`, as one job on one request thread, delivered once.
 * Returns one start per entry (`NativeResult.Pending`, or why the entry was not queued); when any
 * entry is pending, `done(errnos)` follows exactly once, in a later turn, with one errno per entry.
 * Throws (a TypeError from the addon) only for an entry that is not a region handle.
 */
export function deregisterBatchDeferred(handles: MrHandle[], done: BatchCallback): Int32Array {
  return requests.deregisterBatch(handles, done);
}
