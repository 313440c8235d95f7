/**
 * What every object of one adapter shares about its device: whether the device is being removed,
 * whether ndk-verbs let go of everything on it, and which queue pairs and completion queues an
 * asynchronous event may name.
 *
 * @packageDocumentation
 */

import { NtStatus } from '../status/nt-status';
import { type Outcome, refused, SUCCESS } from './outcome';

/** @internal Shared by an adapter and all its descendants (through their `ChildLink`). */
export class DeviceState {
  /** The device is being removed (its removal, or `IBV_EVENT_DEVICE_FATAL`, was seen). */
  removed = false;
  /**
   * ndk-verbs let go of everything on the device (the default on removal): requests are refused
   * and pending ones complete with `STATUS_DEVICE_REMOVED`.
   */
  released = false;
  /** Queue pairs by QP number, for the events that name one. */
  readonly queuePairs = new Map<number, WeakRef<object>>();
  /** Completion queues by the id given to the addon at creation (`IBV_EVENT_CQ_ERR`). */
  readonly completionQueues = new Map<number, WeakRef<object>>();
  /** What `adapter.stats()` reports, kept up to date as objects change (reading it is free). */
  readonly counters = {
    registeredRegions: 0,
    registeredBytes: 0,
    pendingRequests: 0,
    completions: 0,
  };
  #nextCqId = 1;

  /** An id for a new completion queue, unique on this adapter. */
  nextCqId(): number {
    return this.#nextCqId++;
  }

  /**
   * The refusal of a request on an object (`what`, e.g. 'the queue pair'): `STATUS_DEVICE_REMOVED`
   * once the device's objects were released, `STATUS_INVALID_HANDLE` when the object is not open;
   * undefined when the request may go on.
   */
  refusal(isOpen: boolean, what: string): Outcome | undefined {
    return this.released || !isOpen ? this.closedRefusal(what) : undefined;
  }

  /** The refusal for an object that is closed, or was released with its removed device. */
  closedRefusal(what: string): Outcome {
    return this.released
      ? refused(NtStatus.STATUS_DEVICE_REMOVED, `the device was removed; ${what} was released`)
      : refused(NtStatus.STATUS_INVALID_HANDLE, `${what} is closed`);
  }

  /**
   * What a request that was pending when the device's objects were released completes with (an
   * outcome, or a work request's result): the same, as `STATUS_DEVICE_REMOVED`.
   */
  completion<T extends { readonly status: number }>(result: T): T {
    return this.released ? { ...result, status: NtStatus.STATUS_DEVICE_REMOVED } : result;
  }

  /**
   * A release (destroy, deregistration, close) after a removal: an `EIO` then means the kernel has
   * already freed the object (hardware that disassociates a removed device; rdma-core with
   * `RDMAV_ALLOW_DISASSOC_DESTROY`). It counts as released. Elsewhere the errno table stands.
   */
  releaseOutcome(outcome: Outcome): Outcome {
    return this.removed && outcome.errno === EIO ? SUCCESS : outcome;
  }
}

// The errno, as the addon reports it (Linux).
const EIO = 5;
