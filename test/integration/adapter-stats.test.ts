/**
 * `adapter.stats()` on real rxe devices: registrations (count and bytes), pending requests (deferred
 * ones, and work requests not yet polled) and completions follow what the adapter's objects do.
 */

import { NdkDeregisterMr, NdkMrFlags, NtStatus } from '../../lib';
import {
  closePeers,
  connectedPair,
  openPeers,
  REMOTE_ACCESS,
  remoteBuffer,
} from '../support/peers';

it('counts registrations, pending requests and completions as they happen', async () => {
  const { local, remote } = await openPeers();
  const empty = { registeredRegions: 0, registeredBytes: 0, pendingRequests: 0, completions: 0 };
  expect(local.adapter.stats()).toEqual({ ...empty, queuePairs: 0 });

  const small = await local.pd.createMr();
  await small.register(Buffer.alloc(4096));
  const big = await local.pd.createMr({ completionPolicy: 'deferred' });
  await big.register(Buffer.alloc(1 << 20), {
    flags: REMOTE_ACCESS | NdkMrFlags.NDK_MR_FLAG_ALLOW_LOCAL_WRITE,
  });
  expect(local.adapter.stats()).toMatchObject({
    registeredRegions: 2,
    registeredBytes: 4096 + (1 << 20),
    pendingRequests: 0,
  });

  const { requester } = await connectedPair(local, remote);
  const source = await remoteBuffer(remote, 4096, 3);
  const writes = [0, 1, 2].map(() =>
    requester.write(
      { mr: source.mr, offset: 0, length: 4096 },
      { address: big.address, token: big.remoteToken },
    ),
  );
  // Posted, not yet polled: counted on the requester's adapter.
  expect(remote.adapter.stats().pendingRequests).toBe(3);
  await Promise.all(writes);
  expect(remote.adapter.stats()).toMatchObject({ pendingRequests: 0, completions: 3 });
  expect(local.adapter.stats().queuePairs).toBe(1);

  let done = 0;
  expect(NdkDeregisterMr(big, () => (done += 1))).toBe(NtStatus.STATUS_PENDING);
  expect(local.adapter.stats().pendingRequests).toBe(1);
  while (done === 0) await new Promise((resolve) => setImmediate(resolve));
  expect(local.adapter.stats()).toMatchObject({
    registeredRegions: 1,
    registeredBytes: 4096,
    pendingRequests: 0,
  });
  await small.deregister();
  expect(local.adapter.stats()).toMatchObject({ registeredRegions: 0, registeredBytes: 0 });
  await closePeers(local, remote);
});
