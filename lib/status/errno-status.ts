/**
 * The single translation from a Linux errno (as libibverbs reports it) to the NTSTATUS the NDK
 * contract promises. Everything in the package that turns an errno into a status goes through here.
 *
 * @packageDocumentation
 */

import { constants } from 'node:os';

import { NtStatus, type NtStatusCode } from './nt-status';

/** What is known about the failed call beyond its errno, where that changes the status. */
export interface ErrnoContext {
  /**
   * The failure came from a destroy call (such as `ibv_dereg_mr`). There `EIO` means the device
   * was disassociated (hot-unplugged or reset) under the object, which NDK reports as removal.
   */
  readonly destroy?: boolean;
}

/** One row of {@link ERRNO_STATUS_TABLE}. */
export interface ErrnoStatusRow {
  /** The errno's symbolic name, such as `'EINVAL'`. */
  readonly errno: string;
  /** The NTSTATUS that errno becomes. */
  readonly status: NtStatusCode;
  /** Set when the row applies only in a context; `'destroy'` matches {@link ErrnoContext.destroy}. */
  readonly when?: 'destroy';
}

/**
 * The errno → NTSTATUS table. Rows are tried in order and the first that applies wins, so a
 * context-specific row sits above the general row for the same errno.
 *
 * | errno                  | when    | NTSTATUS                        |
 * | ---------------------- | ------- | ------------------------------- |
 * | `EIO`                  | destroy | `STATUS_DEVICE_REMOVED`         |
 * | `EINVAL`               |         | `STATUS_INVALID_PARAMETER`      |
 * | `EBUSY`                |         | `STATUS_DEVICE_BUSY`            |
 * | `ENOMEM`               |         | `STATUS_INSUFFICIENT_RESOURCES` |
 * | `EFAULT`               |         | `STATUS_ACCESS_VIOLATION`       |
 * | `EPERM`, `EACCES`      |         | `STATUS_ACCESS_DENIED`          |
 * | `ENODEV`, `ENXIO`      |         | `STATUS_NO_SUCH_DEVICE`         |
 * | `EOPNOTSUPP`, `ENOSYS` |         | `STATUS_NOT_SUPPORTED`          |
 * | `EIO`                  |         | `STATUS_IO_DEVICE_ERROR`        |
 * | `ECANCELED`            |         | `STATUS_CANCELLED`              |
 * | `ETIMEDOUT`            |         | `STATUS_IO_TIMEOUT`             |
 * | anything else          |         | `STATUS_UNSUCCESSFUL`           |
 */
export const ERRNO_STATUS_TABLE: ReadonlyArray<ErrnoStatusRow> = frozenRows([
  { errno: 'EIO', status: NtStatus.STATUS_DEVICE_REMOVED, when: 'destroy' },
  { errno: 'EINVAL', status: NtStatus.STATUS_INVALID_PARAMETER },
  { errno: 'EBUSY', status: NtStatus.STATUS_DEVICE_BUSY },
  { errno: 'ENOMEM', status: NtStatus.STATUS_INSUFFICIENT_RESOURCES },
  { errno: 'EFAULT', status: NtStatus.STATUS_ACCESS_VIOLATION },
  { errno: 'EPERM', status: NtStatus.STATUS_ACCESS_DENIED },
  { errno: 'EACCES', status: NtStatus.STATUS_ACCESS_DENIED },
  { errno: 'ENODEV', status: NtStatus.STATUS_NO_SUCH_DEVICE },
  { errno: 'ENXIO', status: NtStatus.STATUS_NO_SUCH_DEVICE },
  { errno: 'EOPNOTSUPP', status: NtStatus.STATUS_NOT_SUPPORTED },
  { errno: 'ENOSYS', status: NtStatus.STATUS_NOT_SUPPORTED },
  { errno: 'EIO', status: NtStatus.STATUS_IO_DEVICE_ERROR },
  { errno: 'ECANCELED', status: NtStatus.STATUS_CANCELLED },
  { errno: 'ETIMEDOUT', status: NtStatus.STATUS_IO_TIMEOUT },
]);

// Frozen to the last row, so nothing that enumerates the table can change the mapping.
function frozenRows(rows: ErrnoStatusRow[]): ReadonlyArray<ErrnoStatusRow> {
  return Object.freeze(rows.map((row) => Object.freeze({ ...row })));
}

const ERRNO_NUMBERS: Readonly<Record<string, number | undefined>> = constants.errno;

// Where Linux gives one number two names, the name libibverbs and its man pages use.
const PREFERRED_ALIASES: ReadonlySet<string> = new Set(['EOPNOTSUPP', 'EAGAIN']);

const NAME_BY_ERRNO: ReadonlyMap<number, string> = (() => {
  const names = new Map<number, string>();
  for (const [name, errno] of Object.entries(constants.errno)) {
    if (!names.has(errno) || PREFERRED_ALIASES.has(name)) names.set(errno, name);
  }
  return names;
})();

// Table rows resolved to this platform's errno numbers once, so lookups compare numbers and an
// alias (ENOTSUP for EOPNOTSUPP) matches its row too.
const RESOLVED_ROWS = ERRNO_STATUS_TABLE.map((row) => ({
  ...row,
  number: ERRNO_NUMBERS[row.errno],
}));

/**
 * The symbolic name of an errno on this platform.
 *
 * @param errno - A positive errno, or its negation as some libibverbs providers return it.
 * @returns Such as `'EINVAL'`; `'EOPNOTSUPP'` rather than `'ENOTSUP'` and `'EAGAIN'` rather than
 *   `'EWOULDBLOCK'`; `undefined` for a number that is no errno here.
 */
export function errnoName(errno: number): string | undefined {
  return NAME_BY_ERRNO.get(Math.abs(errno));
}

/**
 * The NTSTATUS for a failed call's errno, by {@link ERRNO_STATUS_TABLE}.
 *
 * Only for failures: an errno the table does not list, including `0` from a failure that set
 * none, becomes `STATUS_UNSUCCESSFUL`, never a success.
 *
 * @param errno - A positive errno, or its negation as some libibverbs providers return it.
 * @param context - What else is known about the call; see {@link ErrnoContext}.
 */
export function ntStatusFromErrno(errno: number, context: ErrnoContext = {}): number {
  const wanted = Math.abs(errno);
  const row = RESOLVED_ROWS.find(
    (candidate) =>
      candidate.number === wanted && (candidate.when !== 'destroy' || context.destroy === true),
  );
  return row?.status ?? NtStatus.STATUS_UNSUCCESSFUL;
}
