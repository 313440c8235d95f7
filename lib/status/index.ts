/**
 * NTSTATUS results: the codes, the errno translation, and the error type the package throws.
 *
 * @packageDocumentation
 */

export {
  NtStatus,
  ntStatusHex,
  ntStatusName,
  ntSuccess,
  type NtStatusCode,
  type NtStatusName,
} from './nt-status';
export {
  ERRNO_STATUS_TABLE,
  errnoName,
  ntStatusFromErrno,
  type ErrnoContext,
  type ErrnoStatusRow,
} from './errno-status';
export { WC_STATUS_TABLE, ntStatusFromWcStatus, wcStatusName, type WcStatusRow } from './wc-status';
export { NdkError, type NdkErrorOptions } from './ndk-error';
