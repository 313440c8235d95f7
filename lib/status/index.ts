/**
 * NTSTATUS results: the codes, the errno translation, and the error type the package throws.
 *
 * Modules of the package import from the defining files, not from here: CommonJS output turns
 * these re-exports into getters, one extra call on every access in the request paths.
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
