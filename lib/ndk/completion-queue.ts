/**
 * A completion queue: `NdkCreateCq` / `NdkArmCq` / `NdkGetCqResults` and the promise API's
 * self-draining queue. A native thread waits on the CQ's completion channel and wakes this object
 * through a thread-safe function; polling (`ibv_poll_cq`) and rearming (`ibv_req_notify_cq`) happen
 * here, on the JS thread, only when an event says there is something to poll.
 *
 * @packageDocumentation
 */

import { EventEmitter } from 'node:events';

import { CQ_FIELDS, type CqHandle, native } from '../native';
import { NtStatus } from '../status/nt-status';
import { wcStatusValue } from '../status/wc-status';
import { type AdapterEventType, type ObjectEvents } from './adapter-events';
import {
  kAdopt,
  kArm,
  kCancelFor,
  kCloseRank,
  kCreate,
  kDeviceReleased,
  kDisown,
  kDrain,
  kHandle,
  kObjectEvent,
  kOwner,
  kRequestClose,
  kRequestDone,
  kResults,
  kTrack,
  kUntrack,
  kUsable,
} from './internal';
import {
  type ChildLink,
  type Closable,
  forgetCollected,
  ObjectState,
  ParentLifecycle,
  releaseWhenCollected,
  warnCollected,
  warnIfCloseFailed,
} from './lifecycle';
import { fromNative, type Outcome, refused, SUCCESS } from './outcome';
import { resultOf, type NdkResult, type WorkRecord } from './work-result';

/** `NDK_FN_CQ_NOTIFICATION_CALLBACK`: `(CqNotificationContext, CqStatus)`. */
export type NdkCqNotificationCallback<Context = unknown> = (
  cqNotificationContext: Context,
  cqStatus: number,
) => void;

/** `NDK_CQ_NOTIFY_*`: what `NdkArmCq` waits for. */
export const NdkCqNotifyType = {
  /** Any completion that is an error. verbs cannot tell errors apart here: same as ANY. */
  NDK_CQ_NOTIFY_ERRORS: 0,
  /** Any completion. */
  NDK_CQ_NOTIFY_ANY: 1,
  /** A solicited receive, or any error. */
  NDK_CQ_NOTIFY_SOLICITED: 2,
} as const;

/**
 * @internal How a queue reports completions: NDK style (a notification callback after `NdkArmCq`, then the
 * caller polls with `NdkGetCqResults`) or self-draining (the promise API: every request's promise
 * settles as soon as its completion arrives).
 */
export type CqMode =
  | { readonly kind: 'ndk'; readonly notify: NdkCqNotificationCallback; readonly context: unknown }
  | { readonly kind: 'auto' };

const POLL_BATCH = 64;
const WC_WR_FLUSH_ERR = wcStatusValue('IBV_WC_WR_FLUSH_ERR');

/**
 * A completion queue of an adapter; queue pairs complete their requests into it. It emits
 * `'event'` for the device's asynchronous events that name it (`IBV_EVENT_CQ_ERR`: an overrun).
 */
export class CompletionQueue extends EventEmitter<ObjectEvents> {
  /** How many completions it holds. */
  readonly depth: number;
  /** @internal A parent's `close()` closes completion queues last; see `Closable`. */
  readonly [kCloseRank] = 3;
  readonly #handle: CqHandle;

  /**
   * Whether `value` is a real CompletionQueue: a brand check on its private state, so a look-alike (e.g.
   * `Object.create(CompletionQueue.prototype)`) or an object of another kind is told apart.
   */
  static is(value: unknown): value is CompletionQueue {
    return typeof value === 'object' && value !== null && #handle in value;
  }
  readonly #link: ChildLink;
  readonly #ref: WeakRef<Closable>;
  // Its children are the queue pairs that complete into it: the queue closes after them.
  readonly #life: ParentLifecycle;
  readonly #mode: CqMode;
  // Requests posted and not yet polled, by wr_id.
  readonly #requests = new Map<number, WorkRecord>();
  // Results polled but not yet handed to NdkGetCqResults (NDK mode only).
  #backlog: NdkResult[] = [];
  #nativeArmed = false;
  #userArmed = false;
  // Queue pairs closing: until their flushed requests are polled, the queue keeps itself armed.
  #draining = 0;

  private constructor(
    handle: CqHandle,
    depth: number,
    link: ChildLink,
    mode: CqMode,
    wake: { cq?: WeakRef<CompletionQueue> },
    id: number,
  ) {
    super();
    this.#handle = handle;
    this.depth = depth;
    this.#link = link;
    this.#mode = mode;
    this.#ref = link.siblings.add(this);
    link.device.completionQueues.set(id, new WeakRef(this));
    this.#life = new ParentLifecycle(link.device, () => {
      forgetCollected(this);
      link.device.completionQueues.delete(id);
      const outcome = link.device.releaseOutcome(
        fromNative(native.cqDestroy(handle), 'ibv_destroy_cq', true),
      );
      warnIfCloseFailed('a completion queue', outcome);
      link.siblings.release(this.#ref);
    });
    wake.cq = new WeakRef(this);
    releaseWhenCollected(this, collectedCqRelease(handle, link, this.#ref));
    if (mode.kind === 'auto') this.#armNative();
  }

  /**
   * @internal Creates the native queue (`NdkCreateCq`, by the adapter). The wake-up closure holds
   * the queue only weakly: the thread-safe function keeps its JS callback alive, and must not keep
   * the queue alive with it.
   */
  static [kCreate](
    device: Parameters<typeof native.cqCreate>[0],
    depth: number,
    link: ChildLink,
    mode: CqMode,
  ): Outcome & { cq?: CompletionQueue } {
    const wake: { cq?: WeakRef<CompletionQueue> } = {};
    // Deferred to a later turn: the thread-safe function's callback is not a place to run user code.
    const onEvent = () =>
      setImmediate(() => {
        const cq = wake.cq?.deref();
        if (cq !== undefined) cq.#onEvent();
      });
    const id = link.device.nextCqId();
    const handle = native.cqCreate(device, depth, onEvent, id);
    if (typeof handle === 'number') return fromNative(handle, 'ibv_create_cq');
    return { ...SUCCESS, cq: new CompletionQueue(handle, depth, link, mode, wake, id) };
  }

  /** Where the queue is in its life. */
  get state(): ObjectState {
    return this.#life.state;
  }

  /** @internal The native handle, for creating queue pairs on it. */
  get [kHandle](): CqHandle {
    return this.#handle;
  }

  /** @internal The adapter the queue belongs to. */
  get [kOwner](): object {
    return this.#link.parent;
  }

  /** @internal Whether the queue takes new queue pairs. */
  get [kUsable](): boolean {
    return this.#life.isOpen;
  }

  /** @internal A request is about to be posted: its completion will be looked up by `wrId`. */
  [kTrack](wrId: number, record: WorkRecord): void {
    this.#requests.set(wrId, record);
    this.#updateRef();
  }

  /** @internal Posting failed: no completion will come. */
  [kUntrack](wrId: number): void {
    this.#requests.delete(wrId);
    this.#updateRef();
  }

  /** @internal A queue pair is closing: keep polling until its flushed requests are in. */
  [kDrain](): () => void {
    this.#draining += 1;
    this.#armNative();
    this.#reap();
    return () => {
      this.#draining -= 1;
      this.#updateRef();
    };
  }

  /**
   * @internal The queue pair `qp` is destroyed: its requests still unpolled will never complete
   * through verbs, so they complete here as flushed (`IBV_WC_WR_FLUSH_ERR`, `STATUS_CANCELLED`).
   */
  [kCancelFor](qp: WorkRecord['qp']): void {
    this.#reap();
    for (const [wrId, record] of [...this.#requests]) {
      if (record.qp !== qp) continue;
      this.#requests.delete(wrId);
      this.#deliver(record, resultOf(record, WC_WR_FLUSH_ERR, 0));
    }
    this.#updateRef();
  }

  /**
   * @internal An asynchronous event names this queue. An overrun (`IBV_EVENT_CQ_ERR`) makes the
   * queue unusable: an armed NDK notification completes with `STATUS_BUFFER_OVERFLOW`, as NDK's
   * notification callback reports an overrun.
   */
  [kObjectEvent](type: AdapterEventType): void {
    if (type === 'IBV_EVENT_CQ_ERR') this.#notifyUser(NtStatus.STATUS_BUFFER_OVERFLOW);
    this.emit('event', { type });
  }

  /** @internal The device was removed: an armed NDK notification completes with STATUS_DEVICE_REMOVED. */
  [kDeviceReleased](): void {
    this.#notifyUser(NtStatus.STATUS_DEVICE_REMOVED);
  }

  /** @internal `NdkArmCq`. */
  [kArm](type: unknown): Outcome {
    const gone = this.#link.device.refusal(this.#life.isOpen, 'the queue');
    if (gone) return gone;
    if (this.#mode.kind !== 'ndk') {
      return refused(NtStatus.STATUS_INVALID_DEVICE_STATE, 'this queue drains itself');
    }
    if (type !== 0 && type !== 1 && type !== 2) {
      return refused(NtStatus.STATUS_INVALID_PARAMETER, 'unknown NDK_CQ_NOTIFY type');
    }
    this.#userArmed = true;
    // Results already polled (by a closing queue pair's drain) will not raise a new event.
    if (this.#backlog.length > 0) {
      setImmediate(() => this.#onEvent());
      return SUCCESS;
    }
    const outcome = this.#armNative(type === NdkCqNotifyType.NDK_CQ_NOTIFY_SOLICITED);
    if (outcome.status !== NtStatus.STATUS_SUCCESS) this.#userArmed = false;
    return outcome;
  }

  /** @internal `NdkGetCqResults`: up to `max` results, oldest first. */
  [kResults](max: number): NdkResult[] {
    if (this.state === ObjectState.Closed) return [];
    this.#reap();
    return this.#backlog.splice(0, max);
  }

  /** @internal `NdkCloseObject`: `STATUS_PENDING` until its queue pairs are closed. */
  [kRequestClose](done: () => void): Outcome {
    return this.#life.requestClose(done);
  }

  /** @internal Queue pairs register here so that closing the queue waits for them. */
  [kAdopt](qp: Closable): WeakRef<Closable> {
    return this.#life.children.add(qp);
  }

  /** @internal A queue pair using this queue is gone. */
  [kDisown](ref: WeakRef<Closable>): void {
    this.#life.children.release(ref);
  }

  /** Closes the queue pairs that complete into this queue, then the queue. */
  close(): Promise<void> {
    return this.#life.close();
  }

  /** `await using` closes the queue at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  // The waiter thread saw an event (one per arm).
  #onEvent(): void {
    if (!this.#life.isOpen && this.#draining === 0) return;
    this.#nativeArmed = false;
    if (this.#mode.kind === 'auto' || this.#draining > 0) {
      this.#reap();
      this.#armNative();
      this.#reap(); // what arrived between the poll and the arm raised no event
    }
    this.#updateRef();
    this.#notifyUser(NtStatus.STATUS_SUCCESS);
  }

  // Completes the user's NdkArmCq, if armed. On the next tick, outside the addon's call: a
  // notification that throws is an ordinary uncaught exception, and the queue's state is consistent.
  #notifyUser(status: number): void {
    if (!this.#userArmed || this.#mode.kind !== 'ndk') return;
    this.#userArmed = false;
    const { notify, context } = this.#mode;
    process.nextTick(() => notify(context, status));
  }

  // Polls everything there is. Each request is accounted for once: its record leaves the map, its
  // queue pair counts it done, and its promise (if any) settles on the next tick.
  #reap(): void {
    for (;;) {
      const rows = native.cqPoll(this.#handle, POLL_BATCH);
      if (typeof rows === 'number') return;
      const count = rows.length / CQ_FIELDS;
      for (let i = 0; i < count; i++) {
        const at = i * CQ_FIELDS;
        const wrId = rows[at];
        const record = this.#requests.get(wrId);
        if (record === undefined) continue;
        this.#requests.delete(wrId);
        this.#deliver(record, resultOf(record, rows[at + 1], rows[at + 3]));
      }
      if (count < POLL_BATCH) break;
    }
    this.#updateRef();
  }

  #deliver(record: WorkRecord, polled: NdkResult): void {
    // A request still pending when the device's objects were released completes as removed.
    const result = this.#link.device.completion(polled);
    this.#link.device.counters.completions += 1;
    record.onResult?.(result);
    if (this.#mode.kind === 'ndk') this.#backlog.push(result);
    if (record.settle) {
      const settle = record.settle;
      process.nextTick(() => settle(result));
    }
    record.qp[kRequestDone]();
  }

  #armNative(solicitedOnly = false): Outcome {
    if (this.#nativeArmed) return SUCCESS;
    const outcome = fromNative(native.cqArm(this.#handle, solicitedOnly), 'ibv_req_notify_cq');
    if (outcome.status === NtStatus.STATUS_SUCCESS) this.#nativeArmed = true;
    this.#updateRef();
    return outcome;
  }

  // An armed queue with requests outstanding keeps the process alive until they complete; an idle
  // one does not (its thread-safe function is unreferenced).
  #updateRef(): void {
    if (this.state === ObjectState.Closed) return;
    native.cqRef(this.#handle, this.#nativeArmed && this.#requests.size > 0);
  }
}

// Built outside the class so the closure cannot capture the queue it releases. Queue pairs hold
// their queues, so a queue is only collected once no queue pair uses it.
function collectedCqRelease(handle: CqHandle, link: ChildLink, ref: WeakRef<Closable>) {
  return {
    release(): void {
      warnCollected(`A completion queue on ${link.deviceName}`);
      native.cqDestroy(handle);
      link.siblings.release(ref);
    },
  };
}
