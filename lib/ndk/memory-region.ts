/**
 * A memory region: `NdkCreateMr` / `NdkRegisterMr` / `NdkDeregisterMr` / `NdkGetLocalTokenFromMr` /
 * `NdkGetRemoteTokenFromMr` / `NdkCloseObject`, and the promise API over the same object.
 *
 * @packageDocumentation
 */

import { types } from 'node:util';

import { type MrHandle, NativeMrState, NativeResult, native } from '../native';
import { NtStatus, ntSuccess } from '../status/nt-status';
import { type Children, type Closable } from './children';
import { releaseWhenCollected, forgetCollected, warnCollected } from './collected';
import { type CompletionPolicy, runsDeferred } from './completion-policy';
import { deregisterDeferred, registerDeferred } from './deferred-mr-requests';
import { NdkMrFlags, verbsAccessFromNdkFlags } from './flags';
import { isRefusal, type RegistrableMemory, registrationTarget } from './memory';
import { closed, ObjectState, type OutcomeCallback, settle } from './object-state';
import {
  errorOf,
  fromNative,
  optionsRefusal,
  type Outcome,
  PENDING,
  refused,
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

/** What the parent and the adapter tell a new region about its surroundings. */
export interface MemoryRegionContext {
  /** The protection domain; the region holds it so the domain outlives it. */
  readonly parent: object;
  readonly deviceName: string;
  readonly policy: CompletionPolicy;
  /** Whether a verbs call on this region may block (the adapter has queue pairs). */
  readonly mayBlock: () => boolean;
  readonly siblings: Children<Closable>;
}

// The request id that makes the addon run a request inline, on the calling thread.
const INLINE = 0;

// What the collected-object release needs, kept apart from the region so it can outlive it.
interface RegionRecord {
  readonly handle: MrHandle;
  readonly deviceName: string;
  length: number;
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
  // Holds the parent (through `parent`) so a reachable region keeps its domain alive.
  readonly #context: MemoryRegionContext;
  readonly #ref: WeakRef<Closable>;
  readonly #record: RegionRecord;
  readonly #policy: CompletionPolicy;
  #state = ObjectState.Open;
  #registered = false;
  // Memory windows bound (or being bound) over this region: verbs refuses its deregistration.
  #boundWindows = 0;
  #pending: 'register' | 'deregister' | undefined;
  #afterPending: Array<() => void> = [];
  #closed: Promise<void> | undefined;

  /** @internal Created by `ProtectionDomain`; use `pd.createMr()` or `NdkCreateMr`. */
  constructor(handle: MrHandle, context: MemoryRegionContext, options: MemoryRegionOptions = {}) {
    this.#handle = handle;
    this.#context = context;
    this.#policy = options.completionPolicy ?? context.policy;
    this.#ref = context.siblings.add(this);
    this.#record = { handle, deviceName: context.deviceName, length: 0 };
    releaseWhenCollected(this, collectedRegionRelease(this.#record, context.siblings, this.#ref));
  }

  /** Where the region is in its life. */
  get state(): ObjectState {
    return this.#state;
  }

  /** Whether a registration is in place (its tokens are valid). */
  get isRegistered(): boolean {
    return this.#registered;
  }

  /**
   * The registered virtual address: the remote address a peer puts in its RDMA requests (with
   * {@link remoteToken}). @throws NdkError `STATUS_INVALID_DEVICE_STATE` when not registered.
   */
  get address(): bigint {
    const address = this.#state === ObjectState.Open ? native.mrAddress(this.#handle) : null;
    if (address === null || !this.#registered) {
      throw errorOf(refused(NtStatus.STATUS_INVALID_DEVICE_STATE, 'the region is not registered'));
    }
    return address;
  }

  /**
   * @internal The native handle for the local side of a work request, while the region is open
   * and registered (the addon re-checks under the region's lock).
   */
  get workHandle(): MrHandle | undefined {
    return this.#state === ObjectState.Open && this.#registered ? this.#handle : undefined;
  }

  /** Bytes registered, 0 when not registered. */
  get length(): number {
    return this.#registered ? this.#record.length : 0;
  }

  /** The completion policy this region's requests follow. */
  get completionPolicy(): CompletionPolicy {
    return this.#policy;
  }

  // ---- NDK-style requests: an Outcome now, and `done` later exactly when it is STATUS_PENDING ----

  /** @internal `NdkRegisterMr`. */
  requestRegister(
    memory: unknown,
    length: unknown,
    flags: unknown,
    done: OutcomeCallback,
  ): Outcome {
    const refusal = this.#refuseRequest();
    if (refusal) return refusal;
    if (this.#registered) {
      return refused(NtStatus.STATUS_INVALID_DEVICE_STATE, 'the region is already registered');
    }
    const access = verbsAccessFromNdkFlags(flags);
    if (access === undefined) {
      return refused(NtStatus.STATUS_INVALID_PARAMETER, 'flags has unknown NDK_MR_FLAG bits');
    }
    const target = registrationTarget(memory, length);
    if (isRefusal(target)) return target;
    const bytes = target.view.byteLength;
    const deferred = runsDeferred(this.#policy, bytes, false);
    if (!deferred) {
      const outcome = fromNative(
        native.mrRegister(this.#handle, target.view, access, INLINE),
        'ibv_reg_mr',
      );
      if (ntSuccess(outcome.status)) this.#nowRegistered(bytes);
      return outcome;
    }
    const started = registerDeferred(this.#handle, target.view, access, (errno) => {
      const outcome = fromNative(errno, 'ibv_reg_mr');
      if (ntSuccess(outcome.status)) this.#nowRegistered(bytes);
      this.#complete(outcome, done);
    });
    return this.#started(started, 'register', 'ibv_reg_mr');
  }

  /** @internal `NdkDeregisterMr`. */
  requestDeregister(done: OutcomeCallback): Outcome {
    const refusal = this.#refuseRequest();
    if (refusal) return refusal;
    if (!this.#registered) {
      return refused(NtStatus.STATUS_INVALID_DEVICE_STATE, 'the region is not registered');
    }
    return this.#deregister(done);
  }

  /** @internal `NdkGetLocalTokenFromMr` (`which` 0) / `NdkGetRemoteTokenFromMr` (`which` 1). */
  token(which: 0 | 1): Outcome & { token?: number } {
    if (this.#state !== ObjectState.Open) {
      return refused(NtStatus.STATUS_INVALID_HANDLE, 'the memory region is closed');
    }
    const keys =
      this.#registered && this.#pending === undefined ? native.mrKeys(this.#handle) : null;
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
  requestClose(done: () => void): Outcome {
    if (this.#state !== ObjectState.Open) {
      return refused(NtStatus.STATUS_INVALID_HANDLE, 'the memory region is already closed');
    }
    this.#state = ObjectState.Closing;
    if (this.#pending !== undefined) {
      this.#afterPending.push(() => {
        if (this.#finishClose(done).status !== NtStatus.STATUS_PENDING) done();
      });
      return PENDING;
    }
    return this.#finishClose(done);
  }

  /** @internal A memory window was bound over this region (its bind posted). */
  windowBound(): void {
    this.#boundWindows += 1;
  }

  /** @internal A memory window over this region was invalidated, failed to bind or was closed. */
  windowUnbound(): void {
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
    return settle((done) => this.requestRegister(memory, length, flags, done));
  }

  /**
   * Deregisters. Once this resolves no peer can use the old remote token, and the memory is unpinned.
   * A failed deregistration leaves the region registered, its tokens valid: it may be retried.
   */
  deregister(): Promise<void> {
    return settle((done) => this.requestDeregister(done));
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
    this.#closed ??= closed((done) => this.requestClose(done));
    return this.#closed;
  }

  /** `await using mr = await pd.createMr()` closes it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  // ---- internals ----

  #refuseRequest(): Outcome | undefined {
    if (this.#state !== ObjectState.Open) {
      return refused(NtStatus.STATUS_INVALID_HANDLE, 'the memory region is closed');
    }
    if (this.#pending !== undefined) {
      return refused(NtStatus.STATUS_DEVICE_BUSY, `a ${this.#pending} request is pending`);
    }
    return undefined;
  }

  #deregister(done: OutcomeCallback): Outcome {
    if (!runsDeferred(this.#policy, this.#record.length, this.#context.mayBlock())) {
      const outcome = this.#deregistration(native.mrDeregister(this.#handle, INLINE));
      if (ntSuccess(outcome.status)) this.#nowDeregistered();
      return outcome;
    }
    const started = deregisterDeferred(this.#handle, (errno) => {
      const outcome = this.#deregistration(errno);
      if (ntSuccess(outcome.status)) this.#nowDeregistered();
      this.#complete(outcome, done);
    });
    return this.#started(started, 'deregister', 'ibv_dereg_mr');
  }

  // What ibv_dereg_mr's answer means. With memory windows bound the region is busy, whatever errno
  // the driver chose for it: rxe says EINVAL ("mr has mw's bound"), which the errno table alone
  // would call STATUS_INVALID_PARAMETER.
  #deregistration(result: number): Outcome {
    const outcome = fromNative(result, 'ibv_dereg_mr');
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
    if (outcome.status === NtStatus.STATUS_PENDING) this.#pending = what;
    return outcome;
  }

  // A pending request finished. The state is already updated; the user's completion, then whatever
  // waited for it (a close), run on the next tick — outside the addon's callback, so a completion that
  // throws surfaces as an ordinary uncaught exception and the addon stays callable from its handler.
  #complete(outcome: Outcome, done: OutcomeCallback): void {
    this.#pending = undefined;
    const waiting = this.#afterPending;
    this.#afterPending = [];
    process.nextTick(() => {
      try {
        done(outcome);
      } finally {
        for (const next of waiting) next();
      }
    });
  }

  #finishClose(done: () => void): Outcome {
    if (!this.#registered) {
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

  #nowRegistered(length: number): void {
    this.#registered = true;
    this.#record.length = length;
  }

  #nowDeregistered(): void {
    this.#registered = false;
    this.#record.length = 0;
  }

  // Close never fails. A deregistration that failed on the way (memory windows still bound, a
  // device error) is reported as a warning; the native handle keeps the registration and releases
  // it when it is collected or when the environment ends.
  #nowClosed(deregistration: Outcome = SUCCESS): void {
    if (!ntSuccess(deregistration.status)) {
      process.emitWarning(
        `closing a memory region on ${this.#record.deviceName}: ${errorOf(deregistration).message}`,
        { type: 'NdkVerbsWarning', code: 'NDK_VERBS_CLOSE_DEREGISTER_FAILED' },
      );
    }
    this.#state = ObjectState.Closed;
    forgetCollected(this);
    this.#context.siblings.release(this.#ref);
  }

  #tokenOrThrow(which: 0 | 1): number {
    const outcome = this.token(which);
    if (outcome.token === undefined) throw errorOf(outcome);
    return outcome.token;
  }
}

function byteLengthOf(memory: unknown): number | undefined {
  return types.isAnyArrayBuffer(memory) || ArrayBuffer.isView(memory)
    ? memory.byteLength
    : undefined;
}

// Built outside the class so the closure cannot capture the region it releases.
function collectedRegionRelease(
  record: RegionRecord,
  siblings: Children<Closable>,
  ref: WeakRef<Closable>,
) {
  return {
    release(): void {
      const state = native.mrState(record.handle);
      if (state !== NativeMrState.Registered) {
        siblings.release(ref);
        return;
      }
      warnCollected(`A registered memory region (${record.length} bytes on ${record.deviceName})`);
      // Deferred: a collection must not block the event loop on a slow deregistration.
      const result = deregisterDeferred(record.handle, () => siblings.release(ref));
      if (result !== NativeResult.Pending) siblings.release(ref);
    },
  };
}
