/**
 * A callback that reaches its target only weakly, for native code that holds its JS callback
 * strongly (a thread-safe function keeps its function alive until it is released). Were the
 * callback to hold its target, and the target the native handle that holds the callback, neither
 * could ever be collected.
 *
 * It lives in a module of its own on purpose: a closure keeps its module's scope alive, and the
 * target's own module holds the target.
 *
 * @packageDocumentation
 */

type Method = (...args: never[]) => unknown;

/** `(...args) => target[key](...args)` while `target` lives; a no-op once it was collected. */
export function weakMethod<T extends object, K extends keyof T>(
  target: T,
  key: K,
): (...args: Parameters<Extract<T[K], Method>>) => void {
  const ref = new WeakRef(target);
  return (...args) => {
    const live = ref.deref();
    if (live !== undefined) (live[key] as Method).apply(live, args);
  };
}
