/**
 * This process's memory mappings as the kernel lists them in /proc/self/smaps: each one's address
 * range and whether it is advised MADV_DONTFORK (the `dc` VmFlag: a fork() child does not receive
 * it). Read once per call, so each check sees one consistent listing.
 */

import { readFileSync } from 'node:fs';

/** One mapping: `[from, to)` and its fork advice. */
export interface Mapping {
  readonly from: bigint;
  readonly to: bigint;
  readonly keptOutOfForks: boolean;
}

/** Every mapping of this process, in address order. */
export function processMappings(): Mapping[] {
  const mappings: Mapping[] = [];
  let range: { from: bigint; to: bigint } | undefined;
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    const header = /^([0-9a-f]+)-([0-9a-f]+) /.exec(line);
    if (header) {
      range = { from: BigInt(`0x${header[1]}`), to: BigInt(`0x${header[2]}`) };
    } else if (range && line.startsWith('VmFlags:')) {
      mappings.push({ ...range, keptOutOfForks: line.split(/\s+/).includes('dc') });
      range = undefined;
    }
  }
  return mappings;
}
