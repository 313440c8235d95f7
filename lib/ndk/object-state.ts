/**
 * The lifecycle every ndk-verbs object goes through, and the promise plumbing shared by the
 * promise API.
 *
 * @packageDocumentation
 */

import { ntSuccess, NtStatus } from '../status/nt-status';
import { errorOf, type Outcome } from './outcome';

/** Where an object is in its life. */
export enum ObjectState {
  /** Usable. */
  Open = 'open',
  /** `NdkCloseObject` / `close()` was called; waiting for a pending request or for children. */
  Closing = 'closing',
  /** Released. Every call on it answers `STATUS_INVALID_HANDLE`. */
  Closed = 'closed',
}

/** A completion the facade calls with a request's outcome. */
export type OutcomeCallback = (outcome: Outcome) => void;

/**
 * Runs an NDK-style request and settles a promise with its outcome, whether it completed at once
 * (resolve / reject now) or is pending (settled from the completion).
 */
export function settle(start: (done: OutcomeCallback) => Outcome): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const finish = (outcome: Outcome): void => {
      if (ntSuccess(outcome.status)) resolve();
      else reject(errorOf(outcome));
    };
    const outcome = start(finish);
    if (outcome.status !== NtStatus.STATUS_PENDING) finish(outcome);
  });
}

/**
 * A promise for an NDK-style close: resolved at once when the close completed (`STATUS_SUCCESS`,
 * or a refusal because the object is already closed), else when its completion runs.
 */
export function closed(requestClose: (done: () => void) => Outcome): Promise<void> {
  return new Promise<void>((resolve) => {
    if (requestClose(resolve).status !== NtStatus.STATUS_PENDING) resolve();
  });
}
