/**
 * The kernel's view of which pages a fork() child would not receive: the `dc` ("do not copy on
 * fork", MADV_DONTFORK) flag of the mapping that holds them, in /proc/self/smaps.
 */

import { pageSize } from '../../lib';
import { processMappings } from './mappings';

/** Whether the page holding `address` is in a mapping of this process advised MADV_DONTFORK. */
export function keptOutOfForks(address: bigint): boolean {
  const mapping = processMappings().find(({ from, to }) => from <= address && address < to);
  if (!mapping) throw new Error(`no mapping of this process holds 0x${address.toString(16)}`);
  return mapping.keptOutOfForks;
}

/** The start of the page holding `address`. */
export function pageOf(address: bigint): bigint {
  return address - (address % BigInt(pageSize));
}

/** The address `pages` whole pages after `address`. */
export function pagesAfter(address: bigint, pages: number): bigint {
  return address + BigInt(pages * pageSize);
}

/**
 * The parts of [`start`, `end`) that a fork() child would receive: the stretches of mappings of
 * this process that overlap the range and are not advised MADV_DONTFORK, as `[from, to)` pairs
 * clipped to the range. Empty when every page of the range is kept out of children.
 */
export function forkCopiedRanges(start: bigint, end: bigint): Array<[bigint, bigint]> {
  return processMappings()
    .filter(({ from, to, keptOutOfForks }) => !keptOutOfForks && from < end && start < to)
    .map(({ from, to }) => [from > start ? from : start, to < end ? to : end]);
}
