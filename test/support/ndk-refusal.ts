/**
 * The checks of NDK-style refusals: each call returns the expected NTSTATUS and does not throw,
 * leaves its out-parameter empty, and its completion is never called (a refusal is not PENDING).
 *
 * A table of refusals is checked in one test: the calls are made one after the other and their
 * answers compared with the expected ones as one map from row name to answer, so a failure lists
 * every row that answered wrongly, and a table of hundreds of rows costs one test's overhead (the
 * integration suite runs under emulation, where each test's overhead counts).
 */

import { setImmediate as nextTurn } from 'node:timers/promises';

import { NdkCloseObject, type NdkObject, type NdkOut, NtStatus, ntStatusName } from '../../lib';
import { bad, notFunctions, rowsOf } from './bad-values';

/** Any callback shape: NDK create, request, close completions and CQ notifications. */
export type AnyCompletion = (...args: unknown[]) => void;

/** An NDK-style call under test, given a completion that must not run and an out-parameter. */
export type NdkCall = (completion: AnyCompletion, out: NdkOut<never>) => number;

/** One row of a bad-input table: what is called, and the status it must be refused with. */
export interface RefusalRow {
  readonly name: string;
  readonly expected: number;
  readonly call: NdkCall;
  /** Checks, right after the call, that it changed nothing. */
  readonly after?: () => void;
}

/**
 * Makes every call of `rows` and checks each was refused with its expected status, without
 * throwing or filling `out.value`, and that no completion ran by the next turn of the event loop
 * (completions never run inside the call that started them).
 */
export async function expectNdkRefusals(rows: readonly RefusalRow[]): Promise<void> {
  const completed: string[] = [];
  const answers: Record<string, string> = {};
  const expected: Record<string, string> = {};
  for (const row of rows) {
    const out: NdkOut<never> = {};
    let answer: string;
    try {
      answer = ntStatusName(row.call(() => completed.push(row.name), out));
    } catch (error) {
      answer = `threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
    }
    if (out.value !== undefined) answer += ', and filled out.value';
    answers[row.name] = answer;
    expected[row.name] = ntStatusName(row.expected);
    row.after?.();
  }
  expect(answers).toEqual(expected);
  await nextTurn();
  expect(completed).toEqual([]);
}

/** One call's refusal: {@link expectNdkRefusals} of one row. */
export function expectNdkRefusal(call: NdkCall, expected: number): Promise<void> {
  return expectNdkRefusals([{ name: 'the call', expected, call }]);
}

/**
 * The `NdkCloseObject` rows every kind of object shares: a closed `kind` is a bad handle, and an
 * open one with a close completion that is not a function is a bad parameter.
 */
export function closeObjectRows(
  kind: string,
  closed: () => NdkObject,
  open: () => NdkObject,
): RefusalRow[] {
  return [
    {
      name: `NdkCloseObject(a closed ${kind})`,
      expected: NtStatus.STATUS_INVALID_HANDLE,
      call: (c) => NdkCloseObject(closed(), c),
    },
    ...rowsOf(notFunctions).map(([label, completion]) => ({
      name: `NdkCloseObject(an open ${kind}, closeCompletion ${label})`,
      expected: NtStatus.STATUS_INVALID_PARAMETER,
      call: () => NdkCloseObject(open(), bad<AnyCompletion>(completion())),
    })),
  ];
}
