/**
 * One host's side of a cross-host test: the adapter on the host's NIC (`NDK_VERBS_HOST_DEVICE`,
 * the rxe device on the shared segment) and queue pairs connected to the other host's through the
 * rendezvous directory, over the IPv4 RoCE v2 GIDs.
 */

import {
  type Adapter,
  type CompletionQueue,
  type ConnectOptions,
  type NdkResult,
  ntStatusName,
  openAdapter,
  type ProtectionDomain,
  type QpAddress,
  type QueuePair,
} from '../../../lib';
import { publish, waitFor } from './rendezvous';

/** The adapter, protection domain and completion queue of this host's NIC device. */
export interface HostSide {
  readonly adapter: Adapter;
  readonly pd: ProtectionDomain;
  readonly cq: CompletionQueue;
}

/** A region the peer may reach: where it is and its token. */
export interface RemoteRegion {
  readonly address: string;
  readonly token: number;
}

/** How long one side waits for the other at a rendezvous (boots and emulation are slow). */
export const RENDEZVOUS_MS = 240_000;

/** Opens this host's NIC device. */
export async function openHostSide(): Promise<HostSide> {
  const device = process.env.NDK_VERBS_HOST_DEVICE;
  if (!device) throw new Error('NDK_VERBS_HOST_DEVICE is not set: run this on hosts of runHosts');
  const adapter = await openAdapter(device);
  const pd = await adapter.createPd();
  return { adapter, pd, cq: await adapter.createCq() };
}

/**
 * Publishes the addresses of `qps` (their IPv4 RoCE v2 GIDs) and a region as `<name>-<me>`, waits
 * for the peer's `<name>-<peer>`, and connects `qps[i]` to the peer's i-th queue pair.
 *
 * @returns The peer's region, if it published one.
 */
export async function connectThrough(
  name: string,
  roles: { me: string; peer: string },
  qps: readonly QueuePair[],
  options: ConnectOptions & { region?: RemoteRegion } = {},
): Promise<RemoteRegion | undefined> {
  const { region, ...connect } = options;
  const addresses = qps.map((qp) => qp.localAddress({ gidFamily: 'ipv4' }));
  publish(`${name}-${roles.me}`, { addresses, region });
  const peer = await waitFor<{ addresses: QpAddress[]; region?: RemoteRegion }>(
    `${name}-${roles.peer}`,
    RENDEZVOUS_MS,
  );
  // No gid option: connect() speaks from the GID localAddress() chose, the IPv4 one.
  for (const [i, qp] of qps.entries()) await qp.connect(peer.addresses[i], connect);
  return peer.region;
}

/** The status name of a promise API request: its result's, or its rejection's. */
export async function statusOf(request: Promise<NdkResult>): Promise<string> {
  try {
    return ntStatusName((await request).status);
  } catch (error) {
    return (error as { statusName?: string }).statusName ?? String(error);
  }
}

/** Runs a guest program's `main`, reporting a failure on stderr with exit status 1. */
export function runGuest(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  });
}
