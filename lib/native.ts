/**
 * The native addon's surface, declared once. Only this module loads the addon; everything else in
 * the package goes through {@link native}. Handles are opaque, type-tagged externals, but for memory
 * regions, which are numbers (see {@link MrHandle}): passing one kind where another is expected, or
 * a number that names no live region, makes the addon throw a TypeError (the facade never does).
 *
 * @packageDocumentation
 */

import { loadAddon } from './load-addon';

/** What `deviceList()` reports for one RDMA device. */
export interface NativeDeviceInfo {
  readonly name: string;
  readonly nodeGuid: string;
  readonly transport: string;
  readonly ports: ReadonlyArray<{
    port: number;
    state: string;
    linkLayer: string;
    gids: readonly NativeGidEntry[];
  }>;
}

declare const deviceBrand: unique symbol;
declare const pdBrand: unique symbol;
declare const mrBrand: unique symbol;
/** An open verbs device context (`ibv_open_device`). */
export type DeviceHandle = { readonly [deviceBrand]: true };
/** A protection domain (`ibv_alloc_pd`). */
export type PdHandle = { readonly [pdBrand]: true };
/**
 * A memory region object, registered or not: a plain number (no V8 object per region, since memory
 * per region is a target), its id in the addon's per-environment registry. It names the region
 * from `mrCreate` until `mrRelease`; after that the addon refuses it, even once a new region took
 * its place.
 */
export type MrHandle = number & { readonly [mrBrand]: true };
declare const cqBrand: unique symbol;
declare const qpBrand: unique symbol;
/** A completion queue with its completion channel and waiter thread. */
export type CqHandle = { readonly [cqBrand]: true };
/** A reliable-connected queue pair. */
export type QpHandle = { readonly [qpBrand]: true };
declare const mrQueueBrand: unique symbol;
/** A queue of deferred memory-region requests with its threads. */
export type MrQueueHandle = { readonly [mrQueueBrand]: true };
declare const mwBrand: unique symbol;
/** A type 2 memory window. */
export type MwHandle = { readonly [mwBrand]: true };

/** One valid entry of a port's GID table (`ibv_query_gid_table`). */
export interface NativeGidEntry {
  readonly index: number;
  readonly gid: Buffer;
  readonly type: 'IB' | 'RoCE v1' | 'RoCE v2' | 'unknown';
}

/** What `qpLocalAddress()` reports: everything a peer needs to connect to this queue pair. */
export interface NativeQpAddress {
  /** The port's GID at the index asked for (0 by default: on rxe, the netdev's IPv6 link-local address). */
  readonly gid: Buffer;
  readonly qpn: number;
  readonly psn: number;
  readonly port: number;
}

/** The operations of `qpPostSend`. Mirrors WorkOp in native/queue_pair_post.cc. */
export const NativeWorkOp = {
  Write: 0,
  Read: 1,
  Send: 2,
} as const;

/** Numbers per completion in the array `cqPoll` returns: wrId, status, opcode, byteLen, qpNum, vendorErr. */
export const CQ_FIELDS = 6;

/**
 * The addon's own answers, beside 0 (done) and positive errno values. Mirrors
 * native/util/result_codes.h.
 */
export const NativeResult = {
  Done: 0,
  Pending: -1,
  Busy: -2,
  WrongState: -3,
  Gone: -4,
  BadArgument: -5,
} as const;

/** The registration state of a native memory region. Mirrors MrState in native/memory_region.h. */
export const NativeMrState = {
  Unregistered: 0,
  Registering: 1,
  Registered: 2,
  Deregistering: 3,
  Destroyed: 4,
} as const;

/** Whether `mrCreate`'s result is a region's handle rather than a {@link NativeResult}. */
export function isMrHandle(result: number): result is MrHandle {
  return result >= 0;
}

/** The functions the addon exports. Results are 0, an errno (> 0) or a {@link NativeResult}. */
export interface NativeAddon {
  deviceList(): NativeDeviceInfo[];
  /** `onEvent(type, element)`: one asynchronous event (see native/device_event_thread.h). */
  deviceOpen(name: string, onEvent: (type: number, element: number) => void): DeviceHandle | number;
  deviceClose(device: DeviceHandle): number;
  /** `ibv_is_fork_initialized()`: libibverbs' fork support, as the kernel and the library report it. */
  forkSupport(): 'disabled' | 'enabled' | 'unneeded';
  pdAlloc(device: DeviceHandle): PdHandle | number;
  pdDealloc(pd: PdHandle): number;
  /**
   * An {@link MrHandle} (≥ 0, see {@link isMrHandle}) or a negative {@link NativeResult}
   * (`Gone` once the domain is deallocated). Out of native memory it throws an Error with code
   * `ENOMEM` (a positive errno would read as a handle).
   */
  mrCreate(pd: PdHandle): number;
  /**
   * Lets go of the region: `mr` names nothing from now on, and the region's native state goes once
   * no request holds it (a registration still in place is deregistered then). Releasing a released
   * handle does nothing.
   */
  mrRelease(mr: MrHandle): void;
  /**
   * A queue for deferred registrations and deregistrations, run on native threads of its own; their
   * results arrive as `dispatch(results, batchErrors)`, `results` holding `[requestId, errno, …]`, in
   * batches. A batch deregistration's pair has errno 0 and its entries' errnos, one per entry, are
   * in `batchErrors`, batch after batch in the order of their pairs (undefined when the delivery
   * holds no batch). `batchErrors` views memory the next delivery reuses: read it during the call.
   */
  mrQueueCreate(
    dispatch: (results: Int32Array, batchErrors: Int32Array | undefined) => void,
  ): MrQueueHandle;
  /**
   * Wakes request threads for the deferred requests queued since the last flush: a burst of
   * requests costs one thread wake-up instead of one each. Called once per burst, on the next tick
   * (at once after a batch, which is whole already).
   */
  mrQueueFlush(queue: MrQueueHandle): void;
  /**
   * Registers `view`'s bytes. `requestId` 0 runs inline; a positive int32 defers the request to
   * `queue` (returns Pending) and delivers its errno under that id.
   */
  mrRegister(
    mr: MrHandle,
    view: Uint8Array,
    access: number,
    requestId: number,
    queue?: MrQueueHandle,
  ): number;
  /** Deregisters; `requestId` and `queue` as for `mrRegister`. */
  mrDeregister(mr: MrHandle, requestId: number, queue?: MrQueueHandle): number;
  /**
   * Deregisters regions of `pd` as one job of `queue` (one request thread runs them one after the
   * other) whose result is delivered once, under `requestId` (positive), with one errno per entry.
   * `entries` goes both ways: in, each entry's slot in `pd` (`mrSlot`), or a negative value for an
   * entry the caller settled itself (left as it is); out, `NativeResult.Pending` for each region
   * queued, else why it was not (`Busy`, `WrongState`, `Gone` — also for a slot naming no live
   * region of `pd` — or ENOMEM when the batch could not be queued). Returns how many were queued.
   */
  mrDeregisterBatch(
    pd: PdHandle,
    entries: Int32Array,
    requestId: number,
    queue: MrQueueHandle,
  ): number;
  /** The region's slot in its protection domain: how a batch names it (`mrDeregisterBatch`). */
  mrSlot(mr: MrHandle): number;
  /** `[lkey, rkey]` while a verbs registration exists, else null. */
  mrKeys(mr: MrHandle): [number, number] | null;
  /** The registered virtual address while a verbs registration exists, else null. */
  mrAddress(mr: MrHandle): bigint | null;
  mrState(mr: MrHandle): number;
  /** A CQ of `depth` entries; `onEvent()` runs on the JS thread after each event (once per arm). */
  /** `id` names the queue in `IBV_EVENT_CQ_ERR` events (its cq_context). */
  cqCreate(device: DeviceHandle, depth: number, onEvent: () => void, id: number): CqHandle | number;
  /** `ibv_req_notify_cq`. */
  cqArm(cq: CqHandle, solicitedOnly: boolean): number;
  /** Up to `max` completions, {@link CQ_FIELDS} numbers each, or an errno / NativeResult. */
  cqPoll(cq: CqHandle, max: number): Float64Array | number;
  /** Whether a notification still to come keeps the event loop alive. */
  cqRef(cq: CqHandle, ref: boolean): void;
  /** Stops the waiter thread, destroys the CQ; EBUSY while queue pairs use it. */
  cqDestroy(cq: CqHandle): number;
  /**
   * An RC queue pair in INIT: receives may be posted before it connects. The retry count (0–6),
   * RNR retry count (0–7) and timeout exponent (0–31) are kept for its connect (RTS).
   */
  qpCreate(
    pd: PdHandle,
    recvCq: CqHandle,
    sendCq: CqHandle,
    recvDepth: number,
    sendDepth: number,
    retryCount: number,
    rnrRetryCount: number,
    timeoutExponent: number,
  ): QpHandle | number;
  /** The valid GID table entries of the queue pair's port. */
  qpGidTable(qp: QpHandle): NativeGidEntry[] | number;
  /** WrongState when the GID (index 0 by default) is empty (all zero), EIO when verbs fails without errno. */
  qpLocalAddress(qp: QpHandle, gidIndex?: number): NativeQpAddress | number;
  /**
   * INIT → RTR → RTS towards the peer; back to INIT on failure. `port` is the peer's, part of its
   * address: the path leaves from our own port, from our GID `sgidIndex`, with `pathMtu` bytes.
   */
  qpConnect(
    qp: QpHandle,
    gid: Buffer,
    qpn: number,
    psn: number,
    port: number,
    sgidIndex: number,
    pathMtu: number,
  ): number;
  /** To the error state: outstanding requests flush. */
  qpToError(qp: QpHandle): number;
  /** The QP number; asynchronous events name a queue pair by it. */
  qpNumber(qp: QpHandle): number;
  /**
   * Error state, then `ibv_destroy_qp`, on a destroy thread of the addon (never the libuv pool,
   * whose threads fs, dns, crypto and zlib share): returns Pending and calls `done(errno)`
   * in a later turn. rxe holds the destroy in the kernel (about 50 s) while a type 2 window is still
   * bound through the queue pair; the event loop runs on meanwhile. Gone once destroyed, Busy while
   * a destroy is in flight (`done` is then never called).
   */
  qpDestroy(qp: QpHandle, done: (errno: number) => void): number;
  /** Posts one RDMA WRITE / READ / SEND with one scatter/gather entry inside `mr`'s registration. */
  qpPostSend(
    qp: QpHandle,
    op: number,
    wrId: number,
    mr: MrHandle,
    offset: number,
    length: number,
    remoteAddress?: bigint,
    remoteToken?: number,
  ): number;
  /** Posts one receive into `length` bytes at `offset` of `mr`. */
  qpPostRecv(qp: QpHandle, wrId: number, mr: MrHandle, offset: number, length: number): number;
  /** Binds `mw` over `length` bytes at `offset` into `mr`; `[0, newRkey]` once posted. */
  qpPostBindMw(
    qp: QpHandle,
    mw: MwHandle,
    wrId: number,
    mr: MrHandle,
    offset: number,
    length: number,
    mwAccess: number,
  ): [0, number] | number;
  /** Posts IBV_WR_LOCAL_INV of the window's current rkey. */
  qpPostLocalInvalidate(qp: QpHandle, mw: MwHandle, wrId: number): number;
  /** A type 2 memory window. */
  mwAlloc(pd: PdHandle): MwHandle | number;
  mwDealloc(mw: MwHandle): number;
  /** Page-aligned, natively owned memory, or an errno. */
  memoryAllocate(length: number): ArrayBuffer | number;
  readonly memoryPageSize: number;
}

/** The addon, loaded for this environment (each worker thread gets its own instance). */
export const native = loadAddon() as NativeAddon;
