/**
 * A tiny memory server (host 0): exposes 1 MiB for remote reads and writes, tells the client where
 * it is, waits for the client's greeting to land in it, then deregisters the region, which takes
 * the client's access away.
 *
 * Run both sides on two SoftRoCE hosts with one command (see docs/hosts.md):
 *   npx ndk-verbs vm --host 0 -- node dist/examples/memory-server.js \
 *                    --host 1 -- node dist/examples/memory-server-client.js
 */

import { NdkMrFlags, openAdapter, type QpAddress } from '../lib';
import { publish, waitFor } from './memory-server-rendezvous';

async function main(): Promise<void> {
  // The rxe device on this host's NIC (rxe2 next to the veth pair's rxe0 and rxe1).
  await using adapter = await openAdapter(process.env.NDK_VERBS_HOST_DEVICE ?? 'rxe2');
  const pd = await adapter.createPd();
  const qp = await pd.createQp(await adapter.createCq());

  const memory = Buffer.alloc(1 << 20);
  const mr = await pd.createMr();
  await mr.register(memory, {
    flags: NdkMrFlags.NDK_MR_FLAG_ALLOW_REMOTE_WRITE | NdkMrFlags.NDK_MR_FLAG_ALLOW_REMOTE_READ,
  });

  // The IPv4 RoCE v2 GID: what a peer on another host reaches. connect() then speaks from it too.
  const address = qp.localAddress({ gidFamily: 'ipv4' });
  publish('server', { address, region: { address: String(mr.address), token: mr.remoteToken } });
  await qp.connect((await waitFor<{ address: QpAddress }>('client')).address);
  console.log(`serving 1 MiB at ${address.gid} (rkey ${mr.remoteToken})`);

  await waitFor('written');
  console.log(`the client wrote: "${memory.toString('utf8', 0, memory.indexOf(0))}"`);
  await mr.deregister();
  publish('revoked', {});
  console.log('region deregistered: the client has no access any more');
  await waitFor('done');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
