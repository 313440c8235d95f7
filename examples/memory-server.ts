/**
 * A tiny memory server (host 0): exposes 1 MiB for remote reads and writes, tells the client where
 * it is, waits for the client's greeting to land in it, then deregisters the region, which takes
 * the client's access away.
 *
 * Run both sides on two SoftRoCE hosts with one command (see docs/hosts.md):
 *   npx ndk-verbs vm --host 0 -- node dist/examples/memory-server.js \
 *                    --host 1 -- node dist/examples/memory-server-client.js
 */

import { NdkMrFlags, type QpAddress } from '../lib';
import { openHost, publish, waitFor } from './memory-server-host';

async function main(): Promise<void> {
  const memory = Buffer.alloc(1 << 20);
  const { adapter, qp, mr } = await openHost(
    memory,
    NdkMrFlags.NDK_MR_FLAG_ALLOW_REMOTE_WRITE | NdkMrFlags.NDK_MR_FLAG_ALLOW_REMOTE_READ,
  );
  await using _closed = adapter; // closes the region and the queue pair with it

  // The IPv4 RoCE v2 GID: what a peer on another host reaches. connect() then speaks from it too.
  const address = qp.localAddress({ gidFamily: 'ipv4' });
  publish('server', { address, region: { address: String(mr.address), token: mr.remoteToken } });
  await qp.connect((await waitFor<{ address: QpAddress }>('client')).address);
  console.log(`serving 1 MiB at ${String(address.gid)} (rkey ${mr.remoteToken})`);

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
