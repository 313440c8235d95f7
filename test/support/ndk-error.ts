/**
 * The check of promise-API refusals: the call does not throw, its promise rejects, and the
 * rejection is an `NdkError` with the expected status, code, errno and syscall. One call, or a
 * whole table of them in one test (their outcomes compared as one map from row name to outcome, so
 * a failure lists every row that did otherwise).
 */

import { NdkError, ntStatusName } from '../../lib';

/** What the `NdkError` must carry. Unset `code` means the status name; unset `errno` means none. */
export interface ExpectedNdkError {
  /** The NTSTATUS. */
  readonly status: number;
  /** `error.code`: the errno name for an error that came from verbs, else the status name. */
  readonly code?: string;
  /** `error.errno`, when verbs gave one. */
  readonly errno?: number;
  /** `error.syscall`, the verbs call that failed; not compared when unset. */
  readonly syscall?: string;
  /** What was called, shown in a failure's diff. */
  readonly what?: string;
}

/** One promise-API call of a table, and the refusal it must end in (a number: the status). */
export interface RejectionRow {
  readonly name: string;
  readonly call: () => Promise<unknown>;
  readonly expected: number | ExpectedNdkError;
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
  const want = expectation(expected);
  const outcome = await outcomeOf(typeof call === 'function' ? call : () => call, want);
  expect({ what: want.what, outcome: outcome.text }).toEqual({
    what: want.what,
    outcome: describeNdkError(want),
  });
  return outcome.error!;
}

/** Starts every call of `rows` and checks each ends in its expected `NdkError`, in one map. */
export async function expectNdkErrors(rows: readonly RejectionRow[]): Promise<void> {
  const outcomes: Record<string, string> = {};
  const expected: Record<string, string> = {};
  for (const row of rows) {
    const want = expectation(row.expected);
    expected[row.name] = describeNdkError(want);
    outcomes[row.name] = (await outcomeOf(row.call, want)).text;
  }
  expect(outcomes).toEqual(expected);
}

function expectation(expected: number | ExpectedNdkError): ExpectedNdkError {
  return typeof expected === 'number' ? { status: expected } : expected;
}

// How the call ended, as one line comparable with describeNdkError(want).
async function outcomeOf(
  call: () => Promise<unknown>,
  want: ExpectedNdkError,
): Promise<{ text: string; error?: NdkError }> {
  let promise: unknown;
  try {
    promise = call();
  } catch (error) {
    return { text: `threw ${shown(error)}` };
  }
  if (!(promise instanceof Promise)) return { text: `returned ${shown(promise)}` };
  return promise.then(
    () => ({ text: 'resolved' }),
    (error: unknown) =>
      error instanceof NdkError
        ? {
            error,
            text:
              describeNdkError({
                status: error.status,
                code: error.code,
                errno: error.errno,
                syscall: want.syscall === undefined ? undefined : error.syscall,
              }) +
              (error.statusName === ntStatusName(error.status)
                ? ''
                : ` whose statusName is ${error.statusName}`),
          }
        : { text: `rejected with ${shown(error)}` },
  );
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

// An exception or rejection reason as a failure message shows it.
function shown(reason: unknown): string {
  return reason instanceof Error ? `${reason.name}: ${reason.message}` : JSON.stringify(reason);
}
