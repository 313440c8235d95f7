/**
 * The library the benchmark measures: this checkout's `dist/lib` by default, or another build's
 * `dist/lib` named by `NDK_VERBS_BENCH_LIB` (what `npm run bench -- --compare <ref>` sets for the
 * other ref's build). Every measuring module takes the library's values from here, so one harness
 * drives either build; types still come from this checkout, which the builds must be compatible
 * with (the NDK functions and the promise API the harness calls).
 *
 * @packageDocumentation
 */

import { resolve } from 'node:path';

import type * as Library from '../lib';

/** The `dist/lib` directory of the build under test, when it is not this checkout's. */
export const LIBRARY_DIR = process.env.NDK_VERBS_BENCH_LIB;

/** The library under test. */
export const ndk = loadLibrary();

function loadLibrary(): typeof Library {
  // The other build is known only at run time, so it cannot be a static import.
  /* eslint-disable @typescript-eslint/no-require-imports */
  return (LIBRARY_DIR ? require(resolve(LIBRARY_DIR)) : require('../lib')) as typeof Library;
  /* eslint-enable @typescript-eslint/no-require-imports */
}
