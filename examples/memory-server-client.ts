/**
 * The memory server's client (host 1): connects to the server's queue pair over the IPv4 RoCE v2
 * GIDs, writes a greeting into the server's memory and reads it back, then, once the server has
 * deregistered the region, sees its next write refused.
 *
 * Run it with the server, see memory-server.ts.
 */

import { NdkError, NdkMrFlags, type QpAddress } from '../lib';
import { openHost, publish, waitFor } from './memory-server-host';

async function main(): Promise<void> {
  const memory = Buffer.alloc(4096);
  const { adapter, qp, mr } = await openHost(memory, NdkMrFlags.NDK_MR_FLAG_ALLOW_LOCAL_WRITE);
  await using _closed = adapter; // closes the region and the queue pair with it

  publish('client', { address: qp.localAddress({ gidFamily: 'ipv4' }) });
  const server = await waitFor<{ address: QpAddress; region: { address: string; token: number } }>(
    'server',
  );
  await qp.connect(server.address);
  const remote = { address: BigInt(server.region.address), token: server.region.token };

  // This host's own address: NDK_VERBS_HOSTS lists every host's, NDK_VERBS_HOST_INDEX is ours.
  const self = Number(process.env.NDK_VERBS_HOST_INDEX ?? 1);
  const greeting = `hello from ${process.env.NDK_VERBS_HOSTS?.split(',')[self] ?? `host ${self}`}`;
  memory.write(greeting);
  await qp.write({ mr, length: greeting.length }, remote);
  await qp.read({ mr, offset: 2048, length: greeting.length }, remote);
  console.log(`read back: "${memory.toString('utf8', 2048, 2048 + greeting.length)}"`);
  publish('written', {});

  await waitFor('revoked');
  try {
    await qp.write({ mr, length: greeting.length }, remote);
    throw new Error('the write after the revocation was not refused');
  } catch (error) {
    if (!(error instanceof NdkError)) throw error;
    console.log(`write after revocation: ${error.statusName}`);
  } finally {
    publish('done', {});
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
