/**
 * An adapter: an open RDMA device (`NdkOpenAdapter`), the parent of protection domains.
 *
 * @packageDocumentation
 */

import { type DeviceHandle, native } from '../native';
import { NtStatus } from '../status/nt-status';
import { type Closable } from './children';
import { forgetCollected, releaseWhenCollected, warnCollected } from './collected';
import { type CompletionPolicy, isCompletionPolicy } from './completion-policy';
import { errorOf, fromNative, optionsRefusal, type Outcome, refused, SUCCESS } from './outcome';
import { CompletionQueue, type CqMode } from './completion-queue';
import { ParentObject } from './parent-object';
import { ProtectionDomain } from './protection-domain';

/** Options of {@link openAdapter} / {@link NdkOpenAdapter}. */
export interface AdapterOptions {
  /**
   * When registrations and deregistrations complete inline or deferred; default `'auto'`.
   * See {@link CompletionPolicy}.
   */
  readonly completionPolicy?: CompletionPolicy;
}

/** An open RDMA device. */
export class Adapter extends ParentObject<Closable> {
  /** The verbs device name, such as 'rxe0'. */
  readonly deviceName: string;
  /** The completion policy of the regions created under this adapter (unless they override it). */
  readonly completionPolicy: CompletionPolicy;
  readonly #handle: DeviceHandle;

  /**
   * Whether `value` is a real Adapter: a brand check on its private state, so a look-alike (e.g.
   * `Object.create(Adapter.prototype)`) or an object of another kind is told apart.
   */
  static is(value: unknown): value is Adapter {
    return typeof value === 'object' && value !== null && #handle in value;
  }
  // Counted by the queue pairs themselves (created, then closed or collected).
  readonly #queuePairs = { count: 0 };

  /** @internal Use {@link openAdapter} or {@link NdkOpenAdapter}. */
  constructor(handle: DeviceHandle, deviceName: string, completionPolicy: CompletionPolicy) {
    super();
    this.#handle = handle;
    this.deviceName = deviceName;
    this.completionPolicy = completionPolicy;
    releaseWhenCollected(this, collectedAdapterRelease(handle, deviceName));
  }

  /** @internal `NdkOpenAdapter`. */
  static requestOpen(
    deviceName: unknown,
    options: AdapterOptions = {},
  ): Outcome & { adapter?: Adapter } {
    if (typeof deviceName !== 'string' || deviceName === '') {
      return refused(NtStatus.STATUS_INVALID_PARAMETER, 'deviceName must be a non-empty string');
    }
    if (typeof options !== 'object' || options === null) {
      return refused(NtStatus.STATUS_INVALID_PARAMETER, 'options must be an object');
    }
    const policy = options.completionPolicy ?? 'auto';
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

  /** @internal `NdkCreatePd`. */
  requestCreatePd(): Outcome & { pd?: ProtectionDomain } {
    if (!this.isOpen) return refused(NtStatus.STATUS_INVALID_HANDLE, 'the adapter is closed');
    const handle = native.pdAlloc(this.#handle);
    if (typeof handle === 'number') return fromNative(handle, 'ibv_alloc_pd');
    const pd = new ProtectionDomain(handle, {
      parent: this,
      deviceName: this.deviceName,
      policy: this.completionPolicy,
      mayBlock: () => this.hasQueuePairs,
      siblings: this.children,
      queuePairs: this.#queuePairs,
    });
    return { ...SUCCESS, pd };
  }

  /** @internal `NdkCreateCq`. */
  requestCreateCq(depth: unknown, mode: CqMode): Outcome & { cq?: CompletionQueue } {
    if (!this.isOpen) return refused(NtStatus.STATUS_INVALID_HANDLE, 'the adapter is closed');
    if (typeof depth !== 'number' || !Number.isInteger(depth) || depth < 1 || depth > 0x10000) {
      return refused(NtStatus.STATUS_INVALID_PARAMETER, 'depth must be an integer, 1 to 65536');
    }
    return CompletionQueue.create(
      this.#handle,
      depth,
      {
        parent: this,
        deviceName: this.deviceName,
        siblings: this.children,
      },
      mode,
    );
  }

  /**
   * Creates a completion queue that drains itself: each request posted through the promise API
   * settles as soon as its completion arrives. An idle queue does not keep the process alive.
   * @throws NdkError (rejects) when closed or out of resources.
   */
  createCq(options: { depth?: number } = {}): Promise<CompletionQueue> {
    const refusal = optionsRefusal(options);
    if (refusal) return Promise.reject(errorOf(refusal));
    const outcome = this.requestCreateCq(options.depth ?? 64, { kind: 'auto' });
    return outcome.cq ? Promise.resolve(outcome.cq) : Promise.reject(errorOf(outcome));
  }

  /**
   * Whether queue pairs exist on this adapter. While none do, no packet can reference a region, so
   * a deregistration cannot block in the driver.
   */
  get hasQueuePairs(): boolean {
    return this.#queuePairs.count > 0;
  }

  /** Creates a protection domain. @throws NdkError (rejects) when closed or out of resources. */
  createPd(): Promise<ProtectionDomain> {
    const outcome = this.requestCreatePd();
    return outcome.pd ? Promise.resolve(outcome.pd) : Promise.reject(errorOf(outcome));
  }

  /** @internal */
  protected releaseNative(): void {
    forgetCollected(this);
    const outcome = fromNative(native.deviceClose(this.#handle), 'ibv_close_device', true);
    if (outcome.status !== NtStatus.STATUS_SUCCESS) {
      process.emitWarning(`closing adapter ${this.deviceName}: ${errorOf(outcome).message}`, {
        type: 'NdkVerbsWarning',
        code: 'NDK_VERBS_CLOSE_FAILED',
      });
    }
  }
}

/**
 * Opens the RDMA device `deviceName` (default: the first one libibverbs lists).
 *
 * @throws NdkError (rejects) `STATUS_NO_SUCH_DEVICE` when there is no such device.
 */
export function openAdapter(deviceName?: string, options: AdapterOptions = {}): Promise<Adapter> {
  const name = deviceName ?? native.deviceList()[0]?.name;
  if (name === undefined) {
    return Promise.reject(errorOf(refused(NtStatus.STATUS_NO_SUCH_DEVICE, 'no RDMA device found')));
  }
  const outcome = Adapter.requestOpen(name, options);
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
