/**
 * A memory window (type 2): remote access to part of a registered region under a token of its own,
 * granted by a bind and revoked by an invalidation, both posted on a queue pair so they are ordered
 * with the traffic. `NdkCreateMw`, `NdkBind`, `NdkInvalidate`, `NdkGetRemoteTokenFromMw` and the
 * promise API over the same object.
 *
 * @packageDocumentation
 */

import { type MwHandle, native } from '../native';
import { NtStatus } from '../status/nt-status';
import {
  kBindCompleted,
  kBindPosted,
  kCloseRank,
  kCreate,
  kHandle,
  kInvalidateCompleted,
  kInvalidatePosted,
  kOwner,
  kRefuseRequest,
  kRequestClose,
  kToken,
  kWindowBound,
  kWindowUnbound,
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
import { errorOf, fromNative, type Outcome, refused, SUCCESS } from './outcome';

/** A type 2 memory window of a protection domain. */
export class MemoryWindow {
  /** @internal A parent's `close()` closes windows first; see `Closable`. */
  readonly [kCloseRank] = 0;
  readonly #handle: MwHandle;

  /** Whether `value` is a real MemoryWindow (a brand check on its private state). */
  static is(value: unknown): value is MemoryWindow {
    return typeof value === 'object' && value !== null && #handle in value;
  }

  readonly #link: ChildLink;
  readonly #ref: WeakRef<Closable>;
  #state = ObjectState.Open;
  // The region a bind (posted or completed) put the window over, and the token it gave it.
  #binding: { region: MemoryRegion; token: number; complete: boolean } | undefined;
  // The bound region, shared with the collected-window release so a window dropped while bound
  // still tells its region it is gone.
  readonly #bound: { region?: MemoryRegion } = {};
  #pending: 'bind' | 'invalidate' | undefined;
  #closed: Promise<void> | undefined;

  private constructor(handle: MwHandle, link: ChildLink) {
    this.#handle = handle;
    this.#link = link;
    this.#ref = link.siblings.add(this);
    releaseWhenCollected(this, collectedWindowRelease(handle, link, this.#ref, this.#bound));
  }

  /** @internal Created by `ProtectionDomain`; use `pd.createMw()` or `NdkCreateMw`. */
  static [kCreate](handle: MwHandle, link: ChildLink): MemoryWindow {
    return new MemoryWindow(handle, link);
  }

  /** Where the window is in its life. */
  get state(): ObjectState {
    return this.#state;
  }

  /** Whether a bind has completed and no invalidation since: its remote token grants access. */
  get isBound(): boolean {
    return this.#binding?.complete === true;
  }

  /** @internal The protection domain the window belongs to. */
  get [kOwner](): object {
    return this.#link.parent;
  }

  /** @internal The native handle, for posting a bind or an invalidation. */
  get [kHandle](): MwHandle {
    return this.#handle;
  }

  /** @internal Refuses a bind or invalidation the window's state does not allow. */
  [kRefuseRequest](kind: 'bind' | 'invalidate'): Outcome | undefined {
    const gone = this.#link.device.refusal(this.#state === ObjectState.Open, 'the memory window');
    if (gone) return gone;
    if (this.#pending !== undefined) {
      return refused(NtStatus.STATUS_DEVICE_BUSY, `a ${this.#pending} request is pending`);
    }
    if (kind === 'bind' && this.#binding !== undefined) {
      return refused(NtStatus.STATUS_INVALID_DEVICE_STATE, 'the window is already bound');
    }
    if (kind === 'invalidate' && this.#binding === undefined) {
      return refused(NtStatus.STATUS_INVALID_DEVICE_STATE, 'the window is not bound');
    }
    return undefined;
  }

  /**
   * @internal A bind over `region` was posted with `token`. The region counts the window as bound
   * from now on: verbs may apply the bind before its completion is polled.
   */
  [kBindPosted](region: MemoryRegion, token: number): void {
    this.#pending = 'bind';
    this.#binding = { region, token, complete: false };
    this.#bound.region = region;
    region[kWindowBound]();
  }

  /** @internal The bind completed. */
  [kBindCompleted](success: boolean): void {
    this.#pending = undefined;
    if (this.#binding === undefined) return;
    if (success) this.#binding.complete = true;
    else this.#unbind();
  }

  /** @internal An invalidation was posted. */
  [kInvalidatePosted](): void {
    this.#pending = 'invalidate';
  }

  /** @internal The invalidation completed: on success the token no longer grants anything. */
  [kInvalidateCompleted](success: boolean): void {
    this.#pending = undefined;
    if (success) this.#unbind();
  }

  /** @internal `NdkGetRemoteTokenFromMw`: the window's token, only while bound. */
  [kToken](): Outcome & { token?: number } {
    const gone = this.#link.device.refusal(this.#state === ObjectState.Open, 'the memory window');
    if (gone) return gone;
    if (this.#binding?.complete !== true) {
      return refused(NtStatus.STATUS_INVALID_DEVICE_STATE, 'the window is not bound');
    }
    return { ...SUCCESS, token: this.#binding.token };
  }

  /** The window's remote token while bound. @throws NdkError `STATUS_INVALID_DEVICE_STATE`. */
  get remoteToken(): number {
    const outcome = this[kToken]();
    if (outcome.token === undefined) throw errorOf(outcome);
    return outcome.token;
  }

  /**
   * @internal `NdkCloseObject`: deallocates the window, which unbinds it. Always completes at
   * once; a bind or invalidation still pending completes through its queue pair (flushed or not).
   */
  [kRequestClose](_done: () => void): Outcome {
    if (this.#state !== ObjectState.Open)
      return this.#link.device.closedRefusal('the memory window');
    const outcome = this.#link.device.releaseOutcome(
      fromNative(native.mwDealloc(this.#handle), 'ibv_dealloc_mw', true),
    );
    warnIfCloseFailed('a memory window', outcome);
    this.#state = ObjectState.Closed;
    this.#unbind();
    forgetCollected(this);
    this.#link.siblings.release(this.#ref);
    return SUCCESS;
  }

  /** Closes (deallocates) the window, revoking its token. Closing twice is harmless. */
  close(): Promise<void> {
    this.#closed ??= closed((done) => this[kRequestClose](done));
    return this.#closed;
  }

  /** `await using mw = await pd.createMw()` closes it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #unbind(): void {
    const binding = this.#binding;
    this.#binding = undefined;
    this.#bound.region = undefined;
    binding?.region[kWindowUnbound]();
  }
}

// Built outside the class so the closure cannot capture the window it releases.
function collectedWindowRelease(
  handle: MwHandle,
  link: ChildLink,
  ref: WeakRef<Closable>,
  bound: { region?: MemoryRegion },
) {
  return {
    release(): void {
      warnCollected(`A memory window on ${link.deviceName}`);
      native.mwDealloc(handle);
      bound.region?.[kWindowUnbound]();
      link.siblings.release(ref);
    },
  };
}
