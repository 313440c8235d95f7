/** What host 0 and host 1 of the cross-host data test agree on. */

/** The roles of the rendezvous: host 0 owns the memory, host 1 reaches it. */
export const SERVER = { me: 'server', peer: 'client' };
export const CLIENT = { me: 'client', peer: 'server' };

/** The path MTUs the 64 MiB write crosses with. */
export const PATH_MTUS = [1024, 4096] as const;

/** The big write: 64 MiB. */
export const TRANSFER_BYTES = 64 * 1024 * 1024;

/** The region whose revocation is checked. */
export const REVOCATION_BYTES = 1024 * 1024;

/** The bytes host 1 writes before the revocation, and tries to write after it. */
export const WRITTEN_BYTE = 0xa5;
export const LATE_BYTE = 0x5a;

/** What host 1 reports for each path MTU. */
export interface TransferReport {
  readonly sha256: string;
  readonly status: string;
  readonly ms: number;
}

/** What host 1 reports of the revocation. */
export interface RevocationReport {
  readonly writeBefore: string;
  readonly readBefore: string;
  readonly readBackMatches: boolean;
  readonly writeAfter: string;
  readonly writeAfterThat: string;
  readonly readOnFreshQp: string;
  readonly readAfterThat: string;
}
