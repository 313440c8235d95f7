/**
 * What a completed work request reports (NDK's `NDK_RESULT`), and how one is built from a polled
 * verbs work completion.
 *
 * @packageDocumentation
 */

import { ntStatusFromWcStatus, wcStatusName } from '../status/wc-status';
import { type kRequestDone } from './internal';

/** The kinds of work request ndk-verbs posts. */
export type NdkRequestType = 'write' | 'read' | 'send' | 'receive' | 'bind' | 'invalidate';

/** `NDK_RESULT`: one completed work request, as `NdkGetCqResults` and the promise API report it. */
export interface NdkResult<RequestContext = unknown, QpContext = unknown> {
  /** The NTSTATUS, from `ibv_wc_status` by `WC_STATUS_TABLE`. */
  readonly status: number;
  /** The raw verbs status name, such as `'IBV_WC_REM_ACCESS_ERR'`. */
  readonly verbsStatus: string;
  /** The queue pair's context given to `NdkCreateQp`. */
  readonly qpContext: QpContext;
  /** The context given when the request was posted (carried through verbs as its `wr_id`). */
  readonly requestContext: RequestContext;
  /** Bytes received (receives) or transferred (reads); 0 for failed requests. */
  readonly bytesTransferred: number;
  /** What kind of request completed. */
  readonly type: NdkRequestType;
}

/** @internal One posted request, until its completion is polled. */
export interface WorkRecord {
  readonly type: NdkRequestType;
  readonly requestContext: unknown;
  /** The queue pair (typed loosely to keep this module free of a cycle). */
  readonly qp: { readonly qpContext: unknown; [kRequestDone](): void };
  /** The promise API's settle function, when the request came from it. */
  readonly settle?: (result: NdkResult) => void;
  /** The facade's own bookkeeping for the result (a window's bind state), before anyone hears of it. */
  readonly onResult?: (result: NdkResult) => void;
}

/** @internal Builds the result of `record` from a polled completion's status and byte count. */
export function resultOf(record: WorkRecord, wcStatus: number, byteLength: number): NdkResult {
  const status = ntStatusFromWcStatus(wcStatus);
  const transferred =
    wcStatus === 0 && (record.type === 'receive' || record.type === 'read') ? byteLength : 0;
  return {
    status,
    verbsStatus: wcStatusName(wcStatus),
    qpContext: record.qp.qpContext,
    requestContext: record.requestContext,
    bytesTransferred: transferred,
    type: record.type,
  };
}

let lastWrId = 0;

/**
 * @internal A fresh `wr_id`. Unique in the process, so a completion finds its request whichever CQ it lands
 * on; a double counts exactly to 2^53, which no process reaches.
 */
export function nextWrId(): number {
  lastWrId += 1;
  return lastWrId;
}
