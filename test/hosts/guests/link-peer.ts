/**
 * Host 1 of the link test: streams writes to host 0 until the test cuts its link, reports how its
 * outstanding writes ended, then once the test has restored the link, connects a fresh queue pair
 * and writes again.
 */

import { connectFaultSide, stream } from '../support/fault-side';
import { RENDEZVOUS_MS, runGuest, statusOf } from '../support/host-side';
import { publish, waitFor } from '../support/rendezvous';
import { PEER, WRITE_BYTES } from './fault-plan';

runGuest(async () => {
  const before = await connectFaultSide('link', PEER);
  const end = await stream(before, 'link-peer');
  publish('link-failed', end);
  await waitFor('link-restored', RENDEZVOUS_MS);
  const after = await connectFaultSide('relink', PEER, before.side);
  const status = await statusOf(
    after.qp.write({ mr: after.source, length: WRITE_BYTES }, after.remote),
  );
  publish('relink-written', { status });
  await before.side.adapter.close();
});
