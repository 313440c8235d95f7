/**
 * A type 2 memory window bound through a connected queue pair, with everything around it: the
 * state that makes rxe's ibv_destroy_qp wait ~50 s for the window. No Jest here: child processes
 * and worker threads build it too.
 */

import {
  type Adapter,
  type CompletionQueue,
  type MemoryWindow,
  NdkMrFlags,
  openAdapter,
  type ProtectionDomain,
  type QueuePair,
} from '../../lib';
import { requireDevices } from './devices';
import { kernelLeftovers } from './kernel';

const REMOTE_ACCESS =
  NdkMrFlags.NDK_MR_FLAG_ALLOW_REMOTE_WRITE | NdkMrFlags.NDK_MR_FLAG_ALLOW_REMOTE_READ;

/** Two adapters (rxe0, rxe1), a protection domain on each, and nothing connected yet. */
export interface WindowPeers {
  readonly local: Adapter;
  readonly remote: Adapter;
  readonly localPd: ProtectionDomain;
  readonly remotePd: ProtectionDomain;
  /** What every queue pair of a side completes into. */
  readonly localCq: CompletionQueue;
  readonly remoteCq: CompletionQueue;
  /** Everything made on top, kept reachable so nothing is collected before the test ends. */
  readonly kept: unknown[];
}

/** Opens both adapters with a protection domain and a completion queue each. */
export async function openWindowPeers(): Promise<WindowPeers> {
  const [first, second] = requireDevices();
  if (second === undefined) throw new Error('these tests need two RDMA devices (rxe0 and rxe1)');
  const local = await openAdapter(first);
  const remote = await openAdapter(second);
  return {
    local,
    remote,
    localPd: await local.createPd(),
    remotePd: await remote.createPd(),
    localCq: await local.createCq(),
    remoteCq: await remote.createCq(),
    kept: [],
  };
}

/** Closes both adapters (everything under them) and returns what the kernel still holds for us. */
export async function closeWindowPeers(
  peers: WindowPeers | undefined,
): Promise<ReturnType<typeof kernelLeftovers>> {
  await peers?.local.close();
  await peers?.remote.close();
  return kernelLeftovers();
}

/** What {@link closeWindowPeers} returns when nothing was left behind. */
export const NOTHING_LEFT = { mr: 0, qp: 0, cq: 0, pd: 0 };

/**
 * Connects a fresh queue pair on rxe0 to one on rxe1 and binds a fresh window over a fresh region
 * through the rxe0 side. Returns that queue pair and the window, both left open.
 */
export async function bindWindowThroughQp(
  peers: WindowPeers,
): Promise<{ qp: QueuePair; window: MemoryWindow }> {
  const qp = await peers.localPd.createQp(peers.localCq);
  const peer = await peers.remotePd.createQp(peers.remoteCq);
  await qp.connect(peer.localAddress());
  await peer.connect(qp.localAddress());
  const memory = Buffer.alloc(8192);
  const region = await peers.localPd.createMr();
  await region.register(memory, { flags: REMOTE_ACCESS });
  const window = await peers.localPd.createMw();
  await qp.bind(window, { mr: region, offset: 0, length: 4096 }, REMOTE_ACCESS);
  if (!window.isBound) throw new Error('the window did not bind');
  peers.kept.push(qp, peer, memory, region, window);
  return { qp, window };
}
