/**
 * Two adapters as RDMA peers: rxe0 holds the memory under test, rxe1 is the remote side that
 * reaches it through connected RC queue pairs. Fresh queue pairs per check: a remote access error
 * leaves the requester's queue pair in the error state.
 */

import {
  type Adapter,
  type CompletionQueue,
  type MemoryRegion,
  NdkMrFlags,
  openAdapter,
  type ProtectionDomain,
  type QueuePair,
} from '../../lib';
import { requireDevices } from './devices';
import { kernelLeftovers } from './kernel';

/** One side: adapter, protection domain and a self-draining completion queue. */
export interface Side {
  readonly adapter: Adapter;
  readonly pd: ProtectionDomain;
  readonly cq: CompletionQueue;
}

/** Opens `local` (rxe0, the memory's owner) and `remote` (rxe1, the peer). */
export async function openPeers(): Promise<{ local: Side; remote: Side }> {
  const [first, second] = requireDevices();
  if (second === undefined) throw new Error('these tests need two RDMA devices (rxe0 and rxe1)');
  const open = async (name: string): Promise<Side> => {
    const adapter = await openAdapter(name);
    const pd = await adapter.createPd();
    return { adapter, pd, cq: await adapter.createCq() };
  };
  return { local: await open(first), remote: await open(second) };
}

// Every queue pair made here, so the test closes them (not the garbage collector).
const opened: QueuePair[] = [];

/** Closes every queue pair {@link connectedPair} made. */
export async function closePairs(): Promise<void> {
  await Promise.all(opened.splice(0).map((qp) => qp.close()));
}

/** A fresh connected pair: `responder` on the local side, `requester` on the remote side. */
export async function connectedPair(
  local: Side,
  remote: Side,
  requesterCq: CompletionQueue = remote.cq,
): Promise<{ responder: QueuePair; requester: QueuePair }> {
  const responder = await local.pd.createQp(local.cq);
  const requester = await remote.pd.createQp(requesterCq);
  opened.push(responder, requester);
  await responder.connect(requester.localAddress());
  await requester.connect(responder.localAddress());
  return { responder, requester };
}

/** Remote read and write, as the region under test is registered. */
export const REMOTE_ACCESS =
  NdkMrFlags.NDK_MR_FLAG_ALLOW_REMOTE_WRITE | NdkMrFlags.NDK_MR_FLAG_ALLOW_REMOTE_READ;

/** A registered source/sink region on the remote side, filled with `fill`. */
export async function remoteBuffer(
  remote: Side,
  length: number,
  fill: number,
): Promise<{ mr: MemoryRegion; bytes: Buffer }> {
  const bytes = Buffer.alloc(length, fill);
  const mr = await remote.pd.createMr();
  await mr.register(bytes, { flags: NdkMrFlags.NDK_MR_FLAG_ALLOW_LOCAL_WRITE });
  return { mr, bytes };
}

/**
 * Ends a test with peers: closes the queue pairs {@link connectedPair} made, then both adapters
 * (everything under them), and checks the kernel holds nothing of this process.
 */
export async function closePeers(...sides: Array<Side | undefined>): Promise<void> {
  await closePairs();
  for (const side of sides) await side?.adapter.close();
  expect(kernelLeftovers()).toEqual({ mr: 0, qp: 0, cq: 0, pd: 0 });
}
