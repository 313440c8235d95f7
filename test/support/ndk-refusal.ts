/**
 * The one check of an NDK-style refusal: the call returns the expected NTSTATUS and does not throw,
 * leaves its out-parameter empty, and its completion is never called (a refusal is not PENDING).
 */

import { setImmediate as nextTurn } from 'node:timers/promises';

import { type NdkOut, ntStatusName } from '../../lib';

/** Any callback shape: NDK create, request, close completions and CQ notifications. */
export type AnyCompletion = (...args: unknown[]) => void;

/** An NDK-style call under test, given a completion that must not run and an out-parameter. */
export type NdkCall = (completion: AnyCompletion, out: NdkOut<never>) => number;

/**
 * Makes `call` and checks the refusal: status `expected` (compared by name, for a readable diff),
 * no exception, `out.value` unset, and no call of the completion by the next turn of the event
 * loop (completions never run inside the call that started them).
 */
export async function expectNdkRefusal(call: NdkCall, expected: number): Promise<void> {
  let calls = 0;
  const completion: AnyCompletion = () => {
    calls++;
  };
  const out: NdkOut<never> = {};
  let status: number | undefined;
  expect(() => {
    status = call(completion, out);
  }).not.toThrow();
  expect(ntStatusName(status!)).toBe(ntStatusName(expected));
  expect(out.value).toBeUndefined();
  await nextTurn();
  expect(calls).toBe(0);
}

/** One row of a bad-input table: what is called, and the status it must be refused with. */
export interface RefusalRow {
  readonly name: string;
  readonly expected: number;
  readonly call: NdkCall;
}

/** The rows with their expected status's name beside, for `it.each(...)('$name → $status')`. */
export function withStatusNames<Row extends { readonly expected: number }>(
  rows: readonly Row[],
): Array<Row & { status: string }> {
  return rows.map((row) => ({ ...row, status: ntStatusName(row.expected) }));
}
