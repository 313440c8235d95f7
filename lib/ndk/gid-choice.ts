/**
 * Which GID of its port a queue pair speaks from: the options of `qp.localAddress()` and
 * `qp.connect()`, their validation, and the choice in the port's GID table.
 *
 * @packageDocumentation
 */

import { NtStatus } from '../status/nt-status';
import { type Outcome, refused } from './outcome';

/** The address family of a RoCE GID: `'ipv4'` for an IPv4-mapped GID (`::ffff:a.b.c.d`), else `'ipv6'`. */
export type GidFamily = 'ipv4' | 'ipv6';

/** The type of a GID table entry, as `ibv_devinfo -v` and sysfs name them. */
export type GidType = 'IB' | 'RoCE v1' | 'RoCE v2' | 'unknown';

/** One valid entry of a port's GID table. */
export interface GidEntry {
  /** The entry's index in the port's table (what `gidIndex` names). */
  readonly index: number;
  /** The GID as eight colon-separated groups of four hex digits, as sysfs shows it. */
  readonly gid: string;
  /** `'RoCE v2'` (routable, UDP/IP), `'RoCE v1'` (Ethernet only) or `'IB'`. */
  readonly type: GidType;
}

/**
 * The source GID a queue pair uses, as `qp.localAddress()` and `qp.connect()` take it. Give at
 * most one of the two fields. With neither, `localAddress()` uses GID index 0, and `connect()`
 * uses the GID the last `localAddress()` used (index 0 if it was never called).
 */
export interface GidChoice {
  /**
   * An index in the port's GID table (`ndk-verbs devices` lists it). An index whose entry is empty
   * or beyond the table is refused with `STATUS_INVALID_PARAMETER`.
   */
  readonly gidIndex?: number;
  /**
   * The first GID of this family, a RoCE v2 one when the port has one (routable over IP), else a
   * RoCE v1 one. A port with no RoCE GID of the family refuses with `STATUS_INVALID_PARAMETER`.
   * On rxe, `'ipv4'` is the GID of its netdev's IPv4 address.
   */
  readonly gidFamily?: GidFamily;
}

/** The path MTUs RoCE knows, in bytes. */
export type PathMtu = 256 | 512 | 1024 | 2048 | 4096;

/** Options of `qp.connect()` and `NdkConnectQp`. */
export interface ConnectOptions extends GidChoice {
  /**
   * The path MTU in bytes; default 1024 (what rxe over a 1500-byte Ethernet carries). Both ends
   * must use the same, at most the port's active MTU (a larger one fails as the verbs call does).
   */
  readonly pathMtu?: PathMtu;
}

/** A table entry as the addon gives it. */
export interface RawGidEntry {
  readonly index: number;
  readonly gid: Uint8Array;
  readonly type: GidType;
}

/** Whether 16 GID bytes are an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`), RoCE's IPv4 form. */
export function isIpv4Gid(gid: Uint8Array): boolean {
  return (
    gid.length === 16 &&
    gid.subarray(0, 10).every((b) => b === 0) &&
    gid[10] === 0xff &&
    gid[11] === 0xff
  );
}

/** The validated GID choice in `value`: `{}` for "the default", or the refusal. */
export function gidChoice(value: unknown): GidChoice | Outcome {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null) {
    return refused(NtStatus.STATUS_INVALID_PARAMETER, 'options must be an object');
  }
  const { gidIndex, gidFamily } = value as Record<string, unknown>;
  if (gidIndex !== undefined && gidFamily !== undefined) {
    return refused(NtStatus.STATUS_INVALID_PARAMETER, 'give gidIndex or gidFamily, not both');
  }
  if (
    gidIndex !== undefined &&
    !(Number.isInteger(gidIndex) && (gidIndex as number) >= 0 && (gidIndex as number) <= 0xff)
  ) {
    return refused(NtStatus.STATUS_INVALID_PARAMETER, 'gidIndex must be an integer from 0 to 255');
  }
  if (gidFamily !== undefined && gidFamily !== 'ipv4' && gidFamily !== 'ipv6') {
    return refused(NtStatus.STATUS_INVALID_PARAMETER, "gidFamily must be 'ipv4' or 'ipv6'");
  }
  return {
    gidIndex: gidIndex as number | undefined,
    gidFamily: gidFamily,
  };
}

const PATH_MTUS: readonly number[] = [256, 512, 1024, 2048, 4096];

/** The validated connect options in `value` (path MTU 1024 when not given), or the refusal. */
export function connectOptions(value: unknown): (GidChoice & { pathMtu: PathMtu }) | Outcome {
  const choice = gidChoice(value);
  if ('status' in choice) return choice;
  const pathMtu = (value as { pathMtu?: unknown } | undefined)?.pathMtu ?? 1024;
  if (!PATH_MTUS.includes(pathMtu as number)) {
    return refused(
      NtStatus.STATUS_INVALID_PARAMETER,
      'pathMtu must be 256, 512, 1024, 2048 or 4096',
    );
  }
  return { ...choice, pathMtu: pathMtu as PathMtu };
}

/** Whether the choice names a GID (else the caller's default applies). */
export function choosesGid(choice: GidChoice): boolean {
  return choice.gidIndex !== undefined || choice.gidFamily !== undefined;
}

/**
 * The index the choice names in the port's table of valid entries, or the
 * `STATUS_INVALID_PARAMETER` refusal when there is no such GID.
 */
export function chooseGidIndex(
  table: readonly RawGidEntry[],
  choice: GidChoice,
): { index: number } | Outcome {
  if (choice.gidIndex !== undefined) {
    if (table.some((entry) => entry.index === choice.gidIndex)) return { index: choice.gidIndex };
    return refused(
      NtStatus.STATUS_INVALID_PARAMETER,
      `the port has no GID at index ${choice.gidIndex}`,
    );
  }
  const family = choice.gidFamily ?? 'ipv6';
  const ofFamily = table.filter((entry) => isIpv4Gid(entry.gid) === (family === 'ipv4'));
  const found =
    ofFamily.find((entry) => entry.type === 'RoCE v2') ??
    ofFamily.find((entry) => entry.type === 'RoCE v1');
  if (found) return { index: found.index };
  return refused(NtStatus.STATUS_INVALID_PARAMETER, `the port has no RoCE GID of family ${family}`);
}
