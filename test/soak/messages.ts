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

/** The leaks `--inject-leak` can plant, each in the first worker only. */
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
