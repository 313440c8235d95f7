/**
 * The single translation from a work completion's `ibv_wc_status` to the NTSTATUS its NDK result
 * carries. Every completion the package reports goes through here; the raw verbs name is kept
 * beside the status for diagnosis.
 *
 * @packageDocumentation
 */

import { NtStatus, type NtStatusCode } from './nt-status';

/** One row of {@link WC_STATUS_TABLE}. */
export interface WcStatusRow {
  /** The `ibv_wc_status` value. */
  readonly value: number;
  /** Its name in `infiniband/verbs.h`, such as `'IBV_WC_REM_ACCESS_ERR'`. */
  readonly name: string;
  /** The NTSTATUS a completion with this status carries. */
  readonly status: NtStatusCode;
}

/**
 * `ibv_wc_status` → NTSTATUS.
 *
 * | value | ibv_wc_status                  | NTSTATUS                        | why                                          |
 * | ----- | ------------------------------ | ------------------------------- | -------------------------------------------- |
 * | 0     | `IBV_WC_SUCCESS`               | `STATUS_SUCCESS`                |                                              |
 * | 1     | `IBV_WC_LOC_LEN_ERR`           | `STATUS_DATA_OVERRUN`           | the data did not fit the local buffers       |
 * | 2     | `IBV_WC_LOC_QP_OP_ERR`         | `STATUS_INVALID_DEVICE_STATE`   | the QP could not run the request             |
 * | 3     | `IBV_WC_LOC_EEC_OP_ERR`        | `STATUS_INVALID_DEVICE_STATE`   |                                              |
 * | 4     | `IBV_WC_LOC_PROT_ERR`          | `STATUS_ACCESS_VIOLATION`       | local token or range not valid               |
 * | 5     | `IBV_WC_WR_FLUSH_ERR`          | `STATUS_CANCELLED`              | flushed: the QP is in error or closing       |
 * | 6     | `IBV_WC_MW_BIND_ERR`           | `STATUS_ACCESS_VIOLATION`       | the window could not be bound                |
 * | 7     | `IBV_WC_BAD_RESP_ERR`          | `STATUS_IO_DEVICE_ERROR`        |                                              |
 * | 8     | `IBV_WC_LOC_ACCESS_ERR`        | `STATUS_ACCESS_VIOLATION`       |                                              |
 * | 9     | `IBV_WC_REM_INV_REQ_ERR`       | `STATUS_INVALID_PARAMETER`      | the peer found the request invalid           |
 * | 10    | `IBV_WC_REM_ACCESS_ERR`        | `STATUS_ACCESS_VIOLATION`       | remote token revoked, wrong or out of range  |
 * | 11    | `IBV_WC_REM_OP_ERR`            | `STATUS_CONNECTION_ABORTED`     | the peer could not complete it               |
 * | 12    | `IBV_WC_RETRY_EXC_ERR`         | `STATUS_IO_TIMEOUT`             | no answer from the peer                      |
 * | 13    | `IBV_WC_RNR_RETRY_EXC_ERR`     | `STATUS_IO_TIMEOUT`             | the peer never posted a receive              |
 * | 14    | `IBV_WC_LOC_RDD_VIOL_ERR`      | `STATUS_ACCESS_VIOLATION`       |                                              |
 * | 15    | `IBV_WC_REM_INV_RD_REQ_ERR`    | `STATUS_ACCESS_VIOLATION`       |                                              |
 * | 16    | `IBV_WC_REM_ABORT_ERR`         | `STATUS_CONNECTION_ABORTED`     |                                              |
 * | 17    | `IBV_WC_INV_EECN_ERR`          | `STATUS_INVALID_DEVICE_STATE`   |                                              |
 * | 18    | `IBV_WC_INV_EEC_STATE_ERR`     | `STATUS_INVALID_DEVICE_STATE`   |                                              |
 * | 19    | `IBV_WC_FATAL_ERR`             | `STATUS_IO_DEVICE_ERROR`        |                                              |
 * | 20    | `IBV_WC_RESP_TIMEOUT_ERR`      | `STATUS_IO_TIMEOUT`             |                                              |
 * | 21    | `IBV_WC_GENERAL_ERR`           | `STATUS_UNSUCCESSFUL`           |                                              |
 * | other |                                | `STATUS_UNSUCCESSFUL`           |                                              |
 */
export const WC_STATUS_TABLE: ReadonlyArray<WcStatusRow> = Object.freeze(
  (
    [
      [0, 'IBV_WC_SUCCESS', NtStatus.STATUS_SUCCESS],
      [1, 'IBV_WC_LOC_LEN_ERR', NtStatus.STATUS_DATA_OVERRUN],
      [2, 'IBV_WC_LOC_QP_OP_ERR', NtStatus.STATUS_INVALID_DEVICE_STATE],
      [3, 'IBV_WC_LOC_EEC_OP_ERR', NtStatus.STATUS_INVALID_DEVICE_STATE],
      [4, 'IBV_WC_LOC_PROT_ERR', NtStatus.STATUS_ACCESS_VIOLATION],
      [5, 'IBV_WC_WR_FLUSH_ERR', NtStatus.STATUS_CANCELLED],
      [6, 'IBV_WC_MW_BIND_ERR', NtStatus.STATUS_ACCESS_VIOLATION],
      [7, 'IBV_WC_BAD_RESP_ERR', NtStatus.STATUS_IO_DEVICE_ERROR],
      [8, 'IBV_WC_LOC_ACCESS_ERR', NtStatus.STATUS_ACCESS_VIOLATION],
      [9, 'IBV_WC_REM_INV_REQ_ERR', NtStatus.STATUS_INVALID_PARAMETER],
      [10, 'IBV_WC_REM_ACCESS_ERR', NtStatus.STATUS_ACCESS_VIOLATION],
      [11, 'IBV_WC_REM_OP_ERR', NtStatus.STATUS_CONNECTION_ABORTED],
      [12, 'IBV_WC_RETRY_EXC_ERR', NtStatus.STATUS_IO_TIMEOUT],
      [13, 'IBV_WC_RNR_RETRY_EXC_ERR', NtStatus.STATUS_IO_TIMEOUT],
      [14, 'IBV_WC_LOC_RDD_VIOL_ERR', NtStatus.STATUS_ACCESS_VIOLATION],
      [15, 'IBV_WC_REM_INV_RD_REQ_ERR', NtStatus.STATUS_ACCESS_VIOLATION],
      [16, 'IBV_WC_REM_ABORT_ERR', NtStatus.STATUS_CONNECTION_ABORTED],
      [17, 'IBV_WC_INV_EECN_ERR', NtStatus.STATUS_INVALID_DEVICE_STATE],
      [18, 'IBV_WC_INV_EEC_STATE_ERR', NtStatus.STATUS_INVALID_DEVICE_STATE],
      [19, 'IBV_WC_FATAL_ERR', NtStatus.STATUS_IO_DEVICE_ERROR],
      [20, 'IBV_WC_RESP_TIMEOUT_ERR', NtStatus.STATUS_IO_TIMEOUT],
      [21, 'IBV_WC_GENERAL_ERR', NtStatus.STATUS_UNSUCCESSFUL],
    ] as const
  ).map(([value, name, status]) => Object.freeze({ value, name, status })),
);

const ROW_BY_VALUE: ReadonlyMap<number, WcStatusRow> = new Map(
  WC_STATUS_TABLE.map((row) => [row.value, row]),
);

/** The NTSTATUS for an `ibv_wc_status`, by {@link WC_STATUS_TABLE}. */
export function ntStatusFromWcStatus(wcStatus: number): number {
  return ROW_BY_VALUE.get(wcStatus)?.status ?? NtStatus.STATUS_UNSUCCESSFUL;
}

/** The `verbs.h` name of an `ibv_wc_status`, such as `'IBV_WC_WR_FLUSH_ERR'`. */
export function wcStatusName(wcStatus: number): string {
  return ROW_BY_VALUE.get(wcStatus)?.name ?? `ibv_wc_status ${wcStatus}`;
}

/** @internal The value of the `ibv_wc_status` named `name` in {@link WC_STATUS_TABLE}. */
export function wcStatusValue(name: string): number {
  const row = WC_STATUS_TABLE.find((candidate) => candidate.name === name);
  if (row === undefined) throw new Error(`no ibv_wc_status named ${name}`);
  return row.value;
}
