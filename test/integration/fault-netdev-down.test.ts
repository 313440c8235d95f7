/**
 * The netdev under rxe0 goes down while queue pairs carry traffic, then comes back: the port events
 * arrive, every request in flight completes with an error status from the work-completion table
 * within the retry time (never hangs), a region that no request references deregisters during the
 * outage, and once the link is up a new queue pair carries traffic again.
 */

import { once } from 'node:events';

import { NdkError, NdkMrFlags, NtStatus, ntSuccess, WC_STATUS_TABLE } from '../../lib';
import { netdevOf, portReady, setNetdev, waitUntil } from '../support/device-link';
import { ackTimeoutMs, closeOptionPairs, optionPair } from '../support/option-pairs';
import { closePeers, openPeers, REMOTE_ACCESS, remoteBuffer, type Side } from '../support/peers';

// Small, so that a request into the dead link fails in well under a second.
const RETRIES = { retryCount: 2, timeoutExponent: 14 } as const;
const RETRY_MS = (RETRIES.retryCount + 1) * ackTimeoutMs(RETRIES.timeoutExponent);
/** What the emulated VM may add: completions reach JavaScript through the CQ's event thread. */
const MARGIN_MS = 5000;
const TABLE_STATUSES = new Set<number>(WC_STATUS_TABLE.map((row) => row.status));

let local: Side;
let remote: Side;

beforeAll(async () => {
  ({ local, remote } = await openPeers());
});

afterAll(async () => {
  setNetdev(netdevOf(local.adapter.deviceName), 'up');
  await waitUntil('rxe0 to be ready', () => portReady(local.adapter.deviceName));
  await closeOptionPairs();
  await closePeers(local, remote);
});

it('fails requests in flight within the retry time, deregisters an idle region, and carries traffic again after up', async () => {
  const device = local.adapter.deviceName;
  const target = await local.pd.createMr();
  await target.register(Buffer.alloc(1 << 16), {
    flags: REMOTE_ACCESS | NdkMrFlags.NDK_MR_FLAG_ALLOW_LOCAL_WRITE,
  });
  const idle = await local.pd.createMr();
  await idle.register(Buffer.alloc(1 << 16));
  const source = await remoteBuffer(remote, 4096, 5);
  const { requester } = await optionPair(
    { side: local, options: RETRIES },
    { side: remote, options: RETRIES },
  );
  const write = () =>
    requester.write(
      { mr: source.mr, offset: 0, length: 4096 },
      { address: target.address, token: target.remoteToken },
    );
  await write(); // the link works

  const down = once(local.adapter, 'portDown', { signal: AbortSignal.timeout(15000) });
  setNetdev(netdevOf(device), 'down');
  await down;
  const started = performance.now();
  const inFlight = await Promise.allSettled([write(), write(), write(), write()]);
  const elapsed = performance.now() - started;
  for (const outcome of inFlight) {
    expect(outcome.status).toBe('rejected');
    const error = (outcome as PromiseRejectedResult).reason as NdkError;
    expect(error).toBeInstanceOf(NdkError);
    expect(TABLE_STATUSES.has(error.status)).toBe(true);
  }
  expect(elapsed).toBeLessThan(RETRY_MS + MARGIN_MS);
  // No request references `idle`: rxe does not wait for anything to deregister it.
  await idle.deregister();
  expect(idle.isRegistered).toBe(false);

  const active = once(local.adapter, 'portActive', { signal: AbortSignal.timeout(15000) });
  setNetdev(netdevOf(device), 'up');
  await active;
  await waitUntil(`${device} to be ready`, () => portReady(device));
  // The old pair is in the error state; a new one works.
  const fresh = await optionPair({ side: local }, { side: remote });
  const result = await fresh.requester.write(
    { mr: source.mr, offset: 0, length: 4096 },
    { address: target.address, token: target.remoteToken },
  );
  expect(ntSuccess(result.status)).toBe(true);
  expect(result.status).toBe(NtStatus.STATUS_SUCCESS);
  console.log(
    `netdev down: ${inFlight.length} writes failed in ${elapsed.toFixed(0)} ms ` +
      `(retry time ${RETRY_MS.toFixed(0)} ms): ` +
      inFlight.map((o) => ((o as PromiseRejectedResult).reason as NdkError).statusName).join(', '),
  );
});
