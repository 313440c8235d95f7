/**
 * Connected queue pairs made with options (the retry options above all), for the tests of what a
 * queue pair does when its peer or the link fails. Like `connectedPair` in `peers.ts`, but either
 * side may be the requester and each side takes its own options.
 */

import { type CompletionQueue, type QueuePair, type QueuePairOptions } from '../../lib';
import { type Side } from './peers';

// Every queue pair made here, so the test closes them (not the garbage collector).
const opened: QueuePair[] = [];

/** One side of a pair to be: where it lives, and the options of its queue pair. */
export interface PairEnd {
  readonly side: Side;
  readonly options?: QueuePairOptions;
  /** Its completion queue; default the side's. */
  readonly cq?: CompletionQueue;
}

/** A fresh connected pair: `responder` (the memory's side) and `requester` (the one that posts). */
export async function optionPair(
  responder: PairEnd,
  requester: PairEnd,
): Promise<{ responder: QueuePair; requester: QueuePair }> {
  const make = (end: PairEnd) => end.side.pd.createQp(end.cq ?? end.side.cq, end.options);
  const pair = { responder: await make(responder), requester: await make(requester) };
  opened.push(pair.responder, pair.requester);
  await pair.responder.connect(pair.requester.localAddress());
  await pair.requester.connect(pair.responder.localAddress());
  return pair;
}

/** Closes every queue pair {@link optionPair} made and that is still open. */
export async function closeOptionPairs(): Promise<void> {
  await Promise.all(opened.splice(0).map((qp) => qp.close()));
}

/**
 * Milliseconds from `start` until its promise settles, and how it settled: the value, or the
 * rejection (an NdkError for the promise API).
 */
export async function timed<T>(
  start: () => Promise<T>,
): Promise<{ ms: number; value?: T; error?: unknown }> {
  const began = performance.now();
  try {
    const value = await start();
    return { ms: performance.now() - began, value };
  } catch (error) {
    return { ms: performance.now() - began, error };
  }
}

/** One try's local ACK timeout in milliseconds, as verbs defines it: 4.096 µs × 2^exponent. */
export function ackTimeoutMs(exponent: number): number {
  return (4.096 * 2 ** exponent) / 1000;
}
