/**
 * The kernel's view of which pages a fork() child would not receive: the `dc` ("do not copy on
 * fork", MADV_DONTFORK) flag of the mapping that holds them, in /proc/self/smaps.
 */

import { readFileSync } from 'node:fs';

import { pageSize } from '../../lib';

/** Whether the page holding `address` is in a mapping of this process advised MADV_DONTFORK. */
export function keptOutOfForks(address: bigint): boolean {
  let inside = false;
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    const range = /^([0-9a-f]+)-([0-9a-f]+) /.exec(line);
    if (range) {
      inside = BigInt(`0x${range[1]}`) <= address && address < BigInt(`0x${range[2]}`);
    } else if (inside && line.startsWith('VmFlags:')) {
      return line.split(/\s+/).includes('dc');
    }
  }
  throw new Error(`no mapping of this process holds 0x${address.toString(16)}`);
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
  const copied: Array<[bigint, bigint]> = [];
  let current: [bigint, bigint] | undefined;
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    const range = /^([0-9a-f]+)-([0-9a-f]+) /.exec(line);
    if (range) {
      const from = BigInt(`0x${range[1]}`);
      const to = BigInt(`0x${range[2]}`);
      current =
        from < end && start < to ? [from > start ? from : start, to < end ? to : end] : undefined;
    } else if (current && line.startsWith('VmFlags:') && !line.split(/\s+/).includes('dc')) {
      copied.push(current);
    }
  }
  return copied;
}
