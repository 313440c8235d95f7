/**
 * The life of every ndk-verbs object, in one place:
 * - its states ({@link ObjectState});
 * - parents and children (better-sqlite3 style: the parent tracks its children weakly, each child
 *   holds its parent through its {@link ChildLink}), and a parent's close, which waits for its
 *   children (NDK rule) or closes them first (promise API);
 * - collection: an object that becomes unreachable while open is released, not leaked, with a
 *   process warning naming it (as Node's FileHandle does);
 * - the warning for a close whose verbs call failed (a close never fails).
 *
 * @packageDocumentation
 */

import { NtStatus } from '../status/nt-status';
import { type DeviceState } from './device-state';
import { kCloseRank, kRequestClose } from './internal';
import { errorOf, type Outcome, PENDING, SUCCESS } from './outcome';

/** Where an object is in its life. */
export enum ObjectState {
  /** Usable. */
  Open = 'open',
  /** `NdkCloseObject` / `close()` was called; waiting for a pending request or for children. */
  Closing = 'closing',
  /**
   * Released. Every call on it answers `STATUS_INVALID_HANDLE` (`STATUS_DEVICE_REMOVED` when it was
   * released because its device was removed).
   */
  Closed = 'closed',
}

// ---- parents and children ----

/** @internal What every child object has: a close, as NDK-style request and as promise. */
export interface Closable {
  close(): Promise<void>;
  [kRequestClose](done: () => void): Outcome;
  /**
   * When a parent's `close()` closes this child, among its siblings: lower first. Memory windows
   * (0) go first: a bound window keeps its region from deregistering, and rxe makes destroying the
   * queue pair it was bound through wait ~50 s for it. Then queue pairs (1), so nothing reaches
   * memory any more; then regions and domains (2, the default); completion queues (3) last, since
   * queue pairs complete into them.
   */
  readonly [kCloseRank]?: number;
}

/**
 * @internal What a child learns from its parent when it is created. It holds `parent`, so a
 * reachable child keeps its parent alive, and registers itself in `siblings`, the parent's list.
 */
export interface ChildLink {
  readonly parent: object;
  /** The verbs device name, for warnings. */
  readonly deviceName: string;
  /** Shared by every object of the adapter: removal, and the objects events name. */
  readonly device: DeviceState;
  readonly siblings: Children;
}

/** @internal The live children of one parent object, held weakly so a child can be collected. */
export class Children {
  readonly #refs = new Set<WeakRef<Closable>>();
  #whenEmpty: Array<() => void> = [];

  /** Starts tracking `child`; the returned token is what {@link release} takes. */
  add(child: Closable): WeakRef<Closable> {
    const ref = new WeakRef(child);
    this.#refs.add(ref);
    return ref;
  }

  /** The child behind `ref` is closed, or was collected and released. */
  release(ref: WeakRef<Closable>): void {
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
  reachable(): Closable[] {
    const result: Closable[] = [];
    for (const ref of this.#refs) {
      const child = ref.deref();
      if (child !== undefined) result.push(child);
    }
    return result;
  }

  /** Calls `callback` once, in a later turn, as soon as no child is left. */
  whenEmpty(callback: () => void): void {
    if (this.#refs.size === 0) setImmediate(callback);
    else this.#whenEmpty.push(() => setImmediate(callback));
  }
}

/**
 * @internal The lifecycle of an object with children (adapter, protection domain, completion
 * queue), owned privately by it: `NdkCloseObject` stays `STATUS_PENDING` until the last child is
 * closed, while `close()` closes the children first, by rank, then the object.
 */
export class ParentLifecycle {
  readonly children = new Children();
  #state = ObjectState.Open;
  #closed: Promise<void> | undefined;
  readonly #releaseNative: () => void;
  readonly #device: DeviceState;

  /** `releaseNative` releases the verbs object; it never fails (problems become warnings). */
  constructor(device: DeviceState, releaseNative: () => void) {
    this.#device = device;
    this.#releaseNative = releaseNative;
  }

  get state(): ObjectState {
    return this.#state;
  }

  get isOpen(): boolean {
    return this.#state === ObjectState.Open;
  }

  /** `NdkCloseObject`: `STATUS_PENDING` until every child is closed. */
  requestClose(done: () => void): Outcome {
    if (this.#state !== ObjectState.Open) {
      return this.#device.closedRefusal('the object');
    }
    this.#state = ObjectState.Closing;
    if (this.children.count === 0) {
      this.#release();
      return SUCCESS;
    }
    this.children.whenEmpty(() => {
      this.#release();
      done();
    });
    return PENDING;
  }

  /** Closes every child, then the object. Closing twice is harmless. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      const children = this.children.reachable();
      const ranks = [...new Set(children.map(closeRankOf))].sort((a, b) => a - b);
      for (const rank of ranks) {
        const group = children.filter((child) => closeRankOf(child) === rank);
        await Promise.all(group.map((child) => child.close()));
      }
      await closed((done) => this.requestClose(done));
    })();
    return this.#closed;
  }

  #release(): void {
    this.#state = ObjectState.Closed;
    this.#releaseNative();
  }
}

function closeRankOf(child: Closable): number {
  return child[kCloseRank] ?? 2;
}

/**
 * @internal A promise for an NDK-style close: resolved at once when the close completed
 * (`STATUS_SUCCESS`, or a refusal because the object is already closed), else when its completion
 * runs.
 */
export function closed(requestClose: (done: () => void) => Outcome): Promise<void> {
  return new Promise<void>((resolve) => {
    if (requestClose(resolve).status !== NtStatus.STATUS_PENDING) resolve();
  });
}

// ---- collection ----

/** @internal What to run once an object has been collected; must not reference the object. */
export interface CollectedRelease {
  release(): void;
}

const registry = new FinalizationRegistry<CollectedRelease>((held) => held.release());

/**
 * @internal Arranges for `held.release()` to run after `target` is garbage-collected.
 * `forgettable: false` registers without an unregister token, for objects held by the hundred
 * thousand (the token costs the registry an entry per object): `held.release()` must then tell
 * for itself that `target` was closed, and {@link forgetCollected} does not apply.
 */
export function releaseWhenCollected(
  target: object,
  held: CollectedRelease,
  forgettable = true,
): void {
  if (forgettable) registry.register(target, held, target);
  else registry.register(target, held);
}

/** @internal `target` was closed properly: nothing to do when it is collected. */
export function forgetCollected(target: object): void {
  registry.unregister(target);
}

/** @internal The warning for an object that was collected while still open. */
export function warnCollected(what: string): void {
  process.emitWarning(
    `${what} was garbage-collected while open; ndk-verbs released it. ` +
      'Close objects explicitly (close(), Symbol.asyncDispose or NdkCloseObject).',
    { type: 'NdkVerbsWarning', code: 'NDK_VERBS_COLLECTED_WHILE_OPEN' },
  );
}

// ---- a close whose verbs call failed ----

/**
 * @internal A close never fails: when its verbs call does (`outcome` not `STATUS_SUCCESS`), a
 * process warning says so, and the native handle releases the object when it is collected or when
 * the environment ends.
 */
export function warnIfCloseFailed(
  what: string,
  outcome: Outcome,
  code: 'NDK_VERBS_CLOSE_FAILED' | 'NDK_VERBS_CLOSE_DEREGISTER_FAILED' = 'NDK_VERBS_CLOSE_FAILED',
): void {
  if (outcome.status === NtStatus.STATUS_SUCCESS) return;
  process.emitWarning(`closing ${what}: ${errorOf(outcome).message}`, {
    type: 'NdkVerbsWarning',
    code,
  });
}
