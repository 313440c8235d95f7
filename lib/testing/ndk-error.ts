/**
 * The check of a promise-API refusal: the call does not throw, its promise rejects, and the
 * rejection is an `NdkError` with the expected status (and, when given, code, errno and syscall).
 */

import { NdkError, ntStatusName } from '../status';

/** What the `NdkError` must carry; unset fields are not compared. */
export interface ExpectedNdkError {
  /** The NTSTATUS, such as `NtStatus.STATUS_INVALID_PARAMETER`. */
  readonly status: number;
  /** `error.code`: the errno name (`'EINVAL'`) for a verbs failure, else the status name. */
  readonly code?: string;
  /** `error.errno`, for a verbs failure. */
  readonly errno?: number;
  /** `error.syscall`, the verbs call that failed (`'ibv_reg_mr'`). */
  readonly syscall?: string;
}

/**
 * Awaits the refusal of `call` and checks it is an `NdkError` as `expected` says (a bare number is
 * the status). A synchronous throw, a resolution, or another kind of rejection fails the check. The
 * failure is an `Error` whose message shows expected and actual, so it fails a test in any runner.
 *
 * @param call - The promise, or a function that starts the request and returns its promise.
 * @param expected - The status, or the fields to compare.
 * @returns The `NdkError`, for further checks.
 * @throws Error when the outcome is anything else.
 */
export async function expectNdkError(
  call: Promise<unknown> | (() => Promise<unknown>),
  expected: number | ExpectedNdkError,
): Promise<NdkError> {
  const want = typeof expected === 'number' ? { status: expected } : expected;
  let promise: unknown;
  try {
    promise = typeof call === 'function' ? call() : call;
  } catch (error) {
    throw mismatch(want, `threw ${shown(error)}`);
  }
  if (!(promise instanceof Promise)) throw mismatch(want, `returned ${shown(promise)}`);
  let error: unknown;
  try {
    await promise;
  } catch (reason) {
    error = reason;
  }
  if (error === undefined) throw mismatch(want, 'resolved');
  if (!(error instanceof NdkError)) throw mismatch(want, `rejected with ${shown(error)}`);
  const got = describe({
    status: error.status,
    code: want.code === undefined ? undefined : error.code,
    errno: want.errno === undefined ? undefined : error.errno,
    syscall: want.syscall === undefined ? undefined : error.syscall,
  });
  if (got !== describe(want)) throw mismatch(want, `rejected with ${got}`);
  return error;
}

function mismatch(want: ExpectedNdkError, outcome: string): Error {
  return new Error(`expected a rejection with ${describe(want)}, but the call ${outcome}`);
}

function describe(e: ExpectedNdkError): string {
  return [
    `NdkError ${ntStatusName(e.status >>> 0)}`,
    e.code === undefined ? '' : ` code ${e.code}`,
    e.errno === undefined ? '' : ` errno ${e.errno}`,
    e.syscall === undefined ? '' : ` from ${e.syscall}`,
  ].join('');
}

function shown(value: unknown): string {
  return value instanceof Error ? `${value.name}: ${value.message}` : String(value);
}
