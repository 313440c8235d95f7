/**
 * What one soak worker holds: an adapter on each device (rxe0 local, rxe1 remote), each with a
 * protection domain and a completion queue, plus whatever the operations have made — regions,
 * windows, at most one connected queue pair, extra domains and queues. Its bookkeeping is the
 * worker's share of the model: `alive()` is what the kernel must hold for it.
 */

import {
  type Adapter,
  type CompletionPolicy,
  type CompletionQueue,
  type MemoryRegion,
  type MemoryWindow,
  openAdapter,
  type ProtectionDomain,
  type QueuePair,
} from '../../lib';
import { type Counts } from './model';

/** One adapter with its protection domain and completion queue. */
export interface Side {
  readonly adapter: Adapter;
  readonly pd: ProtectionDomain;
  readonly cq: CompletionQueue;
}

/** A region the worker made, and what the model knows of it. */
export interface Region {
  readonly mr: MemoryRegion;
  readonly side: 'local' | 'remote';
  readonly policy: CompletionPolicy;
  registered: boolean;
  /** The registered bytes (while registered). */
  bytes: Uint8Array | undefined;
  /** Windows bound over it: verbs refuses its deregistration while any is. */
  windows: number;
  /**
   * Whether the kernel still counts its registration. A refused deregistration (a bound window)
   * leaves the region registered and usable, but the kernel has already dropped it from its
   * resource tracking (`ib_dereg_mr_user` removes the entry before the driver refuses and never
   * puts it back), so `rdma resource show` no longer counts it until it is registered again.
   */
  kernelCounted: boolean;
}

/** A type 2 memory window on the local domain, and the region it is bound over, if any. */
export interface Window {
  readonly mw: MemoryWindow;
  boundTo: Region | undefined;
}

/** The connected pair: `responder` on rxe0 (the memory's side), `requester` on rxe1. */
export interface Pair {
  readonly responder: QueuePair;
  readonly requester: QueuePair;
}

/** How many regions a worker keeps at most (bounds its pinned memory). */
export const MAX_REGIONS = 16;

/** The objects of one worker. */
export class WorkerObjects {
  readonly regions: Region[] = [];
  readonly windows: Window[] = [];
  pair: Pair | undefined;
  readonly extraPds: ProtectionDomain[] = [];
  readonly extraCqs: CompletionQueue[] = [];

  private constructor(
    readonly local: Side,
    readonly remote: Side,
  ) {}

  /** Opens both adapters, each with a domain and a queue. */
  static async open(localDevice: string, remoteDevice: string): Promise<WorkerObjects> {
    const open = async (name: string): Promise<Side> => {
      const adapter = await openAdapter(name);
      return { adapter, pd: await adapter.createPd(), cq: await adapter.createCq() };
    };
    return new WorkerObjects(await open(localDevice), await open(remoteDevice));
  }

  /**
   * What the kernel must count for this worker now (no request pending): a region whose
   * deregistration was refused is registered but no longer counted (see `Region.kernelCounted`).
   */
  alive(): Counts {
    return {
      mr: this.regions.filter((region) => region.registered && region.kernelCounted).length,
      qp: this.pair === undefined ? 0 : 2,
      pd: 2 + this.extraPds.length,
      cq: 2 + this.extraCqs.length,
    };
  }

  /** Registered regions the kernel no longer counts (their deregistration was refused). */
  uncounted(): number {
    return this.regions.filter((region) => region.registered && !region.kernelCounted).length;
  }

  side(which: 'local' | 'remote'): Side {
    return which === 'local' ? this.local : this.remote;
  }

  /** Forgets `region` (closed or dropped). */
  dropRegion(region: Region): void {
    this.regions.splice(this.regions.indexOf(region), 1);
  }

  /** Closes `window`, unbinding it from its region in the model too. */
  async closeWindow(window: Window): Promise<void> {
    await window.mw.close();
    if (window.boundTo !== undefined) window.boundTo.windows -= 1;
    window.boundTo = undefined;
    this.windows.splice(this.windows.indexOf(window), 1);
  }

  /**
   * Closes the queue pair, windows first: rxe makes destroying a queue pair that a window is still
   * bound through wait ~50 s.
   */
  async closePair(): Promise<void> {
    for (const window of [...this.windows]) await this.closeWindow(window);
    const pair = this.pair;
    this.pair = undefined;
    await pair?.responder.close();
    await pair?.requester.close();
  }

  /** Closes everything, in the order the rules ask: windows, queue pair, then the adapters. */
  async closeAll(): Promise<void> {
    await this.closePair();
    for (const region of this.regions.splice(0)) await region.mr.close();
    await this.local.adapter.close();
    await this.remote.adapter.close();
    this.extraPds.length = 0;
    this.extraCqs.length = 0;
  }
}
