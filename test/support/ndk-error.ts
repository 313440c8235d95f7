/**
 * The one check of a promise-API refusal: the call does not throw, its promise rejects, and the
 * rejection is an `NdkError` with the expected status, code, errno and syscall.
 */

import { NdkError, ntStatusName } from '../../lib';

/** What the `NdkError` must carry. Unset `code` means the status name; unset `errno` means none. */
export interface ExpectedNdkError {
  /** The NTSTATUS. */
  readonly status: number;
  /** `error.code`: the errno name for an error that came from verbs, else the status name. */
  readonly code?: string;
  /** `error.errno`, when verbs gave one (then `syscall` names the verbs call). */
  readonly errno?: number;
  readonly syscall?: string;
  /** What was called, shown in a failure's diff. */
  readonly what?: string;
}

/**
 * Awaits the refusal of `call` (a function that starts the request, or its promise) and checks it
 * is an `NdkError` as `expected` says (a bare number is the status). A synchronous throw from
 * `call` fails the check: the promise API rejects, it never throws. Returns the error for further
 * checks.
 */
export async function expectNdkError(
  call: Promise<unknown> | (() => Promise<unknown>),
  expected: number | ExpectedNdkError,
): Promise<NdkError> {
  const want: ExpectedNdkError = typeof expected === 'number' ? { status: expected } : expected;
  let promise: Promise<unknown>;
  if (typeof call === 'function') {
    let thrown: unknown;
    try {
      promise = call();
    } catch (error) {
      thrown = error;
      promise = Promise.resolve();
    }
    expect({ what: want.what, threw: thrown === undefined ? 'nothing' : shown(thrown) }).toEqual({
      what: want.what,
      threw: 'nothing',
    });
    expect(promise).toBeInstanceOf(Promise);
  } else {
    promise = call;
  }
  const reason: unknown = await promise.then(
    () => new Error('resolved, expected a rejection'),
    (error: unknown) => error,
  );
  expect({
    what: want.what,
    reason: reason instanceof NdkError ? 'NdkError' : String(reason),
  }).toEqual({ what: want.what, reason: 'NdkError' });
  const error = reason as NdkError;
  const name = ntStatusName(want.status);
  expect({
    what: want.what,
    status: ntStatusName(error.status),
    statusName: error.statusName,
    code: error.code,
    errno: error.errno,
    ...(want.syscall === undefined ? {} : { syscall: error.syscall }),
  }).toEqual({
    what: want.what,
    status: name,
    statusName: name,
    code: want.code ?? name,
    errno: want.errno,
    ...(want.syscall === undefined ? {} : { syscall: want.syscall }),
  });
  return error;
}

// An exception or rejection reason as a failure message shows it.
function shown(reason: unknown): string {
  return reason instanceof Error ? `${reason.name}: ${reason.message}` : JSON.stringify(reason);
}

/** One promise-API call of a table, and the refusal it must end in. */
export interface RejectionRow {
  readonly name: string;
  readonly call: () => Promise<unknown>;
  readonly expected: number | ExpectedNdkError;
}

/**
 * Starts every call of `rows` and checks each rejects as expected, as one map from row name to
 * outcome: a failure lists every row that did otherwise (threw, resolved, rejected with something
 * else, or with another status, code or errno). One test for a whole table, as for
 * `expectNdkRefusals`.
 */
export async function expectNdkErrors(rows: readonly RejectionRow[]): Promise<void> {
  const outcomes: Record<string, string> = {};
  const expected: Record<string, string> = {};
  for (const row of rows) {
    const want = typeof row.expected === 'number' ? { status: row.expected } : row.expected;
    expected[row.name] = describeNdkError(want);
    let promise: Promise<unknown>;
    try {
      promise = row.call();
    } catch (error) {
      outcomes[row.name] = `threw ${shown(error)}`;
      continue;
    }
    outcomes[row.name] = await promise.then(
      () => 'resolved',
      (error: unknown) =>
        error instanceof NdkError
          ? describeNdkError({
              status: error.status,
              code: error.code,
              errno: error.errno,
              syscall: want.syscall === undefined ? undefined : error.syscall,
            })
          : `rejected with ${shown(error)}`,
    );
  }
  expect(outcomes).toEqual(expected);
}

// An NdkError's parts as one line; the code is shown when it is not the status name.
function describeNdkError(error: ExpectedNdkError): string {
  const name = ntStatusName(error.status);
  const code = error.code ?? name;
  return [
    `NdkError ${name}`,
    code === name ? '' : ` code ${code}`,
    error.errno === undefined ? '' : ` errno ${error.errno}`,
    error.syscall === undefined ? '' : ` from ${error.syscall}`,
  ].join('');
}
