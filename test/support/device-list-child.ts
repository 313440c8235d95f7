/**
 * Child process for the device-list test: lists the devices while describing a port throws (a
 * setter on Object.prototype, which the addon's property writes reach), and prints how many uverbs
 * fds the process had open before and after, as `fds {"before":…,"after":…,"threw":…}`. A child,
 * not the test itself: Jest runs tests in a realm of their own, whose Object.prototype the addon's
 * objects do not inherit from.
 */

import { readdirSync, readlinkSync } from 'node:fs';

import { listDevices } from '../../lib';

function uverbsFds(): number {
  let count = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith('/dev/infiniband/uverbs')) count += 1;
    } catch {
      // the fd readdir itself used, closed by now
    }
  }
  return count;
}

const before = uverbsFds();
Object.defineProperty(Object.prototype, 'linkLayer', {
  configurable: true,
  set() {
    throw new Error('describing a port fails');
  },
});
let threw = '';
try {
  listDevices();
} catch (error) {
  threw = (error as Error).message;
} finally {
  delete (Object.prototype as Record<string, unknown>).linkLayer;
}
console.log(
  `fds ${JSON.stringify({ before, after: uverbsFds(), threw, listed: listDevices().length })}`,
);
