/**
 * Loads the compiled addon, turning the two failures a new machine meets into one clear sentence:
 * the libibverbs library is not installed (the dynamic loader cannot find `libibverbs.so.1`), or
 * the addon was never built.
 */

import bindings from 'bindings';

/**
 * Loads `build/Release/ndk_verbs.node` through `bindings`.
 *
 * @param load - The loader; the real one by default (a test passes its own).
 * @returns The addon's exports.
 * @throws Error that names the missing library (or the missing build) and how to install it, with
 *   the loader's own error as its `cause`.
 */
export function loadAddon(load: () => unknown = () => bindings('ndk_verbs')): unknown {
  try {
    return load();
  } catch (error) {
    throw explainLoadFailure(error);
  }
}

/**
 * The error `require('ndk-verbs')` throws when the addon cannot be loaded.
 *
 * @param error - What the loader threw.
 * @returns An error that says what to install, or `error` itself when it is something else.
 */
export function explainLoadFailure(error: unknown): unknown {
  const message = error instanceof Error ? error.message : String(error);
  const library = /(libibverbs\.so[.\d]*)/.exec(message);
  if (library) {
    return new Error(
      `ndk-verbs needs the libibverbs library (${library[1]}), which is not installed: ` +
        'sudo apt-get install -y libibverbs1 ibverbs-providers (Debian/Ubuntu) or ' +
        'sudo dnf install -y libibverbs (Fedora/RHEL)',
      { cause: error },
    );
  }
  if (message.includes('Could not locate the bindings file')) {
    return new Error(
      'ndk-verbs: its native addon was not built (build/Release/ndk_verbs.node is missing); ' +
        'run `npm rebuild ndk-verbs` and read its first error line',
      { cause: error },
    );
  }
  return error;
}
