/** The messages between the soak's runner (main thread) and its workers. */

import { type WorkerReport } from './model';

/** What a worker is told at start (its `workerData`). */
export interface WorkerStart {
  readonly serial: number;
  readonly seed: number;
  readonly localDevice: string;
  readonly remoteDevice: string;
  /** A deliberate leak, to show the checks are armed (see `--inject-leak`). */
  readonly injectLeak: LeakKind | undefined;
}

/**
 * The leaks `--inject-leak` can plant: `mr`, a region every worker registers and never tells the
 * model of; `fd`, a file descriptor the runner opens at each drain and never closes (one a worker
 * opens would not do: Node closes a worker's `fs.open` descriptors when it exits).
 */
export const LEAK_KINDS = ['mr', 'fd'] as const;
export type LeakKind = (typeof LEAK_KINDS)[number];

/** Runner → worker. */
export type ToWorker =
  /** Run operations until told to quiesce. */
  | { readonly type: 'run' }
  /** Finish the current operation, settle, and report. */
  | { readonly type: 'quiesce' }
  /** Close everything, report, and exit. */
  | { readonly type: 'close' };

/** Worker → runner. */
export type FromWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'report'; readonly report: WorkerReport }
  | { readonly type: 'closed'; readonly report: WorkerReport }
  | { readonly type: 'error'; readonly message: string };
