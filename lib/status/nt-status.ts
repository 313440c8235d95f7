/**
 * The NTSTATUS codes this package returns, with helpers to name, print and classify them.
 *
 * Every NDK (NDKPI) call reports its result as an NTSTATUS; the package keeps that contract on
 * Linux so code written against the NDK semantics reads the same. Values are the standard
 * `ntstatus.h` ones, held as unsigned 32-bit numbers so they print as the familiar hex.
 *
 * @packageDocumentation
 */

/**
 * The NTSTATUS codes the package can return, keyed by their `ntstatus.h` names.
 *
 * Values are unsigned 32-bit numbers (`0xC000000D`, not the signed `-1073741811`), so compare
 * a signed value from elsewhere after `>>> 0`.
 */
export const NtStatus = {
  STATUS_SUCCESS: 0x00000000,
  /** Informational severity: the operation continues asynchronously. Counts as success. */
  STATUS_PENDING: 0x00000103,
  /** Warning severity, so a failure: the object is still in use (a region with windows bound). */
  STATUS_DEVICE_BUSY: 0x80000011,
  /**
   * Warning severity, so a failure: a completion queue overran (`IBV_EVENT_CQ_ERR`); NDK's CQ
   * notification callback reports it with this status.
   */
  STATUS_BUFFER_OVERFLOW: 0x80000005,
  STATUS_UNSUCCESSFUL: 0xc0000001,
  STATUS_ACCESS_VIOLATION: 0xc0000005,
  STATUS_INVALID_HANDLE: 0xc0000008,
  STATUS_INVALID_PARAMETER: 0xc000000d,
  STATUS_NO_SUCH_DEVICE: 0xc000000e,
  STATUS_ACCESS_DENIED: 0xc0000022,
  STATUS_DATA_OVERRUN: 0xc000003c,
  STATUS_INSUFFICIENT_RESOURCES: 0xc000009a,
  STATUS_IO_TIMEOUT: 0xc00000b5,
  STATUS_NOT_SUPPORTED: 0xc00000bb,
  STATUS_CANCELLED: 0xc0000120,
  STATUS_INVALID_DEVICE_STATE: 0xc0000184,
  STATUS_IO_DEVICE_ERROR: 0xc0000185,
  STATUS_INVALID_BUFFER_SIZE: 0xc0000206,
  STATUS_CONNECTION_RESET: 0xc000020d,
  STATUS_CONNECTION_REFUSED: 0xc0000236,
  STATUS_CONNECTION_ABORTED: 0xc0000241,
  STATUS_DEVICE_REMOVED: 0xc00002b6,
} as const;

/** The name of a known NTSTATUS code, such as `'STATUS_DEVICE_BUSY'`. */
export type NtStatusName = keyof typeof NtStatus;

/** The numeric value of a known NTSTATUS code, such as `0x80000011`. */
export type NtStatusCode = (typeof NtStatus)[NtStatusName];

// Reverse lookup for ntStatusName; the codes are distinct, so no value has two names.
const NAME_BY_CODE: ReadonlyMap<number, NtStatusName> = new Map(
  Object.entries(NtStatus).map(([name, code]) => [code, name as NtStatusName]),
);

/**
 * The status as `0x` plus eight upper-case hex digits, the way Windows tools print it.
 *
 * @param status - An NTSTATUS, unsigned or as a signed 32-bit integer.
 * @returns For example `'0x80000011'`.
 */
export function ntStatusHex(status: number): string {
  return `0x${(status >>> 0).toString(16).toUpperCase().padStart(8, '0')}`;
}

/**
 * The `ntstatus.h` name of a status, for messages and logs.
 *
 * @param status - An NTSTATUS, unsigned or as a signed 32-bit integer.
 * @returns The name such as `'STATUS_DEVICE_BUSY'`; for a code this package does not define,
 *   `'NTSTATUS '` plus its hex, such as `'NTSTATUS 0xC0001234'`.
 */
export function ntStatusName(status: number): string {
  return NAME_BY_CODE.get(status >>> 0) ?? `NTSTATUS ${ntStatusHex(status)}`;
}

/**
 * Whether a status means success, with the semantics of the `NT_SUCCESS` macro.
 *
 * `NT_SUCCESS` tests the signed value for `>= 0`, that is the top bit of the severity field:
 * success (`0x0…`) and informational (`0x4…`) codes pass, so `STATUS_PENDING` is a success;
 * warning (`0x8…`, such as `STATUS_DEVICE_BUSY`) and error (`0xC…`) codes fail.
 *
 * @param status - An NTSTATUS, unsigned or as a signed 32-bit integer.
 */
export function ntSuccess(status: number): boolean {
  return (status | 0) >= 0;
}
