/**
 * The soak's model: what the kernel must hold for this process, as the workers report it. Each
 * worker knows which of its objects are alive (registered regions, queue pairs, protection domains,
 * completion queues); a worker that was terminated or that closed everything and exited holds
 * nothing — its environment cleanup must have released whatever it still had. The model of the
 * process is the sum over the workers that are running.
 */

/** The kernel objects the soak counts (those `rdma resource show` lists per process). */
export const KINDS = ['mr', 'qp', 'pd', 'cq'] as const;
export type Kind = (typeof KINDS)[number];

/** A count of each kernel object kind. */
export type Counts = Record<Kind, number>;

/** No objects at all. */
export const NONE: Counts = Object.freeze({ mr: 0, qp: 0, pd: 0, cq: 0 });

/** The sum of several counts. */
export function sumCounts(counts: Iterable<Counts>): Counts {
  const total: Counts = { ...NONE };
  for (const count of counts) for (const kind of KINDS) total[kind] += count[kind];
  return total;
}

/** What one quiesced worker reports to the runner. */
export interface WorkerReport {
  /** The worker's serial number (its PRNG stream). */
  readonly serial: number;
  /** What the kernel must count for the worker now, by its own bookkeeping. */
  readonly alive: Counts;
  /**
   * Regions registered but not counted by the kernel: their deregistration was refused while a
   * window was bound, and the kernel dropped them from its resource tracking all the same.
   */
  readonly uncountedMrs: number;
  /** Operations run since the worker started, by name. */
  readonly operations: Record<string, number>;
  /** Expectations that failed (an operation's outcome differed from what the model predicts). */
  readonly failures: string[];
}

/** The model of the whole process: the sum of the running workers' last reports. */
export class ProcessModel {
  readonly #workers = new Map<number, Counts>();
  readonly #uncounted = new Map<number, number>();

  /** Worker `serial` now holds `alive`, and `uncountedMrs` regions the kernel does not count. */
  update(serial: number, alive: Counts, uncountedMrs = 0): void {
    this.#workers.set(serial, { ...alive });
    this.#uncounted.set(serial, uncountedMrs);
  }

  /** Worker `serial` is gone (exited or terminated): it holds nothing any more. */
  forget(serial: number): void {
    this.#workers.delete(serial);
    this.#uncounted.delete(serial);
  }

  /** Registered regions the kernel does not count (beyond `expected().mr`). */
  uncountedMrs(): number {
    let total = 0;
    for (const n of this.#uncounted.values()) total += n;
    return total;
  }

  /** What the kernel must hold for this process. */
  expected(): Counts {
    return sumCounts(this.#workers.values());
  }
}
