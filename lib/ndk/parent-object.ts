/**
 * What adapters and protection domains share: children they track, and a close that waits for
 * them — `STATUS_PENDING` until the last child is closed (NDK rule), while the promise API's
 * `close()` closes the children first.
 *
 * @packageDocumentation
 */

import { NtStatus } from '../status/nt-status';
import { Children } from './children';
import { closed, ObjectState } from './object-state';
import { type Outcome, PENDING, refused, SUCCESS } from './outcome';

/** An object with children; closes after them. */
export abstract class ParentObject<
  Child extends { close(): Promise<void>; readonly closeRank?: number },
> {
  /** @internal */
  protected readonly children = new Children<Child>();
  #state = ObjectState.Open;
  #closed: Promise<void> | undefined;

  /** Where the object is in its life. */
  get state(): ObjectState {
    return this.#state;
  }

  /** @internal Releases the verbs object. Never fails: problems become process warnings. */
  protected abstract releaseNative(): void;

  /** @internal Whether the object can take requests. */
  protected get isOpen(): boolean {
    return this.#state === ObjectState.Open;
  }

  /** @internal `NdkCloseObject`: `STATUS_PENDING` until every child is closed. */
  requestClose(done: () => void): Outcome {
    if (this.#state !== ObjectState.Open) {
      return refused(NtStatus.STATUS_INVALID_HANDLE, 'the object is already closed');
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

  /** Closes every child, then this object. Closing twice is harmless. */
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

  /** `await using` closes the object (and its children) at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #release(): void {
    this.#state = ObjectState.Closed;
    this.releaseNative();
  }
}

function closeRankOf(child: { closeRank?: number }): number {
  return child.closeRank ?? 2;
}
