/**
 * The soak run: phases of random operations from several workers, each phase ended by quiescing
 * every worker and checking the process against the model; every few phases (and at the end) a
 * drain, where every worker goes — some close everything and exit, others are terminated with
 * whatever they hold — and the process must be back where it started. The first drain ends the
 * warm-up: its RSS is the reference later drains are held to.
 */

import { openSync } from 'node:fs';
import {
  type Baseline,
  judge,
  type Moment,
  observe,
  type Observation,
  type RssReference,
} from './checks';
import { type LeakKind } from './messages';
import { type Counts, ProcessModel, type WorkerReport } from './model';
import { deriveSeed, Prng } from './prng';
import { WorkerHandle } from './worker-handle';

/** How a run is shaped (the CLI's options). */
export interface SoakOptions {
  readonly minutes: number;
  readonly seed: number;
  readonly workers: number;
  readonly phaseSeconds: number;
  /** A drain after this many phases. */
  readonly drainEvery: number;
  readonly devices: readonly [string, string];
  readonly injectLeak: LeakKind | undefined;
  /** How long a worker may take to answer (start, quiesce, close, terminate). */
  readonly workerTimeoutMs: number;
  /** How long the kernel and the process may take to match the model after a quiesce. */
  readonly settleMs: number;
  /** Allowed RSS growth of a drained process over the warm-up reference. */
  readonly rssToleranceBytes: number;
}

/** What the run tells its progress display. */
export interface SoakProgress {
  update(elapsedSeconds: number, phase: string): void;
}

/** One check's record. */
export interface CheckRecord {
  readonly phase: string;
  readonly expected: Counts;
  /** Registered regions the kernel does not count, not in `expected` (see model.ts). */
  readonly uncountedMrs: number;
  readonly observation: Observation;
  /** How long until the observation matched (0: the first look did), or until the check gave up. */
  readonly settleMs: number;
  readonly failures: readonly string[];
}

/** The run's outcome. */
export interface SoakResult {
  readonly checks: CheckRecord[];
  /** Failures outside the checks: failed predictions in workers, workers that hung or crashed. */
  readonly failures: string[];
  readonly operations: Record<string, number>;
  readonly baseline: Baseline;
  readonly rss: RssReference | undefined;
  readonly workersStarted: number;
  readonly workersTerminated: number;
  readonly workersClosed: number;
  readonly elapsedSeconds: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class SoakRun {
  readonly #options: SoakOptions;
  readonly #progress: SoakProgress;
  readonly #rng: Prng;
  readonly #model = new ProcessModel();
  readonly #workers = new Map<number, WorkerHandle>();
  readonly #checks: CheckRecord[] = [];
  readonly #failures: string[] = [];
  // Each worker's cumulative operation counts, as its last report gave them.
  readonly #operations = new Map<number, Record<string, number>>();
  readonly #started = Date.now();
  #baseline!: Baseline;
  #rss: RssReference | undefined;
  #serial = 0;
  #terminated = 0;
  #closed = 0;
  #phase = 'start';

  constructor(options: SoakOptions, progress: SoakProgress) {
    this.#options = options;
    this.#progress = progress;
    this.#rng = new Prng(deriveSeed(options.seed, 0xffff));
  }

  /** Runs to the end or to the first failed check; the result says which. */
  async run(baseline: Baseline): Promise<SoakResult> {
    this.#baseline = baseline;
    const endAt = this.#started + this.#options.minutes * 60_000;
    const ticker = setInterval(() => this.#tick(), 1000);
    try {
      let phase = 0;
      while (this.#ok() && Date.now() < endAt) {
        this.#phase = `starting workers for phase ${phase + 1}`;
        await this.#fill();
        // At least one phase per round, however long the workers took to start: a round of no
        // operations would check nothing.
        for (let i = 0; i < this.#options.drainEvery && this.#ok(); i++) {
          if (i > 0 && Date.now() >= endAt) break;
          phase += 1;
          this.#phase = `phase ${phase}`;
          const left = Math.max(1000, endAt - Date.now());
          await this.#runPhase(Math.min(this.#options.phaseSeconds * 1000, left));
          if (this.#ok()) await this.#check(false);
        }
        this.#phase = `drain after phase ${phase}`;
        await this.#drain();
        if (this.#ok()) await this.#check(true);
      }
    } catch (error) {
      this.#failures.push(`${this.#phase}: ${(error as Error).message}`);
    } finally {
      clearInterval(ticker);
      await this.#terminateAll();
    }
    return {
      checks: this.#checks,
      failures: this.#failures,
      operations: this.#operationTotals(),
      baseline: this.#baseline,
      rss: this.#rss,
      workersStarted: this.#serial,
      workersTerminated: this.#terminated,
      workersClosed: this.#closed,
      elapsedSeconds: (Date.now() - this.#started) / 1000,
    };
  }

  #ok(): boolean {
    return (
      this.#failures.length === 0 && this.#checks.every((check) => check.failures.length === 0)
    );
  }

  #tick(): void {
    this.#progress.update((Date.now() - this.#started) / 1000, this.#phase);
  }

  /** Starts workers until there are `workers` of them. */
  async #fill(): Promise<void> {
    const starting: Array<Promise<WorkerHandle>> = [];
    while (this.#workers.size + starting.length < this.#options.workers)
      starting.push(this.#startOne());
    for (const handle of await Promise.all(starting)) this.#workers.set(handle.serial, handle);
  }

  async #startOne(): Promise<WorkerHandle> {
    const serial = this.#serial++;
    const [localDevice, remoteDevice] = this.#options.devices;
    const handle = await WorkerHandle.start(
      {
        serial,
        seed: deriveSeed(this.#options.seed, serial),
        localDevice,
        remoteDevice,
        injectLeak: this.#options.injectLeak,
      },
      this.#options.workerTimeoutMs,
    );
    // Until its first report: both adapters with a domain and a queue each.
    this.#model.update(serial, { mr: 0, qp: 0, pd: 2, cq: 2 });
    return handle;
  }

  /**
   * Lets every worker run for `ms`, meanwhile terminating or closing a random worker now and then
   * and starting its replacement at once.
   */
  async #runPhase(ms: number): Promise<void> {
    for (const handle of this.#workers.values()) handle.run();
    const phaseEnd = Date.now() + ms;
    const events = this.#rng.int(0, 2);
    const times = Array.from({ length: events }, () => this.#rng.int(0, ms)).sort((a, b) => a - b);
    const phaseStart = Date.now();
    for (const at of times) {
      await sleep(Math.max(0, phaseStart + at - Date.now()));
      const victim = this.#rng.pick([...this.#workers.values()]);
      await this.#retire(victim, this.#rng.chance(0.6) ? 'terminate' : 'close');
      const replacement = await this.#startOne();
      this.#workers.set(replacement.serial, replacement);
      replacement.run();
    }
    await sleep(Math.max(0, phaseEnd - Date.now()));
    const reports = await Promise.all(
      [...this.#workers.values()].map((handle) => handle.quiesce()),
    );
    for (const report of reports) this.#take(report);
  }

  #take(report: WorkerReport, final = false): void {
    this.#operations.set(report.serial, report.operations);
    if (final) this.#model.forget(report.serial);
    else this.#model.update(report.serial, report.alive, report.uncountedMrs);
    for (const failure of report.failures)
      this.#failures.push(`${this.#phase}, worker ${report.serial}: ${failure}`);
  }

  /** Worker `handle` goes: terminated as it is, or closing everything first. */
  async #retire(handle: WorkerHandle, how: 'terminate' | 'close'): Promise<void> {
    this.#workers.delete(handle.serial);
    if (how === 'terminate') {
      await handle.terminate();
      this.#terminated += 1;
      this.#model.forget(handle.serial);
    } else {
      const report = await handle.close();
      this.#closed += 1;
      this.#take(report, true);
    }
  }

  // A terminated worker's operations since its last report are not counted.
  #operationTotals(): Record<string, number> {
    const totals: Record<string, number> = {};
    for (const counts of this.#operations.values()) {
      for (const [name, n] of Object.entries(counts)) totals[name] = (totals[name] ?? 0) + n;
    }
    return totals;
  }

  async #drain(): Promise<void> {
    if (this.#options.injectLeak === 'fd') openSync('/dev/null', 'r'); // deliberately never closed
    const handles = [...this.#workers.values()];
    const reports = await Promise.all(handles.map((handle) => handle.quiesce()));
    for (const report of reports) this.#take(report);
    await Promise.all(
      handles.map((handle) => this.#retire(handle, this.#rng.chance(0.5) ? 'terminate' : 'close')),
    );
  }

  /**
   * Checks the process against the model, polling for up to `settleMs` for it to match (releases
   * that follow a termination finish on other threads).
   */
  async #check(drained: boolean): Promise<void> {
    const expected = this.#model.expected();
    const moment: Moment = { drained, ...(this.#rss ? { rss: this.#rss } : {}) };
    let observation = observe(this.#options.devices, this.#baseline);
    let failures = judge(expected, observation, this.#baseline, moment);
    const firstLook = Date.now();
    while (failures.length > 0 && Date.now() - firstLook < this.#options.settleMs) {
      await sleep(100);
      observation = observe(this.#options.devices, this.#baseline);
      failures = judge(expected, observation, this.#baseline, moment);
    }
    const settleMs = Date.now() - firstLook;
    this.#checks.push({
      phase: this.#phase,
      expected,
      uncountedMrs: this.#model.uncountedMrs(),
      observation,
      settleMs,
      failures,
    });
    if (drained && this.#rss === undefined && failures.length === 0) {
      this.#rss = { bytes: observation.rssBytes, toleranceBytes: this.#options.rssToleranceBytes };
    }
  }

  async #terminateAll(): Promise<void> {
    const handles = [...this.#workers.values()];
    this.#workers.clear();
    await Promise.allSettled(handles.map((handle) => handle.terminate()));
  }
}
