/**
 * A reliable-connected queue pair: `NdkCreateQp`, connection, `NdkWrite` / `NdkRead` / `NdkSend` /
 * `NdkReceive`, `NdkCloseObject`, and the promise API over the same object.
 *
 * Every posted request completes exactly once through its completion queue. Closing moves the QP
 * to the error state so outstanding requests flush (`STATUS_CANCELLED`), then destroys it on a
 * native thread of its own: the close completes once the last request has been polled and the QP is destroyed,
 * and its callback is the last one the queue pair makes.
 *
 * @packageDocumentation
 */

import { EventEmitter } from 'node:events';

import { NativeResult, NativeWorkOp, native, type QpHandle } from '../native';
import { NdkError } from '../status/ndk-error';
import { NtStatus, ntSuccess } from '../status/nt-status';
import { type AdapterEventType, type ObjectEvents } from './adapter-events';
import { type CompletionQueue } from './completion-queue';
import { windowAccess } from './flags';
import {
  kAdopt,
  kBind,
  kBindCompleted,
  kBindPosted,
  kCancelFor,
  kCloseRank,
  kConnect,
  kCreate,
  kDisown,
  kDrain,
  kHandle,
  kInvalidate,
  kInvalidateCompleted,
  kInvalidatePosted,
  kLocalAddress,
  kObjectEvent,
  kOwner,
  kPost,
  kRefuseRequest,
  kRequestClose,
  kRequestDone,
  kTrack,
  kUntrack,
} from './internal';
import {
  type ChildLink,
  type Closable,
  closed,
  forgetCollected,
  ObjectState,
  releaseWhenCollected,
  warnCollected,
  warnIfCloseFailed,
} from './lifecycle';
import { type MemoryRegion } from './memory-region';
import { MemoryWindow } from './memory-window';
import { errorOf, fromNative, isRefusal, type Outcome, PENDING, refused, SUCCESS } from './outcome';
import {
  chooseGidIndex,
  choosesGid,
  type ConnectOptions,
  connectOptions,
  type GidChoice,
  gidChoice,
} from './gid-choice';
import { formatGid, peerAddress, type QpAddress } from './qp-address';
import { localSlice, type NdkSge, remoteSide } from './work-request';
import { nextWrId, type NdkRequestType, type NdkResult } from './work-result';

/** How long a closing queue pair waits for verbs to flush its requests before it cancels them. */
const FLUSH_GRACE_MS = 1000;

/** @internal What a queue pair learns from its protection domain. */
export interface QueuePairLink extends ChildLink {
  /** How many queue pairs the adapter has; the queue pair counts itself in and out. */
  readonly queuePairs: { count: number };
}

/**
 * How long a queue pair keeps trying before a request fails: read once, when the queue pair is
 * created, and applied when it connects. `pd.createQp()` takes them among its options,
 * `NdkCreateQp` as its last argument. A value out of range is refused
 * (`STATUS_INVALID_PARAMETER`); an absent one takes its default.
 *
 * The times below are those of rxe in Debian's 6.1 kernel (`drivers/infiniband/sw/rxe`, 250 kernel
 * ticks a second, so one tick is 4 ms); an RNIC does the same in hardware, with its own rounding.
 */
export interface QueuePairRetryOptions {
  /**
   * How many times an unacknowledged request is sent again before it completes with
   * `STATUS_IO_TIMEOUT` (`IBV_WC_RETRY_EXC_ERR`): an integer from 0 to 6, default 6.
   *
   * Each try waits one local ACK timeout ({@link timeoutExponent}), so a request to a peer that is
   * gone fails after about (retryCount + 1) × that timeout: 7 × 64 ms ≈ 0.45 s with the defaults,
   * 7 × 8,796 s ≈ 17 h at most (exponent 31). Any acknowledgement from the peer starts the count
   * again, so a lossy but live link fails a request only after retryCount + 1 timeouts in a row
   * without one.
   *
   * 7 is refused: verbs defines it as 7 retries, but rxe never counts a 7 down and retries
   * forever, so a dead peer would leave requests waiting for ever. 0 to 6 mean the same on every
   * device.
   */
  readonly retryCount?: number;
  /**
   * How many times a SEND that finds no receive posted at the peer (an RNR NAK) is sent again
   * before it completes with `STATUS_IO_TIMEOUT` (`IBV_WC_RNR_RETRY_EXC_ERR`): an integer from 0
   * to 7, default 7, which means wait for ever for the peer to post a receive (verbs and rxe
   * agree on that).
   *
   * The wait between tries is the one the peer's NAK asks for: an ndk-verbs queue pair asks for
   * 0.64 ms, which rxe rounds up to one kernel tick (4 ms). n retries thus give up after about
   * (n + 1) × (4 ms + a round trip). RDMA writes and reads never meet an RNR NAK.
   *
   * On rxe of kernel 6.1 (Debian 12's default) the ACK timer keeps running while a SEND waits for
   * a receive, and each expiry counts against {@link retryCount}: there a SEND waits at most
   * (retryCount + 1) ACK timeouts (0.45 s with the defaults), then fails with `STATUS_IO_TIMEOUT`
   * (`IBV_WC_RETRY_EXC_ERR`), even with rnrRetryCount 7. rxe of kernel 6.12 keeps waiting for the
   * receive. Post receives before the peer sends, or raise {@link timeoutExponent}.
   */
  readonly rnrRetryCount?: number;
  /**
   * The local ACK timeout, how long one try waits for the peer's acknowledgement: 4.096 µs ×
   * 2^timeoutExponent, an integer from 0 to 31, default 14 (67 ms; rxe counts it in whole ticks,
   * rounding down, and never less than one: 64 ms). 11 is 8.4 ms, 20 is 4.3 s, 31 is 2.4 hours;
   * 1 to 10 are all one tick (4 ms) on rxe.
   *
   * 0 means no timeout: verbs defines it as infinite, and rxe then arms no retransmission timer
   * at all, so a lost packet is never sent again and a request to a dead peer waits for ever,
   * whatever {@link retryCount} says.
   */
  readonly timeoutExponent?: number;
}

/** @internal The retry settings, validated, with their defaults filled in. */
export interface QueuePairRetrySettings {
  readonly retryCount: number;
  readonly rnrRetryCount: number;
  readonly timeoutExponent: number;
}

/** The defaults of {@link QueuePairRetryOptions}. */
const RETRY_DEFAULTS: QueuePairRetrySettings = Object.freeze({
  retryCount: 6,
  rnrRetryCount: 7,
  timeoutExponent: 14,
});

/** Each retry option's largest value (the smallest is 0). */
const RETRY_LIMITS: Readonly<Record<keyof QueuePairRetrySettings, number>> = {
  retryCount: 6,
  rnrRetryCount: 7,
  timeoutExponent: 31,
};

/**
 * @internal The retry settings of `options` (an object, or undefined for the defaults), or the
 * refusal of the first option out of range.
 */
export function retrySettings(options: unknown): QueuePairRetrySettings | Outcome {
  if (options === undefined) return RETRY_DEFAULTS;
  if (typeof options !== 'object' || options === null) {
    return refused(NtStatus.STATUS_INVALID_PARAMETER, 'options must be an object');
  }
  const given = options as QueuePairRetryOptions;
  const settings = { ...RETRY_DEFAULTS };
  for (const key of Object.keys(RETRY_LIMITS) as Array<keyof QueuePairRetrySettings>) {
    const value: unknown = given[key];
    if (value === undefined) continue;
    const max = RETRY_LIMITS[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
      const why =
        key === 'retryCount' ? ' (7, which rxe takes as "retry forever", is refused)' : '';
      return refused(
        NtStatus.STATUS_INVALID_PARAMETER,
        `${key} must be an integer from 0 to ${max}${why}`,
      );
    }
    settings[key] = value;
  }
  return settings;
}

/** Options of `pd.createQp()`, its retry options included. */
export interface QueuePairOptions extends QueuePairRetryOptions {
  /** Where receives complete; default: the same queue as the initiator requests. */
  readonly receiveCq?: CompletionQueue;
  /** Outstanding receives; default 16. */
  readonly receiveDepth?: number;
  /** Outstanding writes, reads and sends; default 16. */
  readonly initiatorDepth?: number;
  /** Reported as `qpContext` in every result. */
  readonly context?: unknown;
}

/**
 * A reliable-connected queue pair of a protection domain. It emits `'event'` for the device's
 * asynchronous events that name it (`IBV_EVENT_QP_FATAL`, `IBV_EVENT_COMM_EST`, …).
 */
export class QueuePair extends EventEmitter<ObjectEvents> {
  /** The context given at creation, reported in every result of this queue pair. */
  readonly qpContext: unknown;
  /** @internal A parent's `close()` closes queue pairs after windows; see `Closable`. */
  readonly [kCloseRank] = 1;
  readonly #handle: QpHandle;
  readonly #qpNumber: number;

  /**
   * Whether `value` is a real QueuePair: a brand check on its private state, so a look-alike (e.g.
   * `Object.create(QueuePair.prototype)`) or an object of another kind is told apart.
   */
  static is(value: unknown): value is QueuePair {
    return typeof value === 'object' && value !== null && #handle in value;
  }
  readonly #link: QueuePairLink;
  readonly #receiveCq: CompletionQueue;
  readonly #initiatorCq: CompletionQueue;
  readonly #ref: WeakRef<Closable>;
  readonly #cqRefs: Array<[CompletionQueue, WeakRef<Closable>]>;
  #state = ObjectState.Open;
  #connected = false;
  // The source GID the last localAddress() used: connect() speaks from it unless told otherwise.
  #gidIndex = 0;
  #outstanding = 0;
  #whenIdle: (() => void) | undefined;
  // While the native destroy runs: what to call once it is over.
  #afterDestroy: Array<() => void> | undefined;
  #closed: Promise<void> | undefined;

  private constructor(
    handle: QpHandle,
    link: QueuePairLink,
    receiveCq: CompletionQueue,
    initiatorCq: CompletionQueue,
    qpContext: unknown,
  ) {
    super();
    this.#handle = handle;
    this.#link = link;
    // Events name a queue pair by its number; a number is reused only after the destroy.
    this.#qpNumber = native.qpNumber(handle);
    link.device.queuePairs.set(this.#qpNumber, new WeakRef(this));
    this.#receiveCq = receiveCq;
    this.#initiatorCq = initiatorCq;
    this.qpContext = qpContext;
    this.#ref = link.siblings.add(this);
    const cqs = receiveCq === initiatorCq ? [receiveCq] : [receiveCq, initiatorCq];
    this.#cqRefs = cqs.map((cq) => [cq, cq[kAdopt](this)]);
    link.queuePairs.count += 1;
    releaseWhenCollected(this, collectedQpRelease(handle, link, this.#ref, this.#cqRefs));
  }

  /** @internal Created by `ProtectionDomain`; use `pd.createQp()` or `NdkCreateQp`. */
  static [kCreate](
    handle: QpHandle,
    link: QueuePairLink,
    receiveCq: CompletionQueue,
    initiatorCq: CompletionQueue,
    qpContext: unknown,
  ): QueuePair {
    return new QueuePair(handle, link, receiveCq, initiatorCq, qpContext);
  }

  /** Where the queue pair is in its life. */
  get state(): ObjectState {
    return this.#state;
  }

  /** Requests posted whose completion has not been polled yet. */
  get outstanding(): number {
    return this.#outstanding;
  }

  // ---- NDK-style requests ----

  /** @internal `NdkGetQpAddress`: our address from the chosen GID (index 0 by default), for the peer. */
  [kLocalAddress](options?: unknown): Outcome & { address?: QpAddress } {
    const gone = this.#link.device.refusal(this.#state === ObjectState.Open, 'the queue pair');
    if (gone) return gone;
    const choice = gidChoice(options);
    if (isRefusal(choice)) return choice;
    const gid = choosesGid(choice) ? this.#chooseGid(choice) : { index: 0 };
    if (isRefusal(gid)) return gid;
    const address = native.qpLocalAddress(this.#handle, gid.index);
    if (typeof address === 'number') return fromNative(address, 'ibv_query_gid');
    this.#gidIndex = gid.index;
    return { ...SUCCESS, address: { ...address, gid: formatGid(address.gid) } };
  }

  /** The index `choice` names in our port's GID table, or the refusal. */
  #chooseGid(choice: GidChoice): { index: number } | Outcome {
    const table = native.qpGidTable(this.#handle);
    if (typeof table === 'number') return fromNative(table, 'ibv_query_gid_table');
    return chooseGidIndex(table, choice);
  }

  /** @internal `NdkConnectQp`: connects to `peer`, INIT → RTR → RTS. */
  [kConnect](peer: unknown, options?: unknown): Outcome {
    const gone = this.#link.device.refusal(this.#state === ObjectState.Open, 'the queue pair');
    if (gone) return gone;
    if (this.#connected) {
      return refused(NtStatus.STATUS_INVALID_DEVICE_STATE, 'the queue pair is already connected');
    }
    const address = peerAddress(peer);
    if (isRefusal(address)) return address;
    const settings = connectOptions(options);
    if (isRefusal(settings)) return settings;
    const gid = choosesGid(settings) ? this.#chooseGid(settings) : { index: this.#gidIndex };
    if (isRefusal(gid)) return gid;
    const outcome = fromNative(
      native.qpConnect(
        this.#handle,
        address.gid,
        address.qpn,
        address.psn,
        address.port,
        gid.index,
        settings.pathMtu,
      ),
      'ibv_modify_qp',
    );
    if (outcome.status === NtStatus.STATUS_SUCCESS) this.#connected = true;
    return outcome;
  }

  /**
   * @internal Posts one request. `STATUS_SUCCESS` means posted: its result arrives through the
   * completion queue (and `settle`, for the promise API) exactly once.
   */
  [kPost](
    type: NdkRequestType,
    requestContext: unknown,
    sgl: unknown,
    remoteAddress?: unknown,
    remoteToken?: unknown,
    settle?: (result: NdkResult) => void,
  ): Outcome {
    const gone = this.#link.device.refusal(this.#state === ObjectState.Open, 'the queue pair');
    if (gone) return gone;
    const local = localSlice(sgl);
    if (isRefusal(local)) return local;
    const rdma = type === 'write' || type === 'read';
    const remote = rdma ? remoteSide(remoteAddress, remoteToken) : undefined;
    if (remote !== undefined && isRefusal(remote)) return remote;
    if (type !== 'receive' && !this.#connected) {
      return refused(NtStatus.STATUS_INVALID_DEVICE_STATE, 'the queue pair is not connected');
    }
    const cq = type === 'receive' ? this.#receiveCq : this.#initiatorCq;
    const wrId = nextWrId();
    cq[kTrack](wrId, { type, requestContext, qp: this, settle });
    const result =
      type === 'receive'
        ? native.qpPostRecv(this.#handle, wrId, local.handle, local.offset, local.length)
        : native.qpPostSend(
            this.#handle,
            type === 'write'
              ? NativeWorkOp.Write
              : type === 'read'
                ? NativeWorkOp.Read
                : NativeWorkOp.Send,
            wrId,
            local.handle,
            local.offset,
            local.length,
            remote?.address,
            remote?.token,
          );
    const outcome = fromNative(result, type === 'receive' ? 'ibv_post_recv' : 'ibv_post_send');
    if (outcome.status !== NtStatus.STATUS_SUCCESS) {
      cq[kUntrack](wrId);
      return outcome;
    }
    this.#outstanding += 1;
    this.#link.device.counters.pendingRequests += 1;
    return SUCCESS;
  }

  /**
   * @internal `NdkBind`: binds `mw` over `length` bytes at `offset` into `mr` with the remote access
   * `flags` grant (`NDK_MR_FLAG_ALLOW_REMOTE_READ` / `_WRITE` bits). Its completion arrives through
   * the initiator queue like any request; the window's token is valid once it succeeded.
   */
  [kBind](
    requestContext: unknown,
    mr: unknown,
    mw: unknown,
    offset: unknown,
    length: unknown,
    flags: unknown,
    settle?: (result: NdkResult) => void,
  ): Outcome {
    const window = this.#windowFor(mw, 'bind');
    if (isRefusal(window)) return window;
    const local = localSlice({ mr, offset, length });
    if (isRefusal(local)) return local;
    const access = windowAccess(flags);
    if (access === undefined) {
      return refused(
        NtStatus.STATUS_INVALID_PARAMETER,
        'flags must grant remote read and/or write',
      );
    }
    if (!this.#connected) {
      return refused(NtStatus.STATUS_INVALID_DEVICE_STATE, 'the queue pair is not connected');
    }
    const region = mr as MemoryRegion;
    const wrId = nextWrId();
    const onResult = (result: NdkResult) => window[kBindCompleted](ntSuccess(result.status));
    this.#initiatorCq[kTrack](wrId, { type: 'bind', requestContext, qp: this, settle, onResult });
    const posted = native.qpPostBindMw(
      this.#handle,
      window[kHandle],
      wrId,
      local.handle,
      local.offset,
      local.length,
      access,
    );
    if (typeof posted === 'number') {
      this.#initiatorCq[kUntrack](wrId);
      return fromNative(posted, 'ibv_post_send');
    }
    window[kBindPosted](region, posted[1]);
    this.#outstanding += 1;
    this.#link.device.counters.pendingRequests += 1;
    return SUCCESS;
  }

  /** @internal `NdkInvalidate`: revokes the window's token (a local invalidation). */
  [kInvalidate](
    requestContext: unknown,
    mw: unknown,
    settle?: (result: NdkResult) => void,
  ): Outcome {
    const window = this.#windowFor(mw, 'invalidate');
    if (isRefusal(window)) return window;
    if (!this.#connected) {
      return refused(NtStatus.STATUS_INVALID_DEVICE_STATE, 'the queue pair is not connected');
    }
    const wrId = nextWrId();
    const onResult = (result: NdkResult) => window[kInvalidateCompleted](ntSuccess(result.status));
    this.#initiatorCq[kTrack](wrId, {
      type: 'invalidate',
      requestContext,
      qp: this,
      settle,
      onResult,
    });
    const result = native.qpPostLocalInvalidate(this.#handle, window[kHandle], wrId);
    const outcome = fromNative(result, 'ibv_post_send');
    if (outcome.status !== NtStatus.STATUS_SUCCESS) {
      this.#initiatorCq[kUntrack](wrId);
      return outcome;
    }
    window[kInvalidatePosted]();
    this.#outstanding += 1;
    this.#link.device.counters.pendingRequests += 1;
    return SUCCESS;
  }

  /** @internal An asynchronous event of the device names this queue pair. */
  [kObjectEvent](type: AdapterEventType): void {
    this.emit('event', { type });
  }

  /** @internal One of this queue pair's requests was polled from a completion queue. */
  [kRequestDone](): void {
    this.#outstanding -= 1;
    this.#link.device.counters.pendingRequests -= 1;
    if (this.#outstanding === 0 && this.#whenIdle) {
      const idle = this.#whenIdle;
      this.#whenIdle = undefined;
      idle();
    }
  }

  /**
   * @internal `NdkCloseObject`: always `STATUS_PENDING`. With requests outstanding, moves to the
   * error state so they flush (`STATUS_CANCELLED`); after the last of them the QP is destroyed on
   * a native thread, and `done` is then the last callback.
   */
  [kRequestClose](done: () => void): Outcome {
    if (this.#state !== ObjectState.Open) return this.#link.device.closedRefusal('the queue pair');
    this.#state = ObjectState.Closing;
    if (this.#outstanding === 0) {
      this.#destroy(done);
      return PENDING;
    }
    native.qpToError(this.#handle);
    let stops: Array<() => void> = [];
    // rxe on Linux 6.1 may leave posted receives unflushed until another packet arrives, which on a
    // closing queue pair may be never: after a grace period the QP is destroyed and what verbs did
    // not flush completes as flushed all the same, so a close always completes.
    const grace = setTimeout(() => {
      this.#destroy(() => {
        for (const [cq] of this.#cqRefs) cq[kCancelFor](this);
      });
    }, FLUSH_GRACE_MS);
    // Set before draining: the drain's first poll may already reap the last flushed request. The
    // finish runs on the next tick, after `stops` is known and after the flushed requests' own
    // settlements, which the poll queued first.
    this.#whenIdle = () =>
      process.nextTick(() => {
        clearTimeout(grace);
        for (const stop of stops) stop();
        this.#destroy(done);
      });
    stops = this.#cqRefs.map(([cq]) => cq[kDrain]());
    return PENDING;
  }

  // ---- promise API ----

  /**
   * Our address, to hand to the peer: its GID is GID index 0 of our port, or the one `options`
   * choose (e.g. `{ gidFamily: 'ipv4' }` for the RoCE v2 GID of the NIC's IPv4 address, what a
   * peer on another host needs). `connect()` then speaks from that same GID.
   * @param options - Which GID: `gidIndex` or `gidFamily`, not both.
   * @throws NdkError when closed (`STATUS_INVALID_HANDLE`), for a GID that does not exist or bad
   *   options (`STATUS_INVALID_PARAMETER`), when the port's GID 0 is empty
   *   (`STATUS_INVALID_DEVICE_STATE`) or cannot be read (`STATUS_IO_DEVICE_ERROR` without a reason
   *   from verbs), as `NdkGetQpAddress` returns.
   */
  localAddress(options?: GidChoice): QpAddress {
    const outcome = this[kLocalAddress](options);
    if (outcome.address === undefined) throw errorOf(outcome);
    return outcome.address;
  }

  /**
   * Connects to the peer's address (INIT → RTR → RTS). Receives may be posted before. It speaks
   * from the GID of the last `localAddress()` (index 0 if never called) unless `options` choose
   * one; the peer's GID must be of the same family.
   * @param peer - The peer's `localAddress()`.
   * @param options - The source GID (`gidIndex` or `gidFamily`) and the path MTU (default 1024).
   * @returns Rejects with NdkError as `NdkConnectQp` returns: `STATUS_INVALID_PARAMETER` for a bad
   *   address, bad options or a GID that does not exist, `STATUS_INVALID_DEVICE_STATE` when
   *   already connected.
   */
  connect(peer: QpAddress, options?: ConnectOptions): Promise<void> {
    const outcome = this[kConnect](peer, options);
    return ntSuccess(outcome.status) ? Promise.resolve() : Promise.reject(errorOf(outcome));
  }

  /** RDMA WRITE of `local` to the peer's `remote.address` with `remote.token`. */
  write(local: NdkSge, remote: { address: bigint | number; token: number }): Promise<NdkResult> {
    return this.#post('write', local, remote?.address, remote?.token);
  }

  /** RDMA READ of the peer's memory at `remote` into `local`. */
  read(local: NdkSge, remote: { address: bigint | number; token: number }): Promise<NdkResult> {
    return this.#post('read', local, remote?.address, remote?.token);
  }

  /** SEND of `local` into the peer's next posted receive. */
  send(local: NdkSge): Promise<NdkResult> {
    return this.#post('send', local);
  }

  /** Posts a receive into `local`; resolves when a SEND has filled it. */
  receive(local: NdkSge): Promise<NdkResult> {
    return this.#post('receive', local);
  }

  /**
   * Binds `mw` over `local` (a slice of a registered region) granting `flags` (remote read and/or
   * write bits of `NdkMrFlags`); resolves once bound — then `mw.remoteToken` grants that access.
   */
  bind(mw: MemoryWindow, local: NdkSge, flags: number): Promise<NdkResult> {
    return this.#settled('bind', (settle) =>
      // A missing `local` is refused like any bad SGE; only an absent offset defaults to 0.
      this[kBind](undefined, local?.mr, mw, local?.offset, local?.length, flags, settle),
    );
  }

  /** Invalidates `mw`: once this resolves its token grants nothing. */
  invalidate(mw: MemoryWindow): Promise<NdkResult> {
    return this.#settled('invalidate', (settle) => this[kInvalidate](undefined, mw, settle));
  }

  /** Closes the queue pair, flushing outstanding requests first. Closing twice is harmless. */
  close(): Promise<void> {
    this.#closed ??= closed((done) => this[kRequestClose](done));
    return this.#closed;
  }

  /** `await using qp = await pd.createQp(cq)` closes it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  // ---- internals ----

  // What a bind and an invalidation check first: an open queue pair, and a real window whose state
  // allows the request.
  #windowFor(mw: unknown, kind: 'bind' | 'invalidate'): MemoryWindow | Outcome {
    const gone = this.#link.device.refusal(this.#state === ObjectState.Open, 'the queue pair');
    if (gone) return gone;
    if (!MemoryWindow.is(mw)) return refused(NtStatus.STATUS_INVALID_HANDLE, 'not a memory window');
    // A request for a window of another protection domain (or device) would reach verbs with a
    // token this queue pair cannot name: refused here, for an invalidation as for a bind.
    if (mw[kOwner] !== this.#link.parent) {
      return refused(
        NtStatus.STATUS_INVALID_PARAMETER,
        'the window belongs to another protection domain',
      );
    }
    return mw[kRefuseRequest](kind) ?? mw;
  }

  // The promise settles with the request's own result: resolved on success, rejected with an
  // NdkError carrying the result's status otherwise.
  #post(
    type: NdkRequestType,
    local: NdkSge,
    address?: bigint | number,
    token?: number,
  ): Promise<NdkResult> {
    return this.#settled(type, (settle) =>
      this[kPost](type, undefined, local, address, token, settle),
    );
  }

  // Starts a request and settles its promise with the request's own result: resolved on success,
  // rejected with an NdkError carrying the result's status otherwise.
  #settled(
    type: NdkRequestType,
    start: (settle: (result: NdkResult) => void) => Outcome,
  ): Promise<NdkResult> {
    return new Promise<NdkResult>((resolve, reject) => {
      const settle = (result: NdkResult) => {
        if (ntSuccess(result.status)) resolve(result);
        else reject(new NdkError(result.status, { message: `${type}: ${result.verbsStatus}` }));
      };
      const outcome = start(settle);
      if (outcome.status !== NtStatus.STATUS_SUCCESS) reject(errorOf(outcome));
    });
  }

  // Destroys the QP on a native thread, not on the event loop: rxe holds ibv_destroy_qp for about
  // 50 s while a type 2 window is still bound through it. `then` runs once the destroy is over (on
  // a later tick, each callback on its own, so one that throws does not stop the others); asked
  // again meanwhile, the destroy is not started twice.
  #destroy(then: () => void): void {
    if (this.#state === ObjectState.Closed) {
      process.nextTick(then);
      return;
    }
    if (this.#afterDestroy !== undefined) {
      this.#afterDestroy.push(then);
      return;
    }
    this.#afterDestroy = [then];
    const started = native.qpDestroy(this.#handle, (errno) => this.#destroyed(errno));
    if (started !== NativeResult.Pending) process.nextTick(() => this.#destroyed(started));
  }

  // A failed destroy still closes the queue pair for the facade (a process warning says so); the
  // native side retries when the handle is collected or the environment ends.
  #destroyed(result: number): void {
    const outcome = this.#link.device.releaseOutcome(fromNative(result, 'ibv_destroy_qp', true));
    warnIfCloseFailed('a queue pair', outcome);
    const numbers = this.#link.device.queuePairs;
    if (numbers.get(this.#qpNumber)?.deref() === this) numbers.delete(this.#qpNumber);
    this.#state = ObjectState.Closed;
    forgetCollected(this);
    releaseQp(this.#link, this.#ref, this.#cqRefs);
    const waiting = this.#afterDestroy ?? [];
    this.#afterDestroy = undefined;
    for (const callback of waiting) process.nextTick(callback);
  }
}

function releaseQp(
  link: QueuePairLink,
  ref: WeakRef<Closable>,
  cqRefs: Array<[CompletionQueue, WeakRef<Closable>]>,
): void {
  link.queuePairs.count -= 1;
  link.siblings.release(ref);
  for (const [cq, cqRef] of cqRefs) cq[kDisown](cqRef);
}

// Built outside the class so the closure cannot capture the queue pair it releases. A queue pair
// with requests outstanding is reachable (its completion queue holds their records), so one that
// is collected has none. The destroy runs on a native thread as a close's does: a collection must not
// block the event loop either. Its parents learn the queue pair is gone only once it is.
function collectedQpRelease(
  handle: QpHandle,
  link: QueuePairLink,
  ref: WeakRef<Closable>,
  cqRefs: Array<[CompletionQueue, WeakRef<Closable>]>,
) {
  return {
    release(): void {
      warnCollected(`A queue pair on ${link.deviceName}`);
      const released = () => releaseQp(link, ref, cqRefs);
      if (native.qpDestroy(handle, released) !== NativeResult.Pending) released();
    },
  };
}
