/**
 * A protection domain: the parent of memory regions, memory windows and queue pairs
 * (`NdkCreatePd`, `NdkCreateMr`, `NdkCreateMw`, `NdkCreateQp`), and the promise API over the same
 * object.
 *
 * @packageDocumentation
 */

import { isMrHandle, native, type PdHandle } from '../native';
import { NtStatus } from '../status/nt-status';
import { deregisterBatch, type DeregistrationResult } from './batch-deregistration';
import { type CompletionPolicy, isCompletionPolicy } from './completion-policy';
import { CompletionQueue } from './completion-queue';
import {
  kCreate,
  kCreateMr,
  kCreateMw,
  kCreateQp,
  kHandle,
  kOwner,
  kRequestClose,
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
import { MemoryRegion, type MemoryRegionLink, type MemoryRegionOptions } from './memory-region';
import { MemoryWindow } from './memory-window';
import {
  errorOf,
  fromNative,
  fromNativeFailure,
  isRefusal,
  optionsRefusal,
  type Outcome,
  refused,
  SUCCESS,
} from './outcome';
import { QueuePair, type QueuePairOptions, retrySettings } from './queue-pair';

/** @internal What a protection domain learns from its adapter. */
export interface ProtectionDomainLink extends ChildLink {
  readonly policy: CompletionPolicy;
  /** Whether a verbs call on a region may block (the adapter has queue pairs). */
  readonly mayBlock: () => boolean;
  /** How many queue pairs the adapter has; each of its queue pairs counts itself in and out. */
  readonly queuePairs: { count: number };
}

/** A protection domain of an adapter; the parent of memory regions, windows and queue pairs. */
export class ProtectionDomain {
  readonly #handle: PdHandle;
  readonly #link: ProtectionDomainLink;
  readonly #ref: WeakRef<Closable>;
  readonly #life: ParentLifecycle;
  readonly #regionLinks = new Map<CompletionPolicy, MemoryRegionLink>();

  /**
   * Whether `value` is a real ProtectionDomain: a brand check on its private state, so a look-alike
   * (e.g. `Object.create(ProtectionDomain.prototype)`) or an object of another kind is told apart.
   */
  static is(value: unknown): value is ProtectionDomain {
    return typeof value === 'object' && value !== null && #handle in value;
  }

  private constructor(handle: PdHandle, link: ProtectionDomainLink) {
    this.#handle = handle;
    this.#link = link;
    this.#ref = link.siblings.add(this);
    this.#life = new ParentLifecycle(link.device, () => {
      forgetCollected(this);
      const outcome = link.device.releaseOutcome(
        fromNative(native.pdDealloc(handle), 'ibv_dealloc_pd', true),
      );
      warnIfCloseFailed('a protection domain', outcome);
      link.siblings.release(this.#ref);
    });
    releaseWhenCollected(this, collectedPdRelease(handle, link, this.#ref));
  }

  /** @internal Created by `Adapter`; use `adapter.createPd()` or `NdkCreatePd`. */
  static [kCreate](handle: PdHandle, link: ProtectionDomainLink): ProtectionDomain {
    return new ProtectionDomain(handle, link);
  }

  /** Where the domain is in its life. */
  get state(): ObjectState {
    return this.#life.state;
  }

  /** @internal `NdkCreateMr`. */
  [kCreateMr](fastRegister: unknown, options: unknown = {}): Outcome & { mr?: MemoryRegion } {
    const refusal = optionsRefusal(options);
    if (refusal) return refusal;
    const gone = this.#link.device.refusal(this.#life.isOpen, 'the protection domain');
    if (gone) return gone;
    if (typeof fastRegister !== 'boolean') {
      return refused(NtStatus.STATUS_INVALID_PARAMETER, 'fastRegister must be a boolean');
    }
    if (fastRegister) {
      return refused(
        NtStatus.STATUS_NOT_SUPPORTED,
        'fast-register memory regions are not supported',
      );
    }
    const { completionPolicy } = options as MemoryRegionOptions;
    if (completionPolicy !== undefined && !isCompletionPolicy(completionPolicy)) {
      return refused(
        NtStatus.STATUS_INVALID_PARAMETER,
        "completionPolicy must be 'inline', 'deferred' or 'auto'",
      );
    }
    let handle: number;
    try {
      handle = native.mrCreate(this.#handle);
    } catch (error) {
      return fromNativeFailure(error, 'createMr');
    }
    if (!isMrHandle(handle)) return fromNative(handle, 'createMr');
    const mr = MemoryRegion[kCreate](handle, this.#regionLink(completionPolicy));
    return { ...SUCCESS, mr };
  }

  // The link of a region with `policy`: one object per policy (three at most), shared by every
  // region with it, since memory per region is a target.
  #regionLink(policy: CompletionPolicy = this.#link.policy): MemoryRegionLink {
    let link = this.#regionLinks.get(policy);
    if (link === undefined) {
      link = {
        parent: this,
        deviceName: this.#link.deviceName,
        device: this.#link.device,
        policy,
        pdHandle: this.#handle,
        mayBlock: this.#link.mayBlock,
        siblings: this.#life.children,
      };
      this.#regionLinks.set(policy, link);
    }
    return link;
  }

  /** @internal `NdkCreateMw`: a type 2 memory window, unbound. */
  [kCreateMw](): Outcome & { mw?: MemoryWindow } {
    const gone = this.#link.device.refusal(this.#life.isOpen, 'the protection domain');
    if (gone) return gone;
    const handle = native.mwAlloc(this.#handle);
    if (typeof handle === 'number') return fromNative(handle, 'ibv_alloc_mw');
    const mw = MemoryWindow[kCreate](handle, {
      parent: this,
      deviceName: this.#link.deviceName,
      device: this.#link.device,
      siblings: this.#life.children,
    });
    return { ...SUCCESS, mw };
  }

  /** @internal `NdkCreateQp`: an RC queue pair whose requests complete into the given queues. */
  [kCreateQp](
    receiveCq: unknown,
    initiatorCq: unknown,
    qpContext: unknown,
    receiveDepth: unknown,
    initiatorDepth: unknown,
    retryOptions?: unknown,
  ): Outcome & { qp?: QueuePair } {
    const gone = this.#link.device.refusal(this.#life.isOpen, 'the protection domain');
    if (gone) return gone;
    for (const cq of [receiveCq, initiatorCq]) {
      if (!CompletionQueue.is(cq) || !cq[kUsable]) {
        return refused(NtStatus.STATUS_INVALID_HANDLE, 'not an open completion queue');
      }
      if (cq[kOwner] !== this.#link.parent) {
        return refused(NtStatus.STATUS_INVALID_HANDLE, 'the queue belongs to another adapter');
      }
    }
    for (const depth of [receiveDepth, initiatorDepth]) {
      if (typeof depth !== 'number' || !Number.isInteger(depth) || depth < 1 || depth > 0x4000) {
        return refused(NtStatus.STATUS_INVALID_PARAMETER, 'queue depths must be 1 to 16384');
      }
    }
    const retry = retrySettings(retryOptions);
    if (isRefusal(retry)) return retry;
    const rcq = receiveCq as CompletionQueue;
    const icq = initiatorCq as CompletionQueue;
    const handle = native.qpCreate(
      this.#handle,
      rcq[kHandle],
      icq[kHandle],
      receiveDepth as number,
      initiatorDepth as number,
      retry.retryCount,
      retry.rnrRetryCount,
      retry.timeoutExponent,
    );
    if (typeof handle === 'number') return fromNative(handle, 'ibv_create_qp');
    const qp = QueuePair[kCreate](
      handle,
      {
        parent: this,
        deviceName: this.#link.deviceName,
        device: this.#link.device,
        siblings: this.#life.children,
        queuePairs: this.#link.queuePairs,
      },
      rcq,
      icq,
      qpContext,
    );
    return { ...SUCCESS, qp };
  }

  /** @internal `NdkCloseObject`: `STATUS_PENDING` until every child is closed. */
  [kRequestClose](done: () => void): Outcome {
    return this.#life.requestClose(done);
  }

  /** Creates a memory region, not yet registered. @throws NdkError (rejects) when closed. */
  createMr(options: MemoryRegionOptions = {}): Promise<MemoryRegion> {
    const outcome = this[kCreateMr](false, options);
    return outcome.mr ? Promise.resolve(outcome.mr) : Promise.reject(errorOf(outcome));
  }

  /** Creates a memory window (type 2), unbound. @throws NdkError (rejects) when closed. */
  createMw(): Promise<MemoryWindow> {
    const outcome = this[kCreateMw]();
    return outcome.mw ? Promise.resolve(outcome.mw) : Promise.reject(errorOf(outcome));
  }

  /**
   * Creates a reliable-connected queue pair whose requests complete into `cq` (and receives into
   * `options.receiveCq`, if given). Connect it with `qp.connect(peer.localAddress())`.
   * @throws NdkError (rejects) when closed, for a queue of another adapter, or out of resources.
   */
  createQp(cq: CompletionQueue, options: QueuePairOptions = {}): Promise<QueuePair> {
    const refusal = optionsRefusal(options);
    if (refusal) return Promise.reject(errorOf(refusal));
    const outcome = this[kCreateQp](
      options.receiveCq ?? cq,
      cq,
      options.context,
      options.receiveDepth ?? 16,
      options.initiatorDepth ?? 16,
      options,
    );
    return outcome.qp ? Promise.resolve(outcome.qp) : Promise.reject(errorOf(outcome));
  }

  /**
   * Deregisters the given regions of this domain as one batch: one native call hands every region
   * that may go to the request threads, and one delivery brings every result back, whatever each
   * region's completion policy. Resolves to one {@link DeregistrationResult} per entry, in order,
   * once all are done; a region that may not go (not registered, a request pending, listed twice,
   * another domain's, memory windows bound) gets its own status there and is left as it was, and
   * the others go on. `close()` of a region or of this domain waits for a batch in flight.
   *
   * @throws NdkError (rejects) `STATUS_INVALID_PARAMETER` when `regions` is not an array of
   *   `MemoryRegion`s (nothing is deregistered then); `STATUS_INVALID_HANDLE` when the domain is
   *   closed; `STATUS_DEVICE_REMOVED` once its device's objects were released.
   */
  deregisterMany(regions: readonly MemoryRegion[]): Promise<DeregistrationResult[]> {
    try {
      const gone = this.#link.device.refusal(this.#life.isOpen, 'the protection domain');
      if (gone) return Promise.reject(errorOf(gone));
      return deregisterBatch(this, this.#handle, regions);
    } catch (error) {
      // A proxy that throws on `Array.isArray` or `length`: reported as the caller's bad input.
      return Promise.reject(
        errorOf(refused(NtStatus.STATUS_INVALID_PARAMETER, `regions: ${String(error)}`)),
      );
    }
  }

  /**
   * Deregisters every open region of this domain that is registered, as {@link deregisterMany}: one
   * whose deregistration is already pending gets `STATUS_DEVICE_BUSY`, one whose registration is
   * still pending is not included. Resolves to one result per such region (an empty array when
   * there is none); the regions stay open, ready to register again.
   *
   * @throws NdkError (rejects) `STATUS_INVALID_HANDLE` when the domain is closed;
   *   `STATUS_DEVICE_REMOVED` once its device's objects were released.
   */
  deregisterAll(): Promise<DeregistrationResult[]> {
    const regions: MemoryRegion[] = [];
    for (const child of this.#life.children.reachable()) {
      if (MemoryRegion.is(child) && child.state === ObjectState.Open && child.isRegistered) {
        regions.push(child);
      }
    }
    return this.deregisterMany(regions);
  }

  /** Closes every child (windows, queue pairs, regions), then the domain. */
  close(): Promise<void> {
    return this.#life.close();
  }

  /** `await using` closes the domain (and its children) at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

// Built outside the class so the closure cannot capture the domain it releases. A domain is only
// collected after all its regions (each holds it); a region's own release may still be running, in
// which case the native objects free the domain once the region lets go of it.
function collectedPdRelease(handle: PdHandle, link: ProtectionDomainLink, ref: WeakRef<Closable>) {
  return {
    release(): void {
      warnCollected(`A protection domain on ${link.deviceName}`);
      native.pdDealloc(handle);
      link.siblings.release(ref);
    },
  };
}
