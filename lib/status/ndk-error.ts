/**
 * The error the package throws (or rejects with) when an NDK call fails: the NTSTATUS the NDK
 * contract promises, together with the Linux errno and verb that produced it for diagnosis.
 *
 * @packageDocumentation
 */

import { errnoName, ntStatusFromErrno, type ErrnoContext } from './errno-status';
import { ntStatusHex, ntStatusName } from './nt-status';

/** The optional parts of an {@link NdkError}. */
export interface NdkErrorOptions {
  /** Free-text detail, appended last to the message. */
  readonly message?: string;
  /** The errno the underlying call failed with, when there was one. */
  readonly errno?: number;
  /** The libibverbs (or other system) call that failed, such as `'ibv_dereg_mr'`. */
  readonly syscall?: string;
}

/**
 * A failed NDK operation.
 *
 * The message leads with what failed and ends with detail, such as
 * `ibv_dereg_mr: STATUS_DEVICE_BUSY (0x80000011): EBUSY: memory window still bound`;
 * parts that are not known are left out.
 */
export class NdkError extends Error {
  override readonly name = 'NdkError';

  /** The NTSTATUS, as an unsigned 32-bit number. */
  readonly status: number;

  /** The status's name, such as `'STATUS_DEVICE_BUSY'`; see {@link ntStatusName}. */
  readonly statusName: string;

  /**
   * A stable string to branch on, like Node's system errors: the errno name (such as
   * `'EINVAL'`) when the errno is known, otherwise the status name.
   */
  readonly code: string;

  /** The errno the underlying call failed with, if any. */
  readonly errno: number | undefined;

  /** The call that failed, such as `'ibv_dereg_mr'`, if known. */
  readonly syscall: string | undefined;

  /**
   * @param status - The NTSTATUS, unsigned or as a signed 32-bit integer.
   * @param options - The errno, failed call and detail, where known.
   */
  constructor(status: number, options: NdkErrorOptions = {}) {
    const unsignedStatus = status >>> 0;
    const statusName = ntStatusName(unsignedStatus);
    const errnoLabel = describeErrno(options.errno);
    super(
      [
        options.syscall,
        `${statusName} (${ntStatusHex(unsignedStatus)})`,
        errnoLabel,
        options.message,
      ]
        .filter((part): part is string => part !== undefined && part !== '')
        .join(': '),
    );
    this.status = unsignedStatus;
    this.statusName = statusName;
    this.code = (options.errno === undefined ? undefined : errnoName(options.errno)) ?? statusName;
    this.errno = options.errno;
    this.syscall = options.syscall;
  }

  /**
   * An error for a call that failed with an errno, its status taken from the one errno table
   * ({@link ntStatusFromErrno}).
   *
   * @param errno - The errno the call failed with.
   * @param syscall - The call that failed, such as `'ibv_reg_mr'`.
   * @param detail - Free-text detail for the message.
   * @param context - What else is known about the call; see {@link ErrnoContext}.
   */
  static fromErrno(
    errno: number,
    syscall: string,
    detail?: string,
    context?: ErrnoContext,
  ): NdkError {
    return new NdkError(ntStatusFromErrno(errno, context), { errno, syscall, message: detail });
  }
}

// The errno as the message shows it: its name, or its number when the platform has no name.
function describeErrno(errno: number | undefined): string | undefined {
  if (errno === undefined) return undefined;
  return errnoName(errno) ?? `errno ${errno}`;
}
