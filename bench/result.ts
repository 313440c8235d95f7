/**
 * The shape of one benchmark run: what `bench/run.ts` measures inside the VM (or on an RDMA host)
 * and prints after {@link RESULT_MARKER}, and what `bench/report.ts` turns into the table, the JSON
 * file and the SVG chart.
 *
 * @packageDocumentation
 */

/** Prefix of the one stdout line that carries the JSON result out of the VM. */
export const RESULT_MARKER = 'NDKV-BENCH-RESULT ';

/** Summary of per-operation samples, in microseconds. */
export interface Summary {
  readonly n: number;
  readonly medianUs: number;
  readonly p99Us: number;
  readonly meanUs: number;
}

/** The four ways of doing one register + deregister pair that the benchmark compares. */
export type PathName = 'c' | 'inline' | 'deferred' | 'promise';

/** Register + deregister cost at one region size. */
export interface PerOpRow {
  readonly bytes: number;
  readonly iterations: number;
  readonly paths: Record<PathName, Summary>;
  /** Median of each Node path divided by the C median. */
  readonly ratioToC: Record<Exclude<PathName, 'c'>, number>;
  /**
   * The C loop with each call handed to a second thread (the caller sleeping in poll() until it is
   * done): what any deferred completion costs on this machine before ndk-verbs adds anything.
   */
  readonly cHop: Summary;
  /** The deferred median divided by the C hop median. */
  readonly deferredToCHop: number;
  /** The promise API over a `'deferred'` region (4 KiB only). */
  readonly promiseDeferred?: Summary;
}

/**
 * Event-loop delay seen by `monitorEventLoopDelay`, in milliseconds. Over several watched phases:
 * the largest delay and the largest per-phase 99th percentile.
 */
export interface Delay {
  readonly maxMs: number;
  readonly p99Ms: number;
  readonly samples: number;
}

/** One completion policy in the event-loop test. */
export interface PolicyDelays {
  readonly register: Delay;
  readonly deregister: Delay;
  /** Median wall time of one deregistration phase (all regions), ms. */
  readonly deregisterWallMs: number;
  /**
   * Median time the event loop was busy (not waiting for events) during one deregistration phase,
   * ms (`performance.eventLoopUtilization`): what the phase cost the JS thread, noise-free of timer
   * jitter.
   */
  readonly deregisterBusyMs: number;
}

/** Event-loop responsiveness while registering and deregistering ≥ 1 GiB. */
export interface EventLoopResult {
  readonly regionBytes: number;
  readonly regionCount: number;
  readonly rounds: number;
  readonly resolutionMs: number;
  /** The same monitor over an idle event loop: the noise floor of this machine. */
  readonly idle: Delay;
  readonly inline: PolicyDelays;
  readonly deferred: PolicyDelays;
}

/** Deregistration throughput: all requests at once (deferred) vs one by one. */
export interface ConcurrencyResult {
  readonly regionBytes: number;
  readonly count: number;
  readonly rounds: number;
  /** Regions per second, median over rounds. */
  readonly cSequentialPerS: number;
  readonly deferredConcurrentPerS: number;
  readonly inlineSequentialPerS: number;
  /** C with as many threads as ndk-verbs' request queue may use, deregistering in parallel. */
  readonly cParallelPerS: number;
  readonly cParallelThreads: number;
  readonly cRoundsPerS: readonly number[];
  readonly deferredRoundsPerS: readonly number[];
  /** deferredConcurrentPerS / cSequentialPerS. */
  readonly ratio: number;
  /** `pd.deregisterMany()` of all the regions (absent for a build without it). */
  readonly batch?: BatchDeregistration;
}

/** One `pd.deregisterMany()` of every region of the throughput test, median over rounds. */
export interface BatchDeregistration {
  /** Regions per second. */
  readonly perS: number;
  readonly roundsPerS: readonly number[];
  /** perS / cSequentialPerS. */
  readonly ratio: number;
  /** Time the event loop was busy during the batch / the batch's duration (call to resolution). */
  readonly busyFraction: number;
  /** Median time the event loop was busy during a batch, ms (absent in results of older builds). */
  readonly busyMs?: number;
  /** The lowest and highest {@link busyFraction} of the rounds (absent in older results). */
  readonly busyFractionRange?: readonly [number, number];
  /** The batch's duration, ms. */
  readonly wallMs: number;
  /**
   * Counted part only: how many request threads ran at the lowest priority during the batches (see
   * request-threads.ts); the busy figures mean the loop's own work only when it is above 0.
   */
  readonly requestThreadsLowered?: number;
}

/** RSS and kernel MR count around many register/deregister cycles. */
export interface LeakResult {
  readonly requestedCycles: number;
  readonly cycles: number;
  readonly bytes: number;
  /** Cycles per second measured first, on the warm-up cycles. */
  readonly warmupRatePerS: number;
  readonly ratePerS: number;
  readonly rssBeforeBytes: number;
  readonly rssAfterBytes: number;
  /**
   * RSS after a garbage collection at each tenth of the cycles: a leak grows it steadily, while the
   * heap and allocator settling in show as early growth that stops.
   */
  readonly rssCheckpoints: ReadonlyArray<{ cycles: number; rssBytes: number }>;
  /** RSS growth per cycle over the second half of the run (bytes; least squares). */
  readonly secondHalfBytesPerCycle: number;
  readonly mrBefore: number;
  readonly mrAfter: number;
  /** Why fewer cycles than requested ran, when they did. */
  readonly reducedBecause?: string;
}

/** Median `child_process.spawnSync('/bin/true')` time with and without memory registered. */
export interface SpawnResult {
  /** Bytes registered in each of the two registered cases. */
  readonly bytes: number;
  /** Timed spawns per case (after one untimed). */
  readonly samples: number;
  /** `ibv_is_fork_initialized()`, as `diagnostics()` reports it. */
  readonly forkSupport: string;
  /** Median spawn, ms, with nothing registered. */
  readonly baselineMs: number;
  /** Median spawn, ms, with `bytes` of `allocate()` memory registered. */
  readonly allocatedMs: number;
  /** Median spawn, ms, with a `bytes` `Buffer.alloc` Buffer registered. */
  readonly bufferMs: number;
  /** allocatedMs / baselineMs. */
  readonly allocatedRatio: number;
  /** bufferMs / baselineMs. */
  readonly bufferRatio: number;
}

/** Where the figures came from. */
export interface MachineInfo {
  readonly place: string;
  readonly nproc: number;
  readonly cpuModel: string;
  readonly kernel: string;
  readonly node: string;
  readonly memTotalMiB: number;
  readonly device: string;
  readonly uvThreadpoolSize: number;
  /** Filled in on the host by the report when the run was in the VM. */
  hostCpuModel?: string;
  hostNproc?: number;
}

/** Cost and memory with `held` 4 KiB regions registered on one PD. */
export interface ScaleRow {
  readonly held: number;
  /** Mean `NdkCreateMr` per region while creating the regions up to this level, µs. */
  readonly createUsPerRegion: number;
  /** Mean inline `NdkRegisterMr` per region while registering up to this level, µs. */
  readonly registerUsPerRegion: number;
  /** Mean inline `NdkDeregisterMr` per region from this level down to the level below, µs. */
  readonly deregisterUsPerRegion: number;
  /** Register + deregister pairs of one more region with `held` held: C, NDK inline, deferred. */
  readonly c: Summary;
  readonly inline: Summary;
  readonly deferred: Summary;
  /** Growth of RSS since before the first region, per held region (bytes; after a GC). */
  readonly rssBytesPerRegion: number;
  /** Growth of the V8 heap in use since before the first region, per held region (bytes). */
  readonly heapBytesPerRegion: number;
  /**
   * Growth of what V8's young generation has committed since before the first region, in all
   * (bytes; part of the RSS growth). Empty after the GC the figures follow, it is sized by the
   * allocation rate, not by what the process holds: not memory per region. Absent in results of
   * builds measured before it was recorded.
   */
  readonly youngGenerationBytes?: number;
  /**
   * The same RSS growth per region for the C program holding as many 4 KiB regions laid out the
   * same way: what libibverbs and malloc take per `ibv_reg_mr`. ndk-verbs' own part is the
   * difference.
   */
  readonly cRssBytesPerRegion?: number;
}

/** Test 6: cost and memory against the number of regions held. */
export interface ScaleResult {
  readonly bytes: number;
  readonly pairs: number;
  readonly deferredPairs: number;
  readonly rows: readonly ScaleRow[];
}

/** Cost and memory with `count` protection domains, or adapters, open. */
export interface ObjectScaleRow {
  readonly count: number;
  /** Inline register + deregister pairs of a 4 KiB region on the newest object. */
  readonly inline: Summary;
  /** RSS growth since before the first object, per object (bytes; after a GC). */
  readonly rssBytesPerObject: number;
}

/** Test 7: cost and memory against the number of protection domains and adapters. */
export interface ObjectScaleResult {
  readonly bytes: number;
  readonly pairs: number;
  readonly pds: readonly ObjectScaleRow[];
  readonly adapters: readonly ObjectScaleRow[];
}

/**
 * How a part's times were taken: `instructions` when the guest clock counted instructions (QEMU
 * `-icount`, one vCPU: repeatable, single-threaded), `wall` for real (or emulated) elapsed time.
 */
export type Clock = 'instructions' | 'wall';

/** What every part of a run records about itself. */
interface PartHeader {
  readonly version: 2;
  readonly clock: Clock;
  /** `A` or `B` in a `--compare` run (A: the other ref's build, B: this checkout's). */
  readonly label?: string;
  readonly startedAt: string;
  readonly durationS: number;
  readonly machine: MachineInfo;
  readonly autoInlineLimitBytes: number;
}

/**
 * The single-threaded costs, measured with a counted clock where the VM offers one: register +
 * deregister per size, deregistration rates, and scale.
 */
export interface CountedPart extends PartHeader {
  readonly part: 'counted';
  readonly perOp: readonly PerOpRow[];
  readonly concurrency: ConcurrencyResult;
  readonly scale: ScaleResult;
  /** Absent from results of runs before it existed. */
  readonly objects?: ObjectScaleResult;
}

/** What needs threads running in parallel or real elapsed time: always wall-clock, 2 vCPUs. */
export interface WallPart extends PartHeader {
  readonly part: 'wall';
  readonly eventLoop: EventLoopResult;
  readonly concurrency: ConcurrencyResult;
  readonly leak: LeakResult;
  readonly spawn: SpawnResult;
}

/** One part, as a measuring process prints it. */
export type PartResult = CountedPart | WallPart;

/** A whole run: its two parts. */
export interface BenchResult {
  readonly version: 2;
  readonly counted: CountedPart;
  readonly wall: WallPart;
  /** Wall time of the whole `npm run bench`, VM boots included; set by the report. */
  wallS?: number;
}

/**
 * ndk-verbs' own memory per held region: its RSS growth per region, less V8's young generation
 * (a fixed cost, see {@link ScaleRow.youngGenerationBytes}) and less the C program's RSS per region
 * (what libibverbs and malloc take per `ibv_reg_mr`). Undefined without a C figure.
 */
export function ownBytesPerRegion(row: ScaleRow): number | undefined {
  if (row.cRssBytesPerRegion === undefined) return undefined;
  return (
    row.rssBytesPerRegion - (row.youngGenerationBytes ?? 0) / row.held - row.cRssBytesPerRegion
  );
}
