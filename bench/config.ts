/**
 * What the benchmark measures and how many times: one place to tune the run's length.
 * Iteration counts are scaled by size so that the whole run stays within a few minutes in the
 * TCG-emulated SoftRoCE VM while medians stay stable (checked across runs).
 *
 * @packageDocumentation
 */

const KiB = 1024;
const MiB = 1024 * KiB;

/** The device every measurement uses. */
export const DEVICE = process.env.NDK_VERBS_BENCH_DEVICE ?? 'rxe0';

/** Region sizes of the per-operation test, with register+deregister pairs per path. */
export const PER_OP_SIZES: ReadonlyArray<{ bytes: number; iterations: number }> = [
  { bytes: 4 * KiB, iterations: 2000 },
  { bytes: 64 * KiB, iterations: 1000 },
  { bytes: 1 * MiB, iterations: 400 },
  { bytes: 16 * MiB, iterations: 100 },
  { bytes: 64 * MiB, iterations: 50 },
];

/**
 * The per-operation iterations run in this many rounds, the paths interleaved (C, inline,
 * deferred, promise, then again), so a slow phase of the emulator does not fall on one path.
 */
export const PER_OP_ROUNDS = 5;

/** Untimed pairs before each path's timed ones in a round. */
export const PER_OP_WARMUP = 5;

/**
 * Untimed 4 KiB pairs per Node path once, before the first size: V8 tiers the register and
 * deregister paths up over the first thousands of calls. Counted time showed it: without this, the
 * first size's inline median was 47.8 µs where the same pair cost 34 µs later in the same process.
 */
export const PER_OP_JIT_WARMUP = 2000;

/** Event-loop test: 16 × 64 MiB = 1 GiB registered, then deregistered, `rounds` times. */
export const EVENT_LOOP = { regionBytes: 64 * MiB, regionCount: 16, rounds: 8, resolutionMs: 1 };

/**
 * Concurrency test: 1,000 × 1 MiB, deregistered all at once vs one by one, `rounds` times; then
 * `batchTimedRounds` `pd.deregisterMany()` batches in a row. `batchWarmupRounds` untimed batches
 * come first: counted time showed V8 tiering the batch path up
 * over its first five or six batches of 1,000 (the first cost 25–30 µs per region, the seventh on
 * 6.5 µs), as the per-operation test warms its paths up before timing them. Sixteen, not eight:
 * after the deferred and inline rounds that share its code, the first three timed batches of eight
 * still kept the event loop busy 0.71–0.79 ms against 0.58–0.62 ms for the later ones (counted).
 */
export const CONCURRENCY = {
  regionBytes: 1 * MiB,
  count: 1000,
  rounds: 3,
  batchWarmupRounds: 16,
  batchTimedRounds: 9,
};

/**
 * Spawn test: median of `samples` spawns of /bin/true with nothing registered, then with `bytes`
 * of allocate() memory registered, then with a `bytes` Buffer.alloc Buffer registered.
 */
export const SPAWN = { bytes: 1024 * MiB, samples: 7 };

/** Leak check: register/deregister cycles at 4 KiB, inline. */
export const LEAK = {
  bytes: 4 * KiB,
  cycles: 100_000,
  warmupCycles: 2000,
  /** Run fewer cycles (and say so) if the measured rate says the full count takes longer. */
  maxSeconds: 300,
};

/**
 * Scale test: 4 KiB regions held on one PD at each level (one after the other, adding to those
 * already held); at each level `pairs` register + deregister pairs of one more region are timed
 * per path. The levels stay below rxe's `max_mr` (524,287 on the VM's kernel).
 */
export const SCALE = {
  bytes: 4 * KiB,
  levels: [1000, 10_000, 100_000] as readonly number[],
  pairs: 400,
  deferredPairs: 200,
  // Inline pairs run after the memory baseline, so the first level's registrations run warm.
  warmupPairs: 200,
};

/**
 * Scale over objects: protection domains on one adapter, and adapters (each its own device context
 * on the same device, with a domain), with `pairs` inline register + deregister pairs of a 4 KiB
 * region timed at each level. rxe allows 32,764 domains per device; contexts are limited by file
 * descriptors only.
 */
export const OBJECT_SCALE = {
  bytes: 4 * KiB,
  pairs: 200,
  pdLevels: [1, 10, 100, 1000] as readonly number[],
  adapterLevels: [1, 4, 16] as readonly number[],
};
