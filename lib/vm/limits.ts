/** Inclusive bounds of a numeric VM setting. */
export interface Range {
  /** Smallest accepted value. */
  min: number;
  /** Largest accepted value. */
  max: number;
}

/** How many rxe devices the VM may get (`rxe0` … `rxe<N-1>`, on veth pairs). */
export const DEVICES_RANGE: Range = { min: 1, max: 8 };

/** How many hosts `runHosts` / `ndk-verbs vm --hosts N` may boot on one virtual Ethernet. */
export const HOSTS_RANGE: Range = { min: 2, max: 4 };

/** Guest memory in MiB. */
export const MEMORY_RANGE: Range = { min: 256, max: 16384 };

/** Timeout in seconds (at most a week, well within what a Node timer can hold). */
export const TIMEOUT_RANGE: Range = { min: 1, max: 7 * 24 * 3600 };

/** Default number of rxe devices: `rxe0` on `veth0` and `rxe1` on its peer `veth1`. */
export const DEFAULT_DEVICES = 2;

/** Default guest memory in MiB. */
export const DEFAULT_MEMORY_MB = 2048;

/** Exit code of a command that ran out of time (as `timeout(1)` uses). */
export const EXIT_TIMEOUT = 124;

/** Exit code when the VM itself failed (could not boot, set up the devices, or start). */
export const EXIT_VM_FAILURE = 125;

/**
 * Checks that `value` is an integer within `range`.
 *
 * @param what - Name of the setting, for the error message.
 * @param value - The value to check.
 * @param range - The accepted bounds.
 * @returns `value`.
 * @throws RangeError when it is not an integer in range.
 */
export function checkRange(what: string, value: number, range: Range): number {
  if (!Number.isInteger(value) || value < range.min || value > range.max) {
    throw new RangeError(
      `${what} must be an integer from ${range.min} to ${range.max}, not ${value}`,
    );
  }
  return value;
}
