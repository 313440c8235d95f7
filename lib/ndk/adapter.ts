/**
 * An adapter: an open RDMA device (`NdkOpenAdapter`), the parent of protection domains and
 * completion queues.
 *
 * @packageDocumentation
 */

import { type DeviceHandle, native } from '../native';
import { NtStatus } from '../status/nt-status';
import { type CompletionPolicy, isCompletionPolicy } from './completion-policy';
import { CompletionQueue, type CqMode } from './completion-queue';
import { kCreate, kCreateCq, kCreatePd, kRequestClose } from './internal';
import {
  forgetCollected,
  type ObjectState,
  ParentLifecycle,
  releaseWhenCollected,
  warnCollected,
  warnIfCloseFailed,
} from './lifecycle';
import { errorOf, fromNative, optionsRefusal, type Outcome, refused, SUCCESS } from './outcome';
import { ProtectionDomain } from './protection-domain';

/** Options of {@link openAdapter} / `NdkOpenAdapter`. */
export interface AdapterOptions {
  /**
   * When registrations and deregistrations complete inline or deferred; default `'auto'`.
   * See {@link CompletionPolicy}.
   */
  readonly completionPolicy?: CompletionPolicy;
}

/** Options of `adapter.createCq()`. */
export interface CompletionQueueOptions {
  /** How many completions the queue holds; default 64. */
  readonly depth?: number;
}

/** An open RDMA device. */
export class Adapter {
  /** The verbs device name, such as 'rxe0'. */
  readonly deviceName: string;
  /** The completion policy of the regions created under this adapter (unless they override it). */
  readonly completionPolicy: CompletionPolicy;
  readonly #handle: DeviceHandle;
  readonly #life: ParentLifecycle;
  // Counted by the queue pairs themselves (created, then closed or collected).
  readonly #queuePairs = { count: 0 };

  /**
   * Whether `value` is a real Adapter: a brand check on its private state, so a look-alike (e.g.
   * `Object.create(Adapter.prototype)`) or an object of another kind is told apart.
   */
  static is(value: unknown): value is Adapter {
    return typeof value === 'object' && value !== null && #handle in value;
  }

  private constructor(handle: DeviceHandle, deviceName: string, policy: CompletionPolicy) {
    this.#handle = handle;
    this.deviceName = deviceName;
    this.completionPolicy = policy;
    this.#life = new ParentLifecycle(() => {
      forgetCollected(this);
      const outcome = fromNative(native.deviceClose(handle), 'ibv_close_device', true);
      warnIfCloseFailed(`adapter ${deviceName}`, outcome);
    });
    releaseWhenCollected(this, collectedAdapterRelease(handle, deviceName));
  }

  /** @internal `NdkOpenAdapter`. */
  static [kCreate](deviceName: unknown, options: unknown = {}): Outcome & { adapter?: Adapter } {
    if (typeof deviceName !== 'string' || deviceName === '') {
      return refused(NtStatus.STATUS_INVALID_PARAMETER, 'deviceName must be a non-empty string');
    }
    if (typeof options !== 'object' || options === null) {
      return refused(NtStatus.STATUS_INVALID_PARAMETER, 'options must be an object');
    }
    const policy = (options as AdapterOptions).completionPolicy ?? 'auto';
    if (!isCompletionPolicy(policy)) {
      return refused(
        NtStatus.STATUS_INVALID_PARAMETER,
        "completionPolicy must be 'inline', 'deferred' or 'auto'",
      );
    }
    const handle = native.deviceOpen(deviceName);
    if (typeof handle === 'number') {
      return { ...fromNative(handle, 'ibv_open_device'), detail: `device '${deviceName}'` };
    }
    return { ...SUCCESS, adapter: new Adapter(handle, deviceName, policy) };
  }

  /** Where the adapter is in its life. */
  get state(): ObjectState {
    return this.#life.state;
  }

  /**
   * Whether queue pairs exist on this adapter. While none do, no packet can reference a region, so
   * a deregistration cannot block in the driver.
   */
  get hasQueuePairs(): boolean {
    return this.#queuePairs.count > 0;
  }

  /** @internal `NdkCreatePd`. */
  [kCreatePd](): Outcome & { pd?: ProtectionDomain } {
    if (!this.#life.isOpen) return refused(NtStatus.STATUS_INVALID_HANDLE, 'the adapter is closed');
    const handle = native.pdAlloc(this.#handle);
    if (typeof handle === 'number') return fromNative(handle, 'ibv_alloc_pd');
    const pd = ProtectionDomain[kCreate](handle, {
      parent: this,
      deviceName: this.deviceName,
      policy: this.completionPolicy,
      mayBlock: () => this.hasQueuePairs,
      siblings: this.#life.children,
      queuePairs: this.#queuePairs,
    });
    return { ...SUCCESS, pd };
  }

  /** @internal `NdkCreateCq`. */
  [kCreateCq](depth: unknown, mode: CqMode): Outcome & { cq?: CompletionQueue } {
    if (!this.#life.isOpen) return refused(NtStatus.STATUS_INVALID_HANDLE, 'the adapter is closed');
    if (typeof depth !== 'number' || !Number.isInteger(depth) || depth < 1 || depth > 0x10000) {
      return refused(NtStatus.STATUS_INVALID_PARAMETER, 'depth must be an integer, 1 to 65536');
    }
    return CompletionQueue[kCreate](
      this.#handle,
      depth,
      { parent: this, deviceName: this.deviceName, siblings: this.#life.children },
      mode,
    );
  }

  /** @internal `NdkCloseObject`: `STATUS_PENDING` until every child is closed. */
  [kRequestClose](done: () => void): Outcome {
    return this.#life.requestClose(done);
  }

  /** Creates a protection domain. @throws NdkError (rejects) when closed or out of resources. */
  createPd(): Promise<ProtectionDomain> {
    const outcome = this[kCreatePd]();
    return outcome.pd ? Promise.resolve(outcome.pd) : Promise.reject(errorOf(outcome));
  }

  /**
   * Creates a completion queue that drains itself: each request posted through the promise API
   * settles as soon as its completion arrives. An idle queue does not keep the process alive.
   * @throws NdkError (rejects) when closed, for a bad depth, or out of resources.
   */
  createCq(options: CompletionQueueOptions = {}): Promise<CompletionQueue> {
    const refusal = optionsRefusal(options);
    if (refusal) return Promise.reject(errorOf(refusal));
    const outcome = this[kCreateCq](options.depth ?? 64, { kind: 'auto' });
    return outcome.cq ? Promise.resolve(outcome.cq) : Promise.reject(errorOf(outcome));
  }

  /** Closes every child (windows, queue pairs, regions, domains, queues), then the adapter. */
  close(): Promise<void> {
    return this.#life.close();
  }

  /** `await using` closes the adapter (and its children) at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Opens the RDMA device `deviceName` (default: the first one libibverbs lists).
 *
 * @throws NdkError (rejects) `STATUS_NO_SUCH_DEVICE` when there is no such device,
 *   `STATUS_INVALID_PARAMETER` for bad options.
 */
export function openAdapter(deviceName?: string, options: AdapterOptions = {}): Promise<Adapter> {
  const name = deviceName ?? native.deviceList()[0]?.name;
  if (name === undefined) {
    return Promise.reject(errorOf(refused(NtStatus.STATUS_NO_SUCH_DEVICE, 'no RDMA device found')));
  }
  const outcome = Adapter[kCreate](name, options);
  return outcome.adapter ? Promise.resolve(outcome.adapter) : Promise.reject(errorOf(outcome));
}

function collectedAdapterRelease(handle: DeviceHandle, deviceName: string) {
  return {
    release(): void {
      warnCollected(`An adapter (${deviceName})`);
      native.deviceClose(handle);
    },
  };
}
