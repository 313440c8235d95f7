/**
 * Child process for the peer-killed fault test: the far end of a stream of writes. On rxe1 it
 * registers a region for remote writes and creates a queue pair; it prints one JSON line with its
 * thread ids, its queue pair's address and the region's address and token, reads the parent's
 * queue-pair address from stdin, connects, prints `connected`, and then waits to be killed.
 */

import { readdirSync } from 'node:fs';
import { createInterface } from 'node:readline';

import { NdkMrFlags, openAdapter, type QpAddress } from '../../lib';
import { requireDevices } from './devices';

/** Bytes of the child's region. */
export const PEER_REGION_BYTES = 1 << 20;

async function main(): Promise<void> {
  const [, device] = requireDevices();
  if (device === undefined) throw new Error('the stream peer needs a second device (rxe1)');
  const adapter = await openAdapter(device);
  const pd = await adapter.createPd();
  const cq = await adapter.createCq();
  const qp = await pd.createQp(cq);
  const mr = await pd.createMr();
  await mr.register(Buffer.alloc(PEER_REGION_BYTES), {
    flags: NdkMrFlags.NDK_MR_FLAG_ALLOW_REMOTE_WRITE | NdkMrFlags.NDK_MR_FLAG_ALLOW_LOCAL_WRITE,
  });
  const address = qp.localAddress();
  console.log(
    JSON.stringify({
      tasks: readdirSync('/proc/self/task').map(Number),
      address,
      region: { address: String(mr.address), token: mr.remoteToken },
    }),
  );
  const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  const line = await lines.next();
  await qp.connect(JSON.parse(String(line.value)) as QpAddress);
  console.log('connected');
  setInterval(() => {}, 1000); // the parent sends SIGKILL
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
