/**
 * The never-throw guarantee of the NDK-style functions.
 *
 * @packageDocumentation
 */

import { NtStatus } from '../status/nt-status';

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
