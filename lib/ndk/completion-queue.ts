/**
 * A completion queue: `NdkCreateCq` / `NdkArmCq` / `NdkGetCqResults` and the promise API's
 * self-draining queue. A native thread waits on the CQ's completion channel and wakes this object
 * through a thread-safe function; polling (`ibv_poll_cq`) and rearming (`ibv_req_notify_cq`) happen
 * here, on the JS thread, only when an event says there is something to poll.
 *
 * @packageDocumentation
 */

import { CQ_FIELDS, type CqHandle, native } from '../native';
import { NtStatus } from '../status/nt-status';
import { type Children } from './children';
import { forgetCollected, releaseWhenCollected, warnCollected } from './collected';
import { errorOf, fromNative, type Outcome, refused, SUCCESS } from './outcome';
import { ObjectState } from './object-state';
import { ParentObject } from './parent-object';
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

/** What a completion queue learns from its adapter. */
export interface CompletionQueueContext {
  /** The adapter; held so it outlives the queue. */
  readonly parent: object;
  readonly deviceName: string;
  readonly siblings: Children<{ close(): Promise<void> }>;
}

/**
 * How a queue reports completions: NDK style (a notification callback after `NdkArmCq`, then the
 * caller polls with `NdkGetCqResults`) or self-draining (the promise API: every request's promise
 * settles as soon as its completion arrives).
 */
export type CqMode =
  | { readonly kind: 'ndk'; readonly notify: NdkCqNotificationCallback; readonly context: unknown }
  | { readonly kind: 'auto' };

const POLL_BATCH = 64;
const WC_WR_FLUSH_ERR = 5;

/** A completion queue of an adapter; queue pairs complete their requests into it. */
export class CompletionQueue extends ParentObject<{ close(): Promise<void> }> {
  /** How many completions it holds. */
  readonly depth: number;
  /** @internal A parent's `close()` closes this kind of child at this rank; see `Closable`. */
  readonly closeRank = 3;
  readonly #handle: CqHandle;

  /**
   * Whether `value` is a real CompletionQueue: a brand check on its private state, so a look-alike (e.g.
   * `Object.create(CompletionQueue.prototype)`) or an object of another kind is told apart.
   */
  static is(value: unknown): value is CompletionQueue {
    return typeof value === 'object' && value !== null && #handle in value;
  }
  readonly #context: CompletionQueueContext;
  readonly #ref: WeakRef<CompletionQueue>;
  readonly #mode: CqMode;
  // Requests posted and not yet polled, by wr_id.
  readonly #requests = new Map<number, WorkRecord>();
  // Results polled but not yet handed to NdkGetCqResults (NDK mode only).
  #backlog: NdkResult[] = [];
  #nativeArmed = false;
  #userArmed = false;
  // Queue pairs closing: until their flushed requests are polled, the queue keeps itself armed.
  #draining = 0;

  /** @internal Created by `Adapter`; use `adapter.createCq()` or `NdkCreateCq`. */
  constructor(
    handle: CqHandle,
    depth: number,
    context: CompletionQueueContext,
    mode: CqMode,
    wake: { cq?: WeakRef<CompletionQueue> },
  ) {
    super();
    this.#handle = handle;
    this.depth = depth;
    this.#context = context;
    this.#mode = mode;
    this.#ref = context.siblings.add(this) as WeakRef<CompletionQueue>;
    wake.cq = new WeakRef(this);
    releaseWhenCollected(this, collectedCqRelease(handle, context, this.#ref));
    if (mode.kind === 'auto') this.#armNative();
  }

  /**
   * @internal Creates the native queue. The wake-up closure holds the queue only weakly: the
   * thread-safe function keeps its JS callback alive, and must not keep the queue alive with it.
   */
  static create(
    device: Parameters<typeof native.cqCreate>[0],
    depth: number,
    context: CompletionQueueContext,
    mode: CqMode,
  ): Outcome & { cq?: CompletionQueue } {
    const wake: { cq?: WeakRef<CompletionQueue> } = {};
    // Deferred to a later turn: the thread-safe function's callback is not a place to run user code.
    const onEvent = () => setImmediate(() => wake.cq?.deref()?.onEvent());
    const handle = native.cqCreate(device, depth, onEvent);
    if (typeof handle === 'number') return fromNative(handle, 'ibv_create_cq');
    return { ...SUCCESS, cq: new CompletionQueue(handle, depth, context, mode, wake) };
  }

  /** @internal The native handle, for creating queue pairs on it. */
  get handle(): CqHandle {
    return this.#handle;
  }

  /** @internal The adapter the queue belongs to. */
  get owner(): object {
    return this.#context.parent;
  }

  /** @internal Whether the queue takes new queue pairs. */
  get usable(): boolean {
    return this.isOpen;
  }

  /** @internal A request is about to be posted: its completion will be looked up by `wrId`. */
  track(wrId: number, record: WorkRecord): void {
    this.#requests.set(wrId, record);
    this.#updateRef();
  }

  /** @internal Posting failed: no completion will come. */
  untrack(wrId: number): void {
    this.#requests.delete(wrId);
    this.#updateRef();
  }

  /** @internal A queue pair is closing: keep polling until its flushed requests are in. */
  drain(): () => void {
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
  cancelFor(qp: WorkRecord['qp']): void {
    this.#reap();
    for (const [wrId, record] of [...this.#requests]) {
      if (record.qp !== qp) continue;
      this.#requests.delete(wrId);
      this.#deliver(record, resultOf(record, WC_WR_FLUSH_ERR, 0));
    }
    this.#updateRef();
  }

  /** @internal `NdkArmCq`. */
  requestArm(type: unknown): Outcome {
    if (!this.isOpen) return refused(NtStatus.STATUS_INVALID_HANDLE, 'the queue is closed');
    if (this.#mode.kind !== 'ndk') {
      return refused(NtStatus.STATUS_INVALID_DEVICE_STATE, 'this queue drains itself');
    }
    if (type !== 0 && type !== 1 && type !== 2) {
      return refused(NtStatus.STATUS_INVALID_PARAMETER, 'unknown NDK_CQ_NOTIFY type');
    }
    this.#userArmed = true;
    // Results already polled (by a closing queue pair's drain) will not raise a new event.
    if (this.#backlog.length > 0) {
      setImmediate(() => this.onEvent());
      return SUCCESS;
    }
    const outcome = this.#armNative(type === NdkCqNotifyType.NDK_CQ_NOTIFY_SOLICITED);
    if (outcome.status !== NtStatus.STATUS_SUCCESS) this.#userArmed = false;
    return outcome;
  }

  /** @internal `NdkGetCqResults`: up to `max` results, oldest first. */
  requestResults(max: number): NdkResult[] {
    if (this.state === ObjectState.Closed) return [];
    this.#reap();
    return this.#backlog.splice(0, max);
  }

  /** @internal The waiter thread saw an event (one per arm). */
  onEvent(): void {
    if (!this.isOpen && this.#draining === 0) return;
    this.#nativeArmed = false;
    if (this.#mode.kind === 'auto' || this.#draining > 0) {
      this.#reap();
      this.#armNative();
      this.#reap(); // what arrived between the poll and the arm raised no event
    }
    this.#updateRef();
    if (this.#userArmed && this.#mode.kind === 'ndk') {
      this.#userArmed = false;
      const { notify, context } = this.#mode;
      // On the next tick, outside the addon's call: a notification that throws is an ordinary uncaught
      // exception, and the queue's state above is already consistent.
      process.nextTick(() => notify(context, NtStatus.STATUS_SUCCESS));
    }
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

  #deliver(record: WorkRecord, result: NdkResult): void {
    record.onResult?.(result);
    if (this.#mode.kind === 'ndk') this.#backlog.push(result);
    if (record.settle) {
      const settle = record.settle;
      process.nextTick(() => settle(result));
    }
    record.qp.requestDone();
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

  /** @internal */
  protected releaseNative(): void {
    forgetCollected(this);
    const outcome = fromNative(native.cqDestroy(this.#handle), 'ibv_destroy_cq', true);
    if (outcome.status !== NtStatus.STATUS_SUCCESS) {
      process.emitWarning(`closing a completion queue: ${errorOf(outcome).message}`, {
        type: 'NdkVerbsWarning',
        code: 'NDK_VERBS_CLOSE_FAILED',
      });
    }
    this.#context.siblings.release(this.#ref);
  }

  /** @internal Queue pairs register here so that closing the queue waits for them. */
  adopt(qp: { close(): Promise<void> }): WeakRef<{ close(): Promise<void> }> {
    return this.children.add(qp);
  }

  /** @internal A queue pair using this queue is gone. */
  disown(ref: WeakRef<{ close(): Promise<void> }>): void {
    this.children.release(ref);
  }
}

// Built outside the class so the closure cannot capture the queue it releases. Queue pairs hold
// their queues, so a queue is only collected once no queue pair uses it.
function collectedCqRelease(
  handle: CqHandle,
  context: CompletionQueueContext,
  ref: WeakRef<CompletionQueue>,
) {
  return {
    release(): void {
      warnCollected(`A completion queue on ${context.deviceName}`);
      native.cqDestroy(handle);
      context.siblings.release(ref);
    },
  };
}
