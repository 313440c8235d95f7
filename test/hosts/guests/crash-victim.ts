/**
 * Host 1 of the host-crash test: streams writes to host 0 until the test kills its VM (SIGKILL of
 * QEMU, no clean shutdown), so it never ends by itself.
 */

import { connectFaultSide, stream } from '../support/fault-side';
import { runGuest } from '../support/host-side';
import { PEER } from './fault-plan';

runGuest(async () => {
  const fault = await connectFaultSide('crash', PEER);
  await stream(fault, 'crash-victim');
  throw new Error('the stream to host 0 ended while host 0 was alive');
});
