/**
 * Two queue pairs, one region: register memory on rxe0, let a queue pair on rxe1 RDMA WRITE into it
 * with the region's remote token, deregister, and watch the same WRITE be refused.
 *
 * Run with `ndk-verbs vm -- node dist/examples/two-qp.js` on a machine without RDMA devices.
 */

import { NdkError, NdkMrFlags, openAdapter } from '../lib';

async function main(): Promise<void> {
  // The memory's owner (rxe0) and the peer (rxe1), each with a PD and a self-draining CQ.
  await using owner = await openAdapter('rxe0');
  await using peer = await openAdapter('rxe1');
  const [ownerPd, peerPd] = [await owner.createPd(), await peer.createPd()];
  const [ownerCq, peerCq] = [await owner.createCq(), await peer.createCq()];

  // Connect: each side hands the other its { gid, qpn, psn, port } (here simply in-process).
  const connect = async () => {
    const responder = await ownerPd.createQp(ownerCq);
    const requester = await peerPd.createQp(peerCq);
    await responder.connect(requester.localAddress());
    await requester.connect(responder.localAddress());
    return requester;
  };

  // The region a peer may write: 4 KiB on rxe0, remote write allowed.
  const memory = Buffer.alloc(4096);
  const mr = await ownerPd.createMr();
  await mr.register(memory, { flags: NdkMrFlags.NDK_MR_FLAG_ALLOW_REMOTE_WRITE });
  const remote = { address: mr.address, token: mr.remoteToken };
  console.log(
    `registered: address 0x${remote.address.toString(16)}, rkey 0x${remote.token.toString(16)}`,
  );

  // The peer's source buffer.
  const source = Buffer.from('hello from rxe1'.padEnd(4096, '.'));
  const sourceMr = await peerPd.createMr();
  await sourceMr.register(source);

  const writer = await connect();
  const result = await writer.write({ mr: sourceMr, length: 15 }, remote);
  console.log(`write: ${result.verbsStatus}; memory now says "${memory.toString('utf8', 0, 15)}"`);

  await mr.deregister();
  console.log('deregistered: the old rkey is revoked');

  // The requester of a refused request goes to the error state: a fresh pair for the retry.
  const again = await connect();
  memory.fill(0);
  try {
    await again.write({ mr: sourceMr, length: 15 }, remote);
    console.log('write after deregistration succeeded?!');
    process.exitCode = 1;
  } catch (error) {
    const e = error as NdkError;
    console.log(`write after deregistration: ${e.statusName} (${e.message})`);
    console.log(`memory untouched: ${memory.every((b) => b === 0)}`);
  }
  // `await using` closes both adapters: queue pairs, regions, queues and domains first.
}

main().catch((error: unknown) => {
  console.error('two-qp failed:', error);
  process.exitCode = 1;
});
