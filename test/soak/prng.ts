/**
 * The soak's seeded pseudo-random numbers (mulberry32): the same seed gives the same sequence on
 * every run, so a failing run's seed replays its choices. Each worker gets its own stream, derived
 * from the run's seed and the worker's serial number, so workers do not consume each other's
 * numbers and a replay gives every worker the same operations as before.
 */

/** A seeded stream of numbers. */
export class Prng {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** One of `items`, each as likely as its weight (weights > 0; at least one item). */
  weighted<T>(items: ReadonlyArray<{ readonly weight: number; readonly item: T }>): T {
    const total = items.reduce((sum, entry) => sum + entry.weight, 0);
    let at = this.next() * total;
    for (const entry of items) {
      at -= entry.weight;
      if (at < 0) return entry.item;
    }
    return (items[items.length - 1] as { item: T }).item;
  }
}

/** The seed of the stream a sub-task (a worker, the runner's schedule) derives from `seed`. */
export function deriveSeed(seed: number, stream: number): number {
  return (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(stream + 1, 0xc2b2ae35)) >>> 0;
}

/** A fresh seed for a run that was not given one. */
export function randomSeed(): number {
  return (Date.now() ^ (process.pid << 16) ^ Math.floor(Math.random() * 2 ** 32)) >>> 0;
}
