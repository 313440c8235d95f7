/**
 * Host 0 of the host-crash test: streams writes to host 1 while host 1 streams writes to it, until
 * host 1's VM is killed. Its outstanding writes must then complete with an error within the retry
 * time; it deregisters its regions, closes, and reports what the kernel still holds.
 */

import { closeAndReport, connectFaultSide, stream } from '../support/fault-side';
import { runGuest } from '../support/host-side';
import { publish } from '../support/rendezvous';
import { SURVIVOR } from './fault-plan';

runGuest(async () => {
  const fault = await connectFaultSide('crash', SURVIVOR);
  const end = await stream(fault, 'crash-survivor');
  publish('crash-report', await closeAndReport(fault, end));
});
