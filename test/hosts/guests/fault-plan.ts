/** What the hosts of the cross-host fault tests (host crash, link cut) agree on. */

/** Host 0 survives the fault; host 1 is killed, or has its link cut. */
export const SURVIVOR = { me: 'survivor', peer: 'peer' };
export const PEER = { me: 'peer', peer: 'survivor' };

/** The size of each write of the streams, and of the regions they land in. */
export const WRITE_BYTES = 64 * 1024;

/** Writes kept outstanding by each stream. */
export const WINDOW = 8;

/** Successes after which a stream announces that it runs (`<role>-streaming`). */
export const WARM_UP = 20;

/** What a host that saw its requests fail reports. */
export interface FaultReport {
  readonly succeeded: number;
  readonly failures: readonly string[];
  readonly gapMs: number;
  readonly drainMs: number;
  readonly deregistered: string;
  readonly leftovers: Record<string, number>;
  /** Queue pairs the whole kernel still has on the NIC device, after close (any process). */
  readonly kernelQps: number;
}
