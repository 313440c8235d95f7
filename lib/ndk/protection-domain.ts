/**
 * A protection domain: `NdkCreatePd`, `NdkCreateMr` and the promise API over the same object.
 *
 * @packageDocumentation
 */

import { native, type PdHandle } from '../native';
import { NtStatus } from '../status/nt-status';
import { type Children, type Closable } from './children';
import { forgetCollected, releaseWhenCollected, warnCollected } from './collected';
import { type CompletionPolicy, isCompletionPolicy } from './completion-policy';
import { MemoryRegion, type MemoryRegionOptions } from './memory-region';
import { MemoryWindow } from './memory-window';
import { errorOf, fromNative, optionsRefusal, type Outcome, refused, SUCCESS } from './outcome';
import { CompletionQueue } from './completion-queue';
import { ParentObject } from './parent-object';
import { QueuePair, type QueuePairOptions } from './queue-pair';

/** What a protection domain learns from its adapter. */
export interface ProtectionDomainContext {
  /** The adapter; the domain holds it so the adapter outlives it. */
  readonly parent: object;
  readonly deviceName: string;
  readonly policy: CompletionPolicy;
  readonly mayBlock: () => boolean;
  readonly siblings: Children<Closable>;
  /** How many queue pairs the adapter has; each of its queue pairs counts itself in and out. */
  readonly queuePairs: { count: number };
}

/** A protection domain of an adapter; the parent of memory regions. */
export class ProtectionDomain extends ParentObject<Closable> {
  readonly #handle: PdHandle;

  /**
   * Whether `value` is a real ProtectionDomain: a brand check on its private state, so a look-alike (e.g.
   * `Object.create(ProtectionDomain.prototype)`) or an object of another kind is told apart.
   */
  static is(value: unknown): value is ProtectionDomain {
    return typeof value === 'object' && value !== null && #handle in value;
  }
  readonly #context: ProtectionDomainContext;
  readonly #ref: WeakRef<Closable>;

  /** @internal Created by `Adapter`; use `adapter.createPd()` or `NdkCreatePd`. */
  constructor(handle: PdHandle, context: ProtectionDomainContext) {
    super();
    this.#handle = handle;
    this.#context = context;
    this.#ref = context.siblings.add(this);
    releaseWhenCollected(this, collectedPdRelease(handle, context, this.#ref));
  }

  /** @internal `NdkCreateMr`. */
  requestCreateMr(
    fastRegister: unknown,
    options: MemoryRegionOptions = {},
  ): Outcome & { mr?: MemoryRegion } {
    const refusal = optionsRefusal(options);
    if (refusal) return refusal;
    if (!this.isOpen)
      return refused(NtStatus.STATUS_INVALID_HANDLE, 'the protection domain is closed');
    if (typeof fastRegister !== 'boolean') {
      return refused(NtStatus.STATUS_INVALID_PARAMETER, 'fastRegister must be a boolean');
    }
    if (fastRegister) {
      return refused(
        NtStatus.STATUS_NOT_SUPPORTED,
        'fast-register memory regions are not supported',
      );
    }
    if (options.completionPolicy !== undefined && !isCompletionPolicy(options.completionPolicy)) {
      return refused(
        NtStatus.STATUS_INVALID_PARAMETER,
        "completionPolicy must be 'inline', 'deferred' or 'auto'",
      );
    }
    const handle = native.mrCreate(this.#handle);
    if (typeof handle === 'number') return fromNative(handle, 'createMr');
    const mr = new MemoryRegion(
      handle,
      {
        parent: this,
        deviceName: this.#context.deviceName,
        policy: this.#context.policy,
        mayBlock: this.#context.mayBlock,
        siblings: this.children,
      },
      options,
    );
    return { ...SUCCESS, mr };
  }

  /** @internal `NdkCreateMw`: a type 2 memory window, unbound. */
  requestCreateMw(): Outcome & { mw?: MemoryWindow } {
    if (!this.isOpen) {
      return refused(NtStatus.STATUS_INVALID_HANDLE, 'the protection domain is closed');
    }
    const handle = native.mwAlloc(this.#handle);
    if (typeof handle === 'number') return fromNative(handle, 'ibv_alloc_mw');
    const mw = new MemoryWindow(handle, {
      parent: this,
      deviceName: this.#context.deviceName,
      siblings: this.children,
    });
    return { ...SUCCESS, mw };
  }

  /** Creates a memory window (type 2), unbound. @throws NdkError (rejects) when closed. */
  createMw(): Promise<MemoryWindow> {
    const outcome = this.requestCreateMw();
    return outcome.mw ? Promise.resolve(outcome.mw) : Promise.reject(errorOf(outcome));
  }

  /** @internal `NdkCreateQp`: an RC queue pair whose requests complete into the given queues. */
  requestCreateQp(
    receiveCq: unknown,
    initiatorCq: unknown,
    qpContext: unknown,
    receiveDepth: unknown,
    initiatorDepth: unknown,
  ): Outcome & { qp?: QueuePair } {
    if (!this.isOpen)
      return refused(NtStatus.STATUS_INVALID_HANDLE, 'the protection domain is closed');
    for (const cq of [receiveCq, initiatorCq]) {
      if (!CompletionQueue.is(cq) || !cq.usable) {
        return refused(NtStatus.STATUS_INVALID_HANDLE, 'not an open completion queue');
      }
      if (cq.owner !== this.#context.parent) {
        return refused(NtStatus.STATUS_INVALID_PARAMETER, 'the queue belongs to another adapter');
      }
    }
    for (const depth of [receiveDepth, initiatorDepth]) {
      if (typeof depth !== 'number' || !Number.isInteger(depth) || depth < 1 || depth > 0x4000) {
        return refused(NtStatus.STATUS_INVALID_PARAMETER, 'queue depths must be 1 to 16384');
      }
    }
    const rcq = receiveCq as CompletionQueue;
    const icq = initiatorCq as CompletionQueue;
    const handle = native.qpCreate(
      this.#handle,
      rcq.handle,
      icq.handle,
      receiveDepth as number,
      initiatorDepth as number,
    );
    if (typeof handle === 'number') return fromNative(handle, 'ibv_create_qp');
    const qp = new QueuePair(
      handle,
      {
        parent: this,
        deviceName: this.#context.deviceName,
        siblings: this.children,
        queuePairs: this.#context.queuePairs,
      },
      rcq,
      icq,
      qpContext,
    );
    return { ...SUCCESS, qp };
  }

  /**
   * Creates a reliable-connected queue pair whose requests complete into `cq` (and receives into
   * `options.receiveCq`, if given). Connect it with `qp.connect(peer.localAddress())`.
   * @throws NdkError (rejects) when closed, for a queue of another adapter, or out of resources.
   */
  createQp(cq: CompletionQueue, options: QueuePairOptions = {}): Promise<QueuePair> {
    const refusal = optionsRefusal(options);
    if (refusal) return Promise.reject(errorOf(refusal));
    const outcome = this.requestCreateQp(
      options.receiveCq ?? cq,
      cq,
      options.context,
      options.receiveDepth ?? 16,
      options.initiatorDepth ?? 16,
    );
    return outcome.qp ? Promise.resolve(outcome.qp) : Promise.reject(errorOf(outcome));
  }

  /** Creates a memory region, not yet registered. @throws NdkError (rejects) when closed. */
  createMr(options: MemoryRegionOptions = {}): Promise<MemoryRegion> {
    const outcome = this.requestCreateMr(false, options);
    return outcome.mr ? Promise.resolve(outcome.mr) : Promise.reject(errorOf(outcome));
  }

  /** @internal */
  protected releaseNative(): void {
    forgetCollected(this);
    const outcome = fromNative(native.pdDealloc(this.#handle), 'ibv_dealloc_pd', true);
    if (outcome.status !== NtStatus.STATUS_SUCCESS) {
      process.emitWarning(`closing a protection domain: ${errorOf(outcome).message}`, {
        type: 'NdkVerbsWarning',
        code: 'NDK_VERBS_CLOSE_FAILED',
      });
    }
    this.#context.siblings.release(this.#ref);
  }
}

// Built outside the class so the closure cannot capture the domain it releases. A domain is only
// collected after all its regions (each holds it); a region's own release may still be running, in
// which case the native objects free the domain once the region lets go of it.
function collectedPdRelease(
  handle: PdHandle,
  context: ProtectionDomainContext,
  ref: WeakRef<Closable>,
) {
  return {
    release(): void {
      warnCollected(`A protection domain on ${context.deviceName}`);
      native.pdDealloc(handle);
      context.siblings.release(ref);
    },
  };
}
