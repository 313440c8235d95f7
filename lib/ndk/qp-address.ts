/**
 * A queue pair's address, as one side tells the other before connecting, and its validation.
 *
 * @packageDocumentation
 */

import { NtStatus } from '../status/nt-status';
import { type Outcome, refused } from './outcome';

/** What a peer needs to connect to a queue pair (`qp.localAddress()`), and what `connect` takes. */
export interface QpAddress {
  /**
   * The port's GID (index 0 unless `localAddress()` was given a choice; on rxe, index 0 is the IPv6
   * link-local address of its netdev, `gidFamily: 'ipv4'` its IPv4-mapped RoCE v2 GID): as
   * `qp.localAddress()` gives it, eight colon-separated groups of four hex digits; `connect` also
   * takes the 16 bytes, or any IPv6 text form.
   */
  readonly gid: string | Uint8Array;
  /** The queue pair number (24 bits). */
  readonly qpn: number;
  /** The initial packet sequence number (24 bits). */
  readonly psn: number;
  /** The port (1 on rxe). */
  readonly port: number;
}

/** A validated peer address, ready for the addon. */
export interface PeerAddress {
  readonly gid: Buffer;
  readonly qpn: number;
  readonly psn: number;
  readonly port: number;
}

/** The GID's 16 bytes as eight groups of four hex digits, the way `rdma` and sysfs print them. */
export function formatGid(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes).toString('hex');
  return hex.match(/.{4}/g)!.join(':');
}

/** The peer address in `value`, or the `STATUS_INVALID_PARAMETER` outcome that refuses it. */
export function peerAddress(value: unknown): PeerAddress | Outcome {
  if (typeof value !== 'object' || value === null) {
    return refused(NtStatus.STATUS_INVALID_PARAMETER, 'peer must be { gid, qpn, psn, port }');
  }
  const { gid, qpn, psn, port } = value as Record<string, unknown>;
  const bytes = gidBytes(gid);
  if (bytes === undefined) {
    return refused(NtStatus.STATUS_INVALID_PARAMETER, 'peer.gid must be 16 bytes or IPv6 text');
  }
  if (!isUint(qpn, 0xffffff) || !isUint(psn, 0xffffff) || !isUint(port, 0xff) || port === 0) {
    return refused(
      NtStatus.STATUS_INVALID_PARAMETER,
      'peer.qpn and peer.psn must be 24-bit integers, peer.port 1 to 255',
    );
  }
  return { gid: bytes, qpn, psn, port };
}

function isUint(value: unknown, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= max;
}

// 16 bytes, or IPv6 text (full or with one '::'), as a Buffer; undefined otherwise.
function gidBytes(gid: unknown): Buffer | undefined {
  if (gid instanceof Uint8Array) return gid.byteLength === 16 ? Buffer.from(gid) : undefined;
  if (typeof gid !== 'string') return undefined;
  const halves = gid.split('::');
  if (halves.length > 2) return undefined;
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  const fill = 8 - head.length - tail.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) return undefined;
  const all = [...head, ...Array<string>(Math.max(fill, 0)).fill('0'), ...tail];
  if (!all.every((group) => /^[0-9a-fA-F]{1,4}$/.test(group))) return undefined;
  return Buffer.from(all.map((group) => group.padStart(4, '0')).join(''), 'hex');
}
