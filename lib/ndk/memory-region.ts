/**
 * A memory region: `NdkCreateMr` / `NdkRegisterMr` / `NdkDeregisterMr` / `NdkGetLocalTokenFromMr` /
 * `NdkGetRemoteTokenFromMr` / `NdkCloseObject`, and the promise API over the same object.
 *
 * @packageDocumentation
 */

import { types } from 'node:util';

import { type MrHandle, NativeMrState, NativeResult, native, type PdHandle } from '../native';
import { NtStatus, ntSuccess } from '../status/nt-status';
import { type CompletionPolicy, runsDeferred } from './completion-policy';
import { type DeviceState } from './device-state';
import { deregisterDeferred, registerDeferred } from './deferred-mr-requests';
import { NdkMrFlags, verbsAccessFromNdkFlags } from './flags';
import {
  kCreate,
  kDeregister,
  kDeregisterBegin,
  kDeregisterEnd,
  kHandle,
  kOwner,
  kRegister,
  kRequestClose,
  kToken,
  kWindowBound,
  kWindowUnbound,
  kWorkHandle,
} from './internal';
import {
  type ChildLink,
  type Closable,
  closed,
  type CollectedRelease,
  ObjectState,
  releaseWhenCollected,
  warnCollected,
  warnIfCloseFailed,
} from './lifecycle';
import { type RegistrableMemory, registrationTarget } from './memory';
import {
  errorOf,
  fromNative,
  isRefusal,
  optionsRefusal,
  type Outcome,
  type OutcomeCallback,
  PENDING,
  refused,
  settle,
  SUCCESS,
} from './outcome';

/** Options of a memory region. */
export interface MemoryRegionOptions {
  /** Overrides the adapter's completion policy for this region. */
  readonly completionPolicy?: CompletionPolicy;
}

/** Options of `MemoryRegion.register()`. */
export interface RegisterOptions {
  /** Bytes to register from the start of `memory`; default: all of it. */
  readonly length?: number;
  /**
   * `NDK_MR_FLAG_*` bits; default `NDK_MR_FLAG_ALLOW_LOCAL_WRITE`. See {@link NdkMrFlags}.
   */
  readonly flags?: number;
}

/** @internal What a new region learns from its protection domain and adapter. */
export interface MemoryRegionLink extends ChildLink {
  /** The region's completion policy: its own option, else the adapter's. */
  readonly policy: CompletionPolicy;
  /** Whether a verbs call on this region may block (the adapter has queue pairs). */
  readonly mayBlock: () => boolean;
  /** The native handle of the region's protection domain (batches name regions by slot in it). */
  readonly pdHandle: PdHandle;
}

// The request id that makes the addon run a request inline, on the calling thread.
const INLINE = 0;

// What the collected-object release needs, kept apart from the region so it can outlive it. Also
// the release itself: a class, so each region's record carries no closure of its own (memory per
// region is a target: a closure and its context cost more than the record), and the link shared by
// the domain's regions rather than copies of its fields.
class RegionRecord implements CollectedRelease {
  length = 0;
  // Set by the region's close: 'released' when the close released the native handle too (nothing
  // is left for the collection to do: the handle, released, may already name another region),
  // 'kept' when a failed deregistration left the registration in place (the collection releases the
  // handle, and the addon then deregisters). A field rather than an unregister token, which would
  // cost the finalization registry an entry per region.
  closed: 'released' | 'kept' | undefined = undefined;
  // The region's slot in its protection domain, how a batch names it.
  readonly slot: number;
  constructor(
    readonly handle: MrHandle,
    readonly link: MemoryRegionLink,
    readonly ref: WeakRef<Closable>,
  ) {
    this.slot = native.mrSlot(handle);
  }

  get counters(): DeviceState['counters'] {
    return this.link.device.counters;
  }

  // The region was collected. Every branch ends with the native handle released, exactly once.
  release(): void {
    if (this.closed !== undefined) {
      if (this.closed === 'kept') native.mrRelease(this.handle);
      return;
    }
    const { siblings } = this.link;
    const state = native.mrState(this.handle);
    if (state !== NativeMrState.Registered) {
      siblings.release(this.ref);
      native.mrRelease(this.handle);
      return;
    }
    warnCollected(`A registered memory region (${this.length} bytes on ${this.link.deviceName})`);
    forgetRegistration(this);
    // Deferred: a collection must not block the event loop on a slow deregistration. The handle
    // is released once the deregistration is done: it reaches the addon only on the next tick
    // (deregisterDeferred), so released now it would name nothing by then, and the region would be
    // deregistered on this thread, by ~MrCore.
    const result = deregisterDeferred(this, () => this.#collected());
    if (result !== NativeResult.Pending) this.#collected();
  }

  #collected(): void {
    this.link.siblings.release(this.ref);
    native.mrRelease(this.handle);
  }
}

/** One memory region of a protection domain; see the NDK-style functions and the promise API. */
export class MemoryRegion {
  readonly #handle: MrHandle;

  /**
   * Whether `value` is a real MemoryRegion: a brand check on its private state, so a look-alike (e.g.
   * `Object.create(MemoryRegion.prototype)`) or an object of another kind is told apart.
   */
  static is(value: unknown): value is MemoryRegion {
    return typeof value === 'object' && value !== null && #handle in value;
  }
  // What the region shares with its domain's other regions (`link`, which holds the parent, so a
  // reachable region keeps its domain alive), its siblings' token and its slot: in the record, which
  // outlives the region, rather than in fields of both (memory per region is a target).
  readonly #record: RegionRecord;
  #state = ObjectState.Open;
  // The object registered (the caller's memory) while a registration is in place, else undefined:
  // also what says whether the region is registered. It keeps the caller's object alive as long
  // as its bytes are registered; the addon holds only the bytes (which a detach or a collection
  // cannot free), not a Node-API reference per registration.
  #memory: unknown;
  // Memory windows bound (or being bound) over this region: verbs refuses its deregistration.
  #boundWindows = 0;
  #pending: 'register' | 'deregister' | undefined;
  // What waits for the pending request (a close); created only when something does.
  #afterPending: Array<() => void> | undefined;
  #closed: Promise<void> | undefined;

  private constructor(handle: MrHandle, link: MemoryRegionLink) {
    this.#handle = handle;
    this.#record = new RegionRecord(handle, link, link.siblings.add(this));
    releaseWhenCollected(this, this.#record, false);
  }

  /** @internal Created by `ProtectionDomain`; use `pd.createMr()` or `NdkCreateMr`. */
  static [kCreate](handle: MrHandle, link: MemoryRegionLink): MemoryRegion {
    return new MemoryRegion(handle, link);
  }

  /** Where the region is in its life. */
  get state(): ObjectState {
    return this.#state;
  }

  /** Whether a registration is in place (its tokens are valid). */
  get isRegistered(): boolean {
    return this.#registered();
  }

  /**
   * The registered virtual address: the remote address a peer puts in its RDMA requests (with
   * {@link remoteToken}). @throws NdkError `STATUS_INVALID_DEVICE_STATE` when not registered.
   */
  get address(): bigint {
    const address = this.#state === ObjectState.Open ? native.mrAddress(this.#handle) : null;
    if (address === null || !this.#registered()) {
      throw errorOf(refused(NtStatus.STATUS_INVALID_DEVICE_STATE, 'the region is not registered'));
    }
    return address;
  }

  /**
   * @internal The native handle for the local side of a work request, while the region is open
   * and registered (the addon re-checks under the region's lock).
   */
  get [kWorkHandle](): MrHandle | undefined {
    return this.#state === ObjectState.Open && this.#registered() ? this.#handle : undefined;
  }

  /** Bytes registered, 0 when not registered. */
  get length(): number {
    return this.#registered() ? this.#record.length : 0;
  }

  /** The completion policy this region's requests follow. */
  get completionPolicy(): CompletionPolicy {
    return this.#link().policy;
  }

  // ---- NDK-style requests: an Outcome now, and `done` later exactly when it is STATUS_PENDING ----

  /** @internal `NdkRegisterMr`. */
  [kRegister](memory: unknown, length: unknown, flags: unknown, done: OutcomeCallback): Outcome {
    const refusal = this.#refuseRequest();
    if (refusal) return refusal;
    if (this.#registered()) {
      return refused(NtStatus.STATUS_INVALID_DEVICE_STATE, 'the region is already registered');
    }
    const access = verbsAccessFromNdkFlags(flags);
    if (access === undefined) {
      return refused(NtStatus.STATUS_INVALID_PARAMETER, 'flags has unknown NDK_MR_FLAG bits');
    }
    const target = registrationTarget(memory, length);
    if (isRefusal(target)) return target;
    const bytes = target.view.byteLength;
    const deferred = runsDeferred(this.#link().policy, bytes, false);
    if (!deferred) {
      const outcome = fromNative(
        native.mrRegister(this.#handle, target.view, access, INLINE),
        'ibv_reg_mr',
      );
      if (ntSuccess(outcome.status)) this.#nowRegistered(bytes, memory);
      return outcome;
    }
    const started = registerDeferred(this.#handle, target.view, access, (errno) => {
      const outcome = fromNative(errno, 'ibv_reg_mr');
      if (ntSuccess(outcome.status)) this.#nowRegistered(bytes, memory);
      this.#complete(outcome, done);
    });
    return this.#started(started, 'register', 'ibv_reg_mr');
  }

  /** @internal `NdkDeregisterMr`. */
  [kDeregister](done: OutcomeCallback): Outcome {
    const refusal = this.#refuseRequest();
    if (refusal) return refusal;
    if (!this.#registered()) {
      return refused(NtStatus.STATUS_INVALID_DEVICE_STATE, 'the region is not registered');
    }
    return this.#deregister(done);
  }

  /**
   * @internal The region's native handle: released once the region is closed (or, when a failed
   * deregistration kept its registration, once it is collected), the addon refusing it from then on.
   */
  get [kHandle](): MrHandle {
    return this.#handle;
  }

  /** @internal The protection domain the region belongs to. */
  get [kOwner](): object {
    return this.#link().parent;
  }

  /**
   * @internal Takes the region into a batch deregistration of `owner`'s regions: a refusal (another
   * domain's region, closed, not registered, a request pending), or the region's slot in its domain
   * once the region is pending, as for any deferred deregistration.
   */
  [kDeregisterBegin](owner: object): Outcome | number {
    const record = this.#record;
    if (record.link.parent !== owner) {
      return refused(
        NtStatus.STATUS_INVALID_HANDLE,
        'the region belongs to another protection domain',
      );
    }
    const refusal = this.#refuseRequest();
    if (refusal) return refusal;
    if (!this.#registered()) {
      return refused(NtStatus.STATUS_INVALID_DEVICE_STATE, 'the region is not registered');
    }
    this.#pending = 'deregister';
    record.link.device.counters.pendingRequests += 1;
    return record.slot;
  }

  /**
   * @internal The batch's result for this region (0, an errno or a NativeResult): the region's
   * state follows it, and whatever waited for the request (a close) is appended to `waiting`, to
   * run after the batch's own completion.
   */
  [kDeregisterEnd](result: number, waiting: Array<() => void>): Outcome {
    const { device } = this.#record.link;
    this.#pending = undefined;
    device.counters.pendingRequests -= 1;
    if (this.#afterPending !== undefined) {
      waiting.push(...this.#afterPending);
      this.#afterPending = undefined;
    }
    // The usual case (a batch's delivery visits every region here): deregistered, on a device
    // still in place.
    if (result === NativeResult.Done && !device.released) {
      this.#nowDeregistered();
      return SUCCESS;
    }
    const outcome = this.#deregistration(result);
    if (ntSuccess(outcome.status)) this.#nowDeregistered();
    return device.completion(outcome);
  }

  /** @internal `NdkGetLocalTokenFromMr` (`which` 0) / `NdkGetRemoteTokenFromMr` (`which` 1). */
  [kToken](which: 0 | 1): Outcome & { token?: number } {
    const gone = this.#link().device.refusal(this.#state === ObjectState.Open, 'the memory region');
    if (gone) return gone;
    const keys =
      this.#registered() && this.#pending === undefined ? native.mrKeys(this.#handle) : null;
    if (keys === null) {
      return refused(
        NtStatus.STATUS_INVALID_DEVICE_STATE,
        'tokens exist only while the region is registered (and no request is pending)',
      );
    }
    return { ...SUCCESS, token: keys[which] };
  }

  /**
   * @internal `NdkCloseObject`: deregisters if registered. With a request pending, completes after
   * it; `done` is then the last callback this region makes.
   */
  [kRequestClose](done: () => void): Outcome {
    if (this.#state !== ObjectState.Open)
      return this.#link().device.closedRefusal('the memory region');
    this.#state = ObjectState.Closing;
    if (this.#pending !== undefined) {
      (this.#afterPending ??= []).push(() => {
        if (this.#finishClose(done).status !== NtStatus.STATUS_PENDING) done();
      });
      return PENDING;
    }
    return this.#finishClose(done);
  }

  /** @internal A memory window was bound over this region (its bind posted). */
  [kWindowBound](): void {
    this.#boundWindows += 1;
  }

  /** @internal A memory window over this region was invalidated, failed to bind or was closed. */
  [kWindowUnbound](): void {
    this.#boundWindows -= 1;
  }

  // ---- promise API ----

  /**
   * Registers `memory` (see {@link RegistrableMemory} for what is accepted and how it is pinned).
   *
   * @throws NdkError (rejects) with the NDK status: `STATUS_INVALID_DEVICE_STATE` when already
   *   registered, `STATUS_DEVICE_BUSY` with a request pending, `STATUS_INVALID_BUFFER_SIZE`,
   *   `STATUS_INVALID_PARAMETER`, `STATUS_INSUFFICIENT_RESOURCES` (e.g. RLIMIT_MEMLOCK), …
   */
  register(memory: RegistrableMemory, options?: RegisterOptions): Promise<void> {
    const refusal = optionsRefusal(options);
    if (refusal) return Promise.reject(errorOf(refusal));
    // Only an absent option takes the default: `null` is refused like any other bad value.
    const length = options?.length === undefined ? byteLengthOf(memory) : options.length;
    const flags =
      options?.flags === undefined ? NdkMrFlags.NDK_MR_FLAG_ALLOW_LOCAL_WRITE : options.flags;
    return settle((done) => this[kRegister](memory, length, flags, done));
  }

  /**
   * Deregisters. Once this resolves no peer can use the old remote token, and the memory is unpinned.
   * A failed deregistration leaves the region registered, its tokens valid: it may be retried.
   */
  deregister(): Promise<void> {
    return settle((done) => this[kDeregister](done));
  }

  /** The local token (lkey). @throws NdkError `STATUS_INVALID_DEVICE_STATE` when not registered. */
  get localToken(): number {
    return this.#tokenOrThrow(0);
  }

  /** The remote token (rkey). @throws NdkError `STATUS_INVALID_DEVICE_STATE` when not registered. */
  get remoteToken(): number {
    return this.#tokenOrThrow(1);
  }

  /** Closes the region, deregistering it first if needed. Closing twice is harmless. */
  close(): Promise<void> {
    this.#closed ??= closed((done) => this[kRequestClose](done));
    return this.#closed;
  }

  /** `await using mr = await pd.createMr()` closes it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  // ---- internals ----

  // Private methods, not private getters: V8 (Node 20) reaches a private getter through a runtime
  // call even in optimized code, which was a sixth of a batch delivery's time on the JS thread.
  #link(): MemoryRegionLink {
    return this.#record.link;
  }

  #registered(): boolean {
    return this.#memory !== undefined;
  }

  #refuseRequest(): Outcome | undefined {
    const gone = this.#link().device.refusal(this.#state === ObjectState.Open, 'the memory region');
    if (gone) return gone;
    if (this.#pending !== undefined) {
      return refused(NtStatus.STATUS_DEVICE_BUSY, `a ${this.#pending} request is pending`);
    }
    return undefined;
  }

  #deregister(done: OutcomeCallback): Outcome {
    if (!runsDeferred(this.#link().policy, this.#record.length, this.#link().mayBlock())) {
      const outcome = this.#deregistration(native.mrDeregister(this.#handle, INLINE));
      if (ntSuccess(outcome.status)) this.#nowDeregistered();
      return outcome;
    }
    const started = deregisterDeferred(this.#record, (errno) => {
      const outcome = this.#deregistration(errno);
      if (ntSuccess(outcome.status)) this.#nowDeregistered();
      this.#complete(outcome, done);
    });
    return this.#started(started, 'deregister', 'ibv_dereg_mr');
  }

  // What ibv_dereg_mr's answer means. With memory windows bound the region is busy, whatever errno
  // the driver chose for it: rxe says EINVAL ("mr has mw's bound"), which the errno table alone
  // would call STATUS_INVALID_PARAMETER.
  // A success returns before the errno table, so the callers' optimized code (a batch's delivery
  // loop above all) need not inline it: with it inline, a helper of the batch's loop was not.
  #deregistration(result: number): Outcome {
    if (result === NativeResult.Done) return SUCCESS;
    const outcome = this.#link().device.releaseOutcome(fromNative(result, 'ibv_dereg_mr'));
    if (result > 0 && this.#boundWindows > 0) {
      return {
        ...outcome,
        status: NtStatus.STATUS_DEVICE_BUSY,
        detail: 'memory windows are bound',
      };
    }
    return outcome;
  }

  #started(result: number, what: 'register' | 'deregister', syscall: string): Outcome {
    const outcome = fromNative(result, syscall);
    if (outcome.status === NtStatus.STATUS_PENDING) {
      this.#pending = what;
      this.#record.counters.pendingRequests += 1;
    }
    return outcome;
  }

  // A pending request finished. The state is already updated; the user's completion, then whatever
  // waited for it (a close), run on the next tick — outside the addon's callback, so a completion that
  // throws surfaces as an ordinary uncaught exception and the addon stays callable from its handler.
  #complete(completed: Outcome, done: OutcomeCallback): void {
    // The region's state follows what verbs did; the user hears of a removal.
    const outcome = this.#link().device.completion(completed);
    this.#pending = undefined;
    this.#record.counters.pendingRequests -= 1;
    const waiting = this.#afterPending;
    this.#afterPending = undefined;
    process.nextTick(() => {
      try {
        done(outcome);
      } finally {
        if (waiting !== undefined) for (const next of waiting) next();
      }
    });
  }

  #finishClose(done: () => void): Outcome {
    if (!this.#registered()) {
      this.#nowClosed();
      return SUCCESS;
    }
    const outcome = this.#deregister((late) => {
      this.#nowClosed(late);
      done();
    });
    if (outcome.status !== NtStatus.STATUS_PENDING) this.#nowClosed(outcome);
    return outcome.status === NtStatus.STATUS_PENDING ? PENDING : SUCCESS;
  }

  #nowRegistered(length: number, memory: unknown): void {
    this.#memory = memory;
    this.#record.length = length;
    this.#record.counters.registeredRegions += 1;
    this.#record.counters.registeredBytes += length;
  }

  #nowDeregistered(): void {
    this.#memory = undefined;
    forgetRegistration(this.#record);
  }

  // Close never fails. A deregistration that failed on the way (memory windows still bound, a
  // device error) is reported as a warning; the native handle keeps the registration and is
  // released when the region is collected (the addon deregisters then) or when the environment
  // ends. Otherwise the handle is released now: nothing native is left for a closed region.
  #nowClosed(deregistration: Outcome = SUCCESS): void {
    // Once the removed device's objects are released, its context's close frees what is left.
    const released = this.#link().device.released;
    if (released) deregistration = SUCCESS;
    warnIfCloseFailed(
      `a memory region on ${this.#link().deviceName}`,
      deregistration,
      'NDK_VERBS_CLOSE_DEREGISTER_FAILED',
    );
    this.#state = ObjectState.Closed;
    this.#link().siblings.release(this.#record.ref);
    if (this.#registered() && !released) {
      this.#record.closed = 'kept';
      return;
    }
    this.#record.closed = 'released';
    native.mrRelease(this.#handle);
  }

  #tokenOrThrow(which: 0 | 1): number {
    const outcome = this[kToken](which);
    if (outcome.token === undefined) throw errorOf(outcome);
    return outcome.token;
  }
}

function byteLengthOf(memory: unknown): number | undefined {
  return types.isAnyArrayBuffer(memory) || ArrayBuffer.isView(memory)
    ? memory.byteLength
    : undefined;
}

// The region's registration no longer counts in its adapter's stats.
function forgetRegistration(record: RegionRecord): void {
  record.counters.registeredRegions -= 1;
  record.counters.registeredBytes -= record.length;
  record.length = 0;
}
