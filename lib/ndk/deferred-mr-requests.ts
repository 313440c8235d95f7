/**
 * Deferred registrations and deregistrations, JS side: each request gets an id, the addon runs it
 * on its own threads and delivers results in batches (one JS call for every result that finished
 * since the last), and this module hands each result to its request's callback.
 *
 * @packageDocumentation
 */

import { type MrHandle, type MrQueueHandle, NativeResult, native } from '../native';
import { weakMethod } from './weak-method';

type ResultCallback = (errno: number) => void;

/**
 * One native request queue and the requests waiting on it. The queue's thread-safe function reaches
 * this object only weakly: once every module of this copy of the facade is unreachable (a test
 * runner dropped its module registry), the object, its queue handle and the queue's threads are
 * all released.
 */
class MrRequests {
  readonly #waiting = new Map<number, ResultCallback>();
  readonly #queue: MrQueueHandle;
  #lastId = 0;
  #flushScheduled = false;

  constructor() {
    this.#queue = native.mrQueueCreate(weakMethod(this as MrRequests, 'dispatch'));
  }

  register(handle: MrHandle, view: Uint8Array, access: number, done: ResultCallback): number {
    const id = this.#nextId();
    return this.#track(id, native.mrRegister(handle, view, access, id, this.#queue), done);
  }

  deregister(handle: MrHandle, done: ResultCallback): number {
    const id = this.#nextId();
    return this.#track(id, native.mrDeregister(handle, id, this.#queue), done);
  }

  // Every result of the batch reaches its callback even if one of them throws: the error is
  // rethrown on its own tick, as an ordinary uncaught exception.
  dispatch(results: Int32Array): void {
    for (let i = 0; i < results.length; i += 2) {
      const done = this.#waiting.get(results[i]);
      this.#waiting.delete(results[i]);
      if (done === undefined) continue;
      try {
        done(results[i + 1]);
      } catch (error) {
        process.nextTick(() => {
          throw error;
        });
      }
    }
  }

  #track(id: number, result: number, done: ResultCallback): number {
    if (result !== NativeResult.Pending) return result;
    this.#waiting.set(id, done);
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      process.nextTick(() => this.#flush());
    }
    return result;
  }

  // The first request of a burst woke a thread; the others are woken together once it is over.
  #flush(): void {
    this.#flushScheduled = false;
    native.mrQueueFlush(this.#queue);
  }

  // Positive int32 ids, wrapping long before they could collide with a request still in flight.
  #nextId(): number {
    this.#lastId = this.#lastId === 0x7fffffff ? 1 : this.#lastId + 1;
    return this.#lastId;
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

/** `ibv_dereg_mr` on the addon's request threads; as {@link registerDeferred}. */
export function deregisterDeferred(handle: MrHandle, done: ResultCallback): number {
  return requests.deregister(handle, done);
}
