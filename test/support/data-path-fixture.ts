/**
 * The objects the data-path bad-input tests share, built once per file: a queue pair on rxe0
 * connected to one on rxe1, and around them one object of each state a refusal is about (never
 * connected, closed, never registered, of another protection domain, of the other adapter).
 */

import {
  type CompletionQueue,
  type MemoryRegion,
  type ProtectionDomain,
  type QueuePair,
} from '../../lib';
import { kernelLeftovers } from './kernel';
import { closePeers, connectedPair, openPeers, REMOTE_ACCESS, type Side } from './peers';

/** The bytes of {@link DataPathFixture.region}. */
export const REGION_BYTES = 16384;

/** Filled in by `beforeAll`; read it inside tests and hooks only. */
export interface DataPathFixture {
  /** rxe0: the side under test. */
  local: Side;
  /** rxe1: the peer, and the source of foreign objects. */
  remote: Side;
  /** rxe0 side of the connected pair. */
  qp: QueuePair;
  /** rxe1 side of the connected pair. */
  peer: QueuePair;
  /** rxe0, local PD, never connected. */
  unconnected: QueuePair;
  closedQp: QueuePair;
  /** rxe0, local PD, REGION_BYTES registered for local write and remote access. */
  region: MemoryRegion;
  /** rxe0, local PD, never registered. */
  freshRegion: MemoryRegion;
  /** rxe0, local PD, closed while registered. */
  closedRegion: MemoryRegion;
  /** rxe0, a second PD, with a registered region. */
  otherPd: ProtectionDomain;
  otherPdRegion: MemoryRegion;
  /** rxe1, registered for remote access: the memory the writes and reads aim at. */
  peerRegion: MemoryRegion;
  closedPd: ProtectionDomain;
  closedCq: CompletionQueue;
  /** What the kernel held for this process once all of the above existed. */
  kernelAfterSetUp: ReturnType<typeof kernelLeftovers>;
}

/** Options of {@link useDataPathFixture}. */
export interface DataPathFixtureOptions {
  /** Runs after the file's tests, before the queue pairs close (e.g. closing bound windows). */
  readonly beforeClose?: () => Promise<void>;
}

/**
 * Registers the hooks that build the fixture before the file's tests and close it after them,
 * checking the kernel then holds nothing of this process.
 */
export function useDataPathFixture(options: DataPathFixtureOptions = {}): DataPathFixture {
  const f = {} as DataPathFixture;
  beforeAll(async () => {
    const { local, remote } = await openPeers();
    f.local = local;
    f.remote = remote;
    ({ responder: f.qp, requester: f.peer } = await connectedPair(local, remote));
    f.unconnected = await local.pd.createQp(local.cq);
    f.closedQp = await local.pd.createQp(local.cq);
    await f.closedQp.close();
    f.region = await registered(local.pd, REGION_BYTES);
    f.freshRegion = await local.pd.createMr();
    f.closedRegion = await registered(local.pd);
    await f.closedRegion.close();
    f.otherPd = await local.adapter.createPd();
    f.otherPdRegion = await registered(f.otherPd);
    f.peerRegion = await registered(remote.pd);
    f.closedPd = await local.adapter.createPd();
    await f.closedPd.close();
    f.closedCq = await local.adapter.createCq();
    await f.closedCq.close();
    f.kernelAfterSetUp = kernelLeftovers();
  });
  afterAll(async () => {
    await options.beforeClose?.();
    await f.unconnected?.close();
    await closePeers(f.local, f.remote);
  });
  return f;
}

async function registered(pd: ProtectionDomain, length = 4096): Promise<MemoryRegion> {
  const mr = await pd.createMr();
  await mr.register(Buffer.alloc(length), { flags: REMOTE_ACCESS });
  return mr;
}
