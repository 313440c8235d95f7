/**
 * Deferred registrations and deregistrations, JS side: each request gets an id, the addon runs it
 * on its own threads and delivers results in batches (one JS call for every result that finished
 * since the last), and this module hands each result to its request's callback.
 *
 * @packageDocumentation
 */

import { type MrHandle, NativeResult, native } from '../native';

type ResultCallback = (errno: number) => void;

const waiting = new Map<number, ResultCallback>();
let lastId = 0;
let flushScheduled = false;

// One per loaded copy of this module: a test runner's fresh module registry, or two copies of the
// package, share the addon but not this map.
const queue = native.mrQueueCreate(dispatch);

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
  const id = nextId();
  return track(id, native.mrRegister(handle, view, access, id, queue), done);
}

/** `ibv_dereg_mr` on the addon's request threads; as {@link registerDeferred}. */
export function deregisterDeferred(handle: MrHandle, done: ResultCallback): number {
  const id = nextId();
  return track(id, native.mrDeregister(handle, id, queue), done);
}

function track(id: number, result: number, done: ResultCallback): number {
  if (result !== NativeResult.Pending) return result;
  waiting.set(id, done);
  if (!flushScheduled) {
    flushScheduled = true;
    process.nextTick(flush);
  }
  return result;
}

// The first request of a burst woke a thread; the others are woken together once the burst is over.
function flush(): void {
  flushScheduled = false;
  native.mrQueueFlush(queue);
}

// Positive int32 ids, wrapping long before they could collide with a request still in flight.
function nextId(): number {
  lastId = lastId === 0x7fffffff ? 1 : lastId + 1;
  return lastId;
}

// Every result of the batch reaches its callback even if one of them throws: the error is rethrown
// on its own tick, as an ordinary uncaught exception.
function dispatch(results: Int32Array): void {
  for (let i = 0; i < results.length; i += 2) {
    const done = waiting.get(results[i]);
    waiting.delete(results[i]);
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
