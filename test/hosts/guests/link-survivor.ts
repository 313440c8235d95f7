/**
 * Host 0 of the link test: exposes a region to host 1 before the link is cut, and a fresh one
 * (with a fresh queue pair) after it is restored, and reports what host 1 wrote into the second.
 */

import { connectFaultSide } from '../support/fault-side';
import { RENDEZVOUS_MS, runGuest } from '../support/host-side';
import { publish, waitFor } from '../support/rendezvous';
import { SURVIVOR } from './fault-plan';

runGuest(async () => {
  const before = await connectFaultSide('link', SURVIVOR);
  const after = await connectFaultSide('relink', SURVIVOR, before.side);
  await waitFor('relink-written', RENDEZVOUS_MS);
  const written = after.targetBytes.every((byte) => byte === 0x77);
  await before.side.adapter.close();
  publish('link-survivor', { written });
});
