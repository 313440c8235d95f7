/**
 * An adapter: an open RDMA device (`NdkOpenAdapter`), the parent of protection domains and
 * completion queues.
 *
 * @packageDocumentation
 */

import { EventEmitter } from 'node:events';

import { type DeviceHandle, native } from '../native';
import { NtStatus } from '../status/nt-status';
import {
  type AdapterEventType,
  decodeDeviceEvent,
  type ObjectEvent,
  publishAdapterEvent,
} from './adapter-events';
import { type CompletionPolicy, isCompletionPolicy } from './completion-policy';
import { CompletionQueue, type CqMode } from './completion-queue';
import { DeviceState } from './device-state';
import {
  kCreate,
  kCreateCq,
  kCreatePd,
  kDeviceEvent,
  kDeviceReleased,
  kObjectEvent,
  kRequestClose,
} from './internal';
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
import { type QueuePair } from './queue-pair';

/** Options of {@link openAdapter} / `NdkOpenAdapter`. */
export interface AdapterOptions {
  /**
   * When registrations and deregistrations complete inline or deferred; default `'auto'`.
   * See {@link CompletionPolicy}.
   */
  readonly completionPolicy?: CompletionPolicy;
  /**
   * What happens when the device is removed (`rdma link delete`, the netdev deleted, hot unplug):
   * - `'release'` (default): ndk-verbs lets go of everything on the adapter, children first, so the
   *   kernel's removal can finish (rxe waits until every process lets go). Pending requests
   *   complete with `STATUS_DEVICE_REMOVED`, later calls on these objects answer it, and registered
   *   memory stays valid JavaScript memory (only the registrations end).
   * - `'hold'`: the objects stay as they are and the removal waits until the service closes them
   *   itself (after the `'removed'` event).
   */
  readonly onRemoval?: 'release' | 'hold';
}

/** One asynchronous event of an adapter's device (`'event'`). */
export interface AdapterEvent extends ObjectEvent {
  /** The port, for port events. */
  readonly port?: number;
  /** The queue pair the event names, when it is one of this adapter's and still reachable. */
  readonly qp?: QueuePair;
  /** The completion queue of `IBV_EVENT_CQ_ERR` (an overrun), when still reachable. */
  readonly cq?: CompletionQueue;
}

/** A port event's payload (`'portDown'`, `'portActive'`). */
export interface PortEvent {
  readonly port: number;
}

/** The events an {@link Adapter} emits, for `adapter.on(...)`. */
export interface AdapterEvents {
  /** Every asynchronous event of the device, removal included. */
  event: [event: AdapterEvent];
  /** `IBV_EVENT_PORT_ERR`: the port went down (e.g. its netdev was set down). */
  portDown: [event: PortEvent];
  /** `IBV_EVENT_PORT_ACTIVE`: the port is active again. */
  portActive: [event: PortEvent];
  /**
   * The device is being removed (or reported `IBV_EVENT_DEVICE_FATAL`). With the default
   * `onRemoval: 'release'`, the adapter's objects are already being released when this is emitted.
   */
  removed: [];
}

/** Options of `adapter.createCq()`. */
export interface CompletionQueueOptions {
  /** How many completions the queue holds; default 64. */
  readonly depth?: number;
}

/**
 * An open RDMA device. It emits the device's asynchronous events ({@link AdapterEvents}); an idle
 * adapter does not keep the process alive.
 */
export class Adapter extends EventEmitter<AdapterEvents> {
  /** The verbs device name, such as 'rxe0'. */
  readonly deviceName: string;
  /** The completion policy of the regions created under this adapter (unless they override it). */
  readonly completionPolicy: CompletionPolicy;
  readonly #handle: DeviceHandle;
  readonly #life: ParentLifecycle;
  readonly #device = new DeviceState();
  readonly #onRemoval: 'release' | 'hold';
  // Counted by the queue pairs themselves (created, then closed or collected).
  readonly #queuePairs = { count: 0 };

  /**
   * Whether `value` is a real Adapter: a brand check on its private state, so a look-alike (e.g.
   * `Object.create(Adapter.prototype)`) or an object of another kind is told apart.
   */
  static is(value: unknown): value is Adapter {
    return typeof value === 'object' && value !== null && #handle in value;
  }

  private constructor(
    handle: DeviceHandle,
    deviceName: string,
    policy: CompletionPolicy,
    onRemoval: 'release' | 'hold',
  ) {
    super();
    this.#handle = handle;
    this.deviceName = deviceName;
    this.completionPolicy = policy;
    this.#onRemoval = onRemoval;
    const device = this.#device;
    this.#life = new ParentLifecycle(device, () => {
      forgetCollected(this);
      const outcome = device.releaseOutcome(
        fromNative(native.deviceClose(handle), 'ibv_close_device', true),
      );
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
    const onRemoval = (options as AdapterOptions).onRemoval ?? 'release';
    if (onRemoval !== 'release' && onRemoval !== 'hold') {
      return refused(NtStatus.STATUS_INVALID_PARAMETER, "onRemoval must be 'release' or 'hold'");
    }
    const events = eventForwarder();
    const handle = native.deviceOpen(deviceName, events.callback);
    if (typeof handle === 'number') {
      return { ...fromNative(handle, 'ibv_open_device'), detail: `device '${deviceName}'` };
    }
    const adapter = new Adapter(handle, deviceName, policy, onRemoval);
    events.target = new WeakRef(adapter);
    return { ...SUCCESS, adapter };
  }

  /** Whether the device is being removed (see {@link AdapterOptions.onRemoval}). */
  get removed(): boolean {
    return this.#device.removed;
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
    const gone = this.#device.refusal(this.#life.isOpen, 'the adapter');
    if (gone) return gone;
    const handle = native.pdAlloc(this.#handle);
    if (typeof handle === 'number') return fromNative(handle, 'ibv_alloc_pd');
    const pd = ProtectionDomain[kCreate](handle, {
      parent: this,
      deviceName: this.deviceName,
      device: this.#device,
      policy: this.completionPolicy,
      mayBlock: () => this.hasQueuePairs,
      siblings: this.#life.children,
      queuePairs: this.#queuePairs,
    });
    return { ...SUCCESS, pd };
  }

  /** @internal `NdkCreateCq`. */
  [kCreateCq](depth: unknown, mode: CqMode): Outcome & { cq?: CompletionQueue } {
    const gone = this.#device.refusal(this.#life.isOpen, 'the adapter');
    if (gone) return gone;
    if (typeof depth !== 'number' || !Number.isInteger(depth) || depth < 1 || depth > 0x10000) {
      return refused(NtStatus.STATUS_INVALID_PARAMETER, 'depth must be an integer, 1 to 65536');
    }
    return CompletionQueue[kCreate](
      this.#handle,
      depth,
      {
        parent: this,
        deviceName: this.deviceName,
        device: this.#device,
        siblings: this.#life.children,
      },
      mode,
    );
  }

  /** @internal `NdkCloseObject`: `STATUS_PENDING` until every child is closed. */
  [kRequestClose](done: () => void): Outcome {
    return this.#life.requestClose(done);
  }

  /** @internal The addon's event reader: one asynchronous event `(type, element)`. */
  [kDeviceEvent](type: number, element: number): void {
    const raw = decodeDeviceEvent(type, element);
    if (raw === undefined) return;
    publishAdapterEvent(this.deviceName, raw);
    if (raw.type === 'DEVICE_REMOVED' || raw.type === 'IBV_EVENT_DEVICE_FATAL') {
      this.#deviceRemoved(raw.type);
      return;
    }
    const qp = lookup<QueuePair>(this.#device.queuePairs, raw.qpNumber);
    const cq = lookup<CompletionQueue>(this.#device.completionQueues, raw.cqId);
    const event: AdapterEvent = {
      type: raw.type,
      ...(raw.port === undefined ? {} : { port: raw.port }),
      ...(qp === undefined ? {} : { qp }),
      ...(cq === undefined ? {} : { cq }),
    };
    // The object first: a CQ overrun completes its armed notification whatever listeners do.
    qp?.[kObjectEvent](raw.type);
    cq?.[kObjectEvent](raw.type);
    this.emit('event', event);
    if (raw.port !== undefined && raw.type === 'IBV_EVENT_PORT_ERR') {
      this.emit('portDown', { port: raw.port });
    } else if (raw.port !== undefined && raw.type === 'IBV_EVENT_PORT_ACTIVE') {
      this.emit('portActive', { port: raw.port });
    }
  }

  // The state changes (and the release starts) before any listener runs, so a listener that throws
  // cannot stop the release, and every call a listener makes already sees the removal.
  #deviceRemoved(type: AdapterEventType): void {
    if (this.#device.removed) return;
    this.#device.removed = true;
    if (this.#onRemoval === 'release' && this.#life.isOpen) {
      this.#device.released = true;
      for (const child of this.#life.children.reachable()) {
        if (CompletionQueue.is(child)) child[kDeviceReleased]();
      }
      void this.#life.close();
    }
    this.emit('event', { type });
    this.emit('removed');
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

// The addon's event callback. It holds the adapter weakly: the thread-safe function holds the
// callback, and the adapter must stay collectable. Built outside the class so the closure captures
// nothing else.
function eventForwarder(): {
  target: WeakRef<Adapter> | undefined;
  callback: (type: number, element: number) => void;
} {
  const forwarder = {
    target: undefined as WeakRef<Adapter> | undefined,
    // On a later turn, like the completion queues' wake-ups: the thread-safe function's callback is
    // not a place to run listeners.
    callback: (type: number, element: number) =>
      setImmediate(() => forwarder.target?.deref()?.[kDeviceEvent](type, element)),
  };
  return forwarder;
}

function lookup<T>(
  map: ReadonlyMap<number, WeakRef<object>>,
  key: number | undefined,
): T | undefined {
  return key === undefined ? undefined : (map.get(key)?.deref() as T | undefined);
}

function collectedAdapterRelease(handle: DeviceHandle, deviceName: string) {
  return {
    release(): void {
      warnCollected(`An adapter (${deviceName})`);
      native.deviceClose(handle);
    },
  };
}
