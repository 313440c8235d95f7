/**
 * A parent's view of its children (better-sqlite3 style: the parent tracks its children, each child
 * holds its parent). Children are held weakly so an unreachable child can still be collected.
 *
 * @packageDocumentation
 */

/** What every child object has: a close that settles once it is closed. */
export interface Closable {
  close(): Promise<void>;
  /**
   * When a parent's `close()` closes this child, among its siblings: lower first. Memory windows
   * (0) go first: a bound window keeps its region from deregistering, and rxe makes destroying the
   * queue pair it was bound through wait ~50 s for it. Then queue pairs (1), so nothing reaches
   * memory any more; then regions and domains (2, the default); completion queues (3) last, since
   * queue pairs complete into them.
   */
  readonly closeRank?: number;
}

/** The live children of one parent object. */
export class Children<T extends object> {
  readonly #refs = new Set<WeakRef<T>>();
  #whenEmpty: Array<() => void> = [];

  /** Starts tracking `child`; the returned token is what {@link release} takes. */
  add(child: T): WeakRef<T> {
    const ref = new WeakRef(child);
    this.#refs.add(ref);
    return ref;
  }

  /** The child behind `ref` is closed, or was collected and released. */
  release(ref: WeakRef<T>): void {
    if (!this.#refs.delete(ref) || this.#refs.size > 0) return;
    const waiting = this.#whenEmpty;
    this.#whenEmpty = [];
    for (const callback of waiting) callback();
  }

  /** How many children are not yet released (collected ones count until their release ran). */
  get count(): number {
    return this.#refs.size;
  }

  /** The children that are still reachable. */
  reachable(): T[] {
    const result: T[] = [];
    for (const ref of this.#refs) {
      const child = ref.deref();
      if (child !== undefined) result.push(child);
    }
    return result;
  }

  /** Calls `callback` once, as soon as no child is left (immediately-later if none is). */
  whenEmpty(callback: () => void): void {
    if (this.#refs.size === 0) setImmediate(callback);
    else this.#whenEmpty.push(() => setImmediate(callback));
  }
}
