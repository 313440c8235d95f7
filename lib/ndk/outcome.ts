/**
 * The result of one request inside the facade: an NTSTATUS plus what produced it. The NDK-style
 * functions return only `.status`; the promise API turns a failed outcome into an {@link NdkError}.
 *
 * @packageDocumentation
 */

import { NativeResult } from '../native';
import { ntStatusFromErrno } from '../status/errno-status';
import { NdkError } from '../status/ndk-error';
import { NtStatus } from '../status/nt-status';

/** One request's result. */
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
