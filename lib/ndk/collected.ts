/**
 * Objects that become unreachable while open are released, not leaked, and a process warning names
 * them (as Node's FileHandle does), so the leak in the program is visible.
 *
 * @packageDocumentation
 */

/** What to run once an object has been collected; must not reference the object itself. */
export interface CollectedRelease {
  release(): void;
}

const registry = new FinalizationRegistry<CollectedRelease>((held) => held.release());

/** Arranges for `held.release()` to run after `target` is garbage-collected. */
export function releaseWhenCollected(target: object, held: CollectedRelease): void {
  registry.register(target, held, target);
}

/** `target` was closed properly: nothing to do when it is collected. */
export function forgetCollected(target: object): void {
  registry.unregister(target);
}

/** The warning for an object that was collected while still open. */
export function warnCollected(what: string): void {
  process.emitWarning(
    `${what} was garbage-collected while open; ndk-verbs released it. ` +
      'Close objects explicitly (close(), Symbol.asyncDispose or NdkCloseObject).',
    { type: 'NdkVerbsWarning', code: 'NDK_VERBS_COLLECTED_WHILE_OPEN' },
  );
}
