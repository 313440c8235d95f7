/**
 * A protection domain: `NdkCreatePd`, `NdkCreateMr` and the promise API over the same object.
 *
 * @packageDocumentation
 */

import { native, type PdHandle } from '../native';
import { NtStatus } from '../status';
import { type Children } from './children';
import { forgetCollected, releaseWhenCollected, warnCollected } from './collected';
import { type CompletionPolicy, isCompletionPolicy } from './completion-policy';
import { MemoryRegion, type MemoryRegionOptions } from './memory-region';
import { errorOf, fromNative, type Outcome, refused, SUCCESS } from './outcome';
import { ParentObject } from './parent-object';

/** What a protection domain learns from its adapter. */
export interface ProtectionDomainContext {
  /** The adapter; the domain holds it so the adapter outlives it. */
  readonly parent: object;
  readonly deviceName: string;
  readonly policy: CompletionPolicy;
  readonly mayBlock: () => boolean;
  readonly siblings: Children<ProtectionDomain>;
}

/** A protection domain of an adapter; the parent of memory regions. */
export class ProtectionDomain extends ParentObject<MemoryRegion> {
  readonly #handle: PdHandle;
  readonly #context: ProtectionDomainContext;
  readonly #ref: WeakRef<ProtectionDomain>;

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
    const handle = native.createMr(this.#handle);
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

  /** Creates a memory region, not yet registered. @throws NdkError (rejects) when closed. */
  createMr(options: MemoryRegionOptions = {}): Promise<MemoryRegion> {
    const outcome = this.requestCreateMr(false, options);
    return outcome.mr ? Promise.resolve(outcome.mr) : Promise.reject(errorOf(outcome));
  }

  /** @internal */
  protected releaseNative(): void {
    forgetCollected(this);
    const outcome = fromNative(native.deallocPd(this.#handle), 'ibv_dealloc_pd', true);
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
  ref: WeakRef<ProtectionDomain>,
) {
  return {
    release(): void {
      warnCollected(`A protection domain on ${context.deviceName}`);
      native.deallocPd(handle);
      context.siblings.release(ref);
    },
  };
}
