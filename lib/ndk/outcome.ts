/**
 * The result of one request inside the facade: an NTSTATUS plus what produced it. The NDK-style
 * functions return only `.status`; the promise API turns a failed outcome into an {@link NdkError}
 * (`settle`). Also the never-throw guarantee of the NDK-style functions (`guarded`).
 *
 * @packageDocumentation
 */

import { constants } from 'node:os';

import { NativeResult } from '../native';
import { ntStatusFromErrno } from '../status/errno-status';
import { NdkError } from '../status/ndk-error';
import { NtStatus, ntSuccess } from '../status/nt-status';

/** @internal One request's result. */
export interface Outcome {
  readonly status: number;
  readonly errno?: number;
  readonly syscall?: string;
  readonly detail?: string;
}

/** A successful, already completed request. */
export const SUCCESS: Outcome = Object.freeze({ status: NtStatus.STATUS_SUCCESS });
/** A request that completes later through its completion callback. */
export const PENDING: Outcome = Object.freeze({ status: NtStatus.STATUS_PENDING });

/** A failure found by the facade's own checks, before anything reached verbs. */
export function refused(status: number, detail: string): Outcome {
  return { status, detail };
}

/**
 * Maps a native result (0, an errno, or a {@link NativeResult}) to an outcome through the one
 * errno→NTSTATUS table; `destroy` marks calls that release an object (EIO → STATUS_DEVICE_REMOVED).
 */
export function fromNative(result: number, syscall: string, destroy = false): Outcome {
  switch (result) {
    case NativeResult.Done:
      return SUCCESS;
    case NativeResult.Pending:
      return PENDING;
    case NativeResult.Busy:
      return refused(NtStatus.STATUS_DEVICE_BUSY, 'another request on this object is pending');
    case NativeResult.WrongState:
      return refused(NtStatus.STATUS_INVALID_DEVICE_STATE, 'the object is in the wrong state');
    case NativeResult.Gone:
      return refused(NtStatus.STATUS_INVALID_HANDLE, 'the object or its parent is closed');
    case NativeResult.BadArgument:
      return refused(NtStatus.STATUS_INVALID_PARAMETER, 'invalid argument');
    default:
      return { status: ntStatusFromErrno(result, { destroy }), errno: result, syscall };
  }
}

/**
 * The outcome of an addon function that throws when it runs out of native memory (its results
 * leave no number for ENOMEM): `STATUS_INSUFFICIENT_RESOURCES` for that error; anything else (a
 * facade bug) is thrown again.
 */
export function fromNativeFailure(error: unknown, syscall: string): Outcome {
  if ((error as { code?: unknown } | null)?.code !== 'ENOMEM') throw error;
  return fromNative(constants.errno.ENOMEM, syscall);
}

/** The {@link NdkError} for a failed outcome. */
export function errorOf(outcome: Outcome): NdkError {
  return new NdkError(outcome.status, {
    errno: outcome.errno,
    syscall: outcome.syscall,
    message: outcome.detail,
  });
}

/**
 * The refusal of an options argument that is given but is not an object (`null` included), or
 * undefined when it is acceptable. Promise API methods reject with it instead of throwing.
 */
export function optionsRefusal(options: unknown): Outcome | undefined {
  if (options === undefined || (typeof options === 'object' && options !== null)) return undefined;
  return refused(NtStatus.STATUS_INVALID_PARAMETER, 'options must be an object');
}

/**
 * Whether a validator refused: validators return either what they validated (an object without a
 * `status`) or the refusal {@link Outcome}.
 */
export function isRefusal<T extends object>(value: T | Outcome): value is Outcome {
  return 'status' in value;
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
 * Runs an NDK-style function's body: a bug inside the facade becomes `STATUS_UNSUCCESSFUL` (or
 * `fallback`) and a warning, never an exception in the caller's NDK-style code.
 */
export function guarded<T = number>(
  body: () => T,
  fallback: T = NtStatus.STATUS_UNSUCCESSFUL as T,
): T {
  try {
    return body();
  } catch (error) {
    return internalError(error, fallback);
  }
}

/**
 * What {@link guarded} does with an exception, for the request paths that inline its `try` to spare
 * a closure per call: the warning, then `fallback` (`STATUS_UNSUCCESSFUL` by default).
 */
export function internalError<T = number>(
  error: unknown,
  fallback: T = NtStatus.STATUS_UNSUCCESSFUL as T,
): T {
  process.emitWarning(`ndk-verbs internal error: ${String(error)}`, {
    type: 'NdkVerbsWarning',
    code: 'NDK_VERBS_INTERNAL_ERROR',
  });
  return fallback;
}
