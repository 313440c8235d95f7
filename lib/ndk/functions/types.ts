/**
 * What the NDK-style functions of every object share: the `out` parameter that stands for NDK's
 * `**pp` arguments, the completion callback types, and the object union `NdkCloseObject` takes.
 *
 * Every NDK-style function returns an NTSTATUS and never throws:
 * - `STATUS_SUCCESS`: done; the completion is NOT called;
 * - `STATUS_PENDING`: the completion is called exactly once, in a later turn of the event loop;
 * - an error status: done, nothing changed; the completion is NOT called.
 *
 * @packageDocumentation
 */

import { type Adapter } from '../adapter';
import { type CompletionQueue } from '../completion-queue';
import { type MemoryRegion } from '../memory-region';
import { type MemoryWindow } from '../memory-window';
import { type ProtectionDomain } from '../protection-domain';
import { type QueuePair } from '../queue-pair';

/** Where an NDK-style function puts the object or value it produces (NDK's `**pp` argument). */
export interface NdkOut<T> {
  value?: T;
}

/** `NDK_FN_REQUEST_COMPLETION`: `(RequestContext, Status)`. */
export type NdkRequestCompletion<Context = unknown> = (
  requestContext: Context,
  status: number,
) => void;

/** `NDK_FN_CREATE_COMPLETION`: `(RequestContext, Status, Object)`. */
export type NdkCreateCompletion<Context = unknown> = (
  requestContext: Context,
  status: number,
  object: unknown,
) => void;

/** `NDK_FN_CLOSE_COMPLETION`: `(RequestContext)`. */
export type NdkCloseCompletion<Context = unknown> = (requestContext: Context) => void;

/** Any object `NdkCloseObject` takes. */
export type NdkObject =
  Adapter | ProtectionDomain | MemoryRegion | MemoryWindow | CompletionQueue | QueuePair;

/** @internal Whether `out` can take a result (`out.value = …`). */
export function isOut(out: unknown): out is NdkOut<unknown> {
  return typeof out === 'object' && out !== null;
}

/** @internal Whether a create function's `createCompletion` and `out` are acceptable. */
export function isCreateCallable(createCompletion: unknown, out: unknown): boolean {
  return typeof createCompletion === 'function' && isOut(out);
}
