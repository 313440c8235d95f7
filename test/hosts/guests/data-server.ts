/**
 * Host 0 of the cross-host data test: owns the memory. For each path MTU it exposes a 64 MiB region
 * that host 1 writes, and reports the region's SHA-256; then it exposes a 1 MiB region, lets host 1
 * write and read it, deregisters it, and reports whether its bytes changed after the revocation.
 */

import { createHash } from 'node:crypto';
import { NdkMrFlags } from '../../../lib';
import { kernelLeftovers } from '../../support/kernel';
import { connectThrough, openHostSide, RENDEZVOUS_MS, runGuest } from '../support/host-side';
import { publish, waitFor } from '../support/rendezvous';
import { PATH_MTUS, REVOCATION_BYTES, SERVER, TRANSFER_BYTES } from './data-plan';

const REMOTE =
  NdkMrFlags.NDK_MR_FLAG_ALLOW_LOCAL_WRITE |
  NdkMrFlags.NDK_MR_FLAG_ALLOW_REMOTE_WRITE |
  NdkMrFlags.NDK_MR_FLAG_ALLOW_REMOTE_READ;

runGuest(async () => {
  const side = await openHostSide();
  for (const pathMtu of PATH_MTUS) {
    const memory = Buffer.alloc(TRANSFER_BYTES);
    const mr = await side.pd.createMr();
    await mr.register(memory, { flags: REMOTE });
    const qp = await side.pd.createQp(side.cq);
    await connectThrough(`mtu${pathMtu}`, SERVER, [qp], {
      pathMtu,
      region: { address: String(mr.address), token: mr.remoteToken },
    });
    await waitFor(`mtu${pathMtu}-written`, RENDEZVOUS_MS);
    publish(`mtu${pathMtu}-server`, { sha256: createHash('sha256').update(memory).digest('hex') });
    await qp.close();
    await mr.deregister();
    await mr.close();
  }

  const memory = Buffer.alloc(REVOCATION_BYTES, 0x11);
  const mr = await side.pd.createMr();
  await mr.register(memory, { flags: REMOTE });
  const qps = [await side.pd.createQp(side.cq), await side.pd.createQp(side.cq)];
  await connectThrough('revocation', SERVER, qps, {
    region: { address: String(mr.address), token: mr.remoteToken },
  });
  await waitFor('revocation-written', RENDEZVOUS_MS);
  const seenBeforeRevocation = memory.toString('hex', 0, 8);
  await mr.deregister();
  const snapshot = Buffer.from(memory);
  publish('revocation-revoked', {});
  await waitFor('revocation-attempted', RENDEZVOUS_MS);
  const unchanged = memory.equals(snapshot);
  await side.adapter.close();
  publish('revocation-server', { seenBeforeRevocation, unchanged, leftovers: kernelLeftovers() });
});
