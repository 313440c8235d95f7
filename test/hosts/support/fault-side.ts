/**
 * The part both hosts of a fault test share: a region the peer writes into, a queue pair with
 * finite retries connected to the peer's, and a stream of writes into the peer's region.
 */

import { execFileSync } from 'node:child_process';
import { type MemoryRegion, NdkMrFlags, type QueuePair } from '../../../lib';
import { kernelLeftovers } from '../../support/kernel';
import { type FaultReport, WARM_UP, WINDOW, WRITE_BYTES } from '../guests/fault-plan';
import { connectThrough, type HostSide, openHostSide } from './host-side';
import { publish } from './rendezvous';
import { FINITE_RETRIES, type StreamEnd, streamWrites } from './write-stream';

/** A host of a fault test, connected to its peer. */
export interface FaultSide {
  readonly side: HostSide;
  readonly qp: QueuePair;
  /** The region the peer writes into, and its memory. */
  readonly target: MemoryRegion;
  readonly targetBytes: Buffer;
  readonly source: MemoryRegion;
  readonly remote: { address: bigint; token: number };
}

/** Opens the NIC device, exposes a region, connects one queue pair (round `name`) to the peer's. */
export async function connectFaultSide(
  name: string,
  roles: { me: string; peer: string },
  side?: HostSide,
): Promise<FaultSide> {
  const host = side ?? (await openHostSide());
  const targetBytes = Buffer.alloc(WRITE_BYTES);
  const target = await host.pd.createMr();
  await target.register(targetBytes, {
    flags: NdkMrFlags.NDK_MR_FLAG_ALLOW_LOCAL_WRITE | NdkMrFlags.NDK_MR_FLAG_ALLOW_REMOTE_WRITE,
  });
  const source = await host.pd.createMr();
  await source.register(Buffer.alloc(WRITE_BYTES, 0x77), {
    flags: NdkMrFlags.NDK_MR_FLAG_ALLOW_LOCAL_WRITE,
  });
  // Finite retries, stated here even where they are the default: the tests' times depend on them.
  const qp = await host.pd.createQp(host.cq, { initiatorDepth: 2 * WINDOW, ...FINITE_RETRIES });
  const found = await connectThrough(name, roles, [qp], {
    region: { address: String(target.address), token: target.remoteToken },
  });
  return {
    side: host,
    qp,
    target,
    targetBytes,
    source,
    remote: { address: BigInt(found!.address), token: found!.token },
  };
}

/** Streams writes into the peer's region; announces `<name>-<me>-streaming` once warmed up. */
export function stream(fault: FaultSide, name: string): Promise<StreamEnd> {
  let announced = false;
  return streamWrites(
    fault.qp,
    { mr: fault.source, length: WRITE_BYTES },
    fault.remote,
    WINDOW,
    (n) => {
      if (!announced && n >= WARM_UP) {
        announced = true;
        publish(`${name}-streaming`, {});
      }
    },
  );
}

/** Deregisters the regions (reporting the status), closes everything and reports what is left. */
export async function closeAndReport(fault: FaultSide, end: StreamEnd): Promise<FaultReport> {
  let deregistered = 'STATUS_SUCCESS';
  try {
    await fault.target.deregister();
    await fault.source.deregister();
  } catch (error) {
    deregistered = (error as { statusName?: string }).statusName ?? String(error);
  }
  await fault.side.adapter.close();
  const device = process.env.NDK_VERBS_HOST_DEVICE!;
  const kernelQps = (
    JSON.parse(execFileSync('rdma', ['-j', 'resource', 'show', 'qp']).toString() || '[]') as Array<{
      ifname?: string;
    }>
  ).filter((qp) => qp.ifname === device && (qp as { lqpn?: number }).lqpn !== 1).length;
  return { ...end, deregistered, leftovers: kernelLeftovers(), kernelQps };
}
