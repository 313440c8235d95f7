/**
 * Queue-pair destroys run on native threads of their own: on rxe a destroy waits ~50 s while a type
 * 2 window is still bound through the queue pair, and four such destroys on the libuv pool would
 * hold all four of its threads, stalling every fs, dns, crypto and zlib call of the process.
 */

import { readFile } from 'node:fs/promises';

import { allocate, NdkCloseObject, NdkDeregisterMr, NtStatus } from '../../lib';
import {
  bindWindowThroughQp,
  closeWindowPeers,
  NOTHING_LEFT,
  openWindowPeers,
  type WindowPeers,
} from '../support/bound-window';
import { waitFor } from '../support/gc';

// Generous for an emulated VM; with the pool blocked they take ~50 s.
const QUICK_MS = 2000;
const STUCK = 4; // the libuv pool's size

let peers: WindowPeers | undefined;

afterEach(async () => {
  expect(await closeWindowPeers(peers)).toEqual(NOTHING_LEFT);
});

async function millisecondsOf(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

it('stuck queue-pair destroys delay neither a file read nor a deferred deregistration', async () => {
  peers = await openWindowPeers();
  const bound = [];
  for (let i = 0; i < STUCK; i++) bound.push(await bindWindowThroughQp(peers));
  const region = await peers.localPd.createMr({ completionPolicy: 'deferred' });
  await region.register(allocate(1 << 20));

  let closed = 0;
  for (const { qp } of bound) {
    expect(NdkCloseObject(qp, () => (closed += 1), null)).toBe(NtStatus.STATUS_PENDING);
  }
  const readMs = await millisecondsOf(() => readFile(__filename));
  const deregisterMs = await millisecondsOf(
    () =>
      new Promise<void>((resolve) => {
        expect(NdkDeregisterMr(region, () => resolve(), null)).toBe(NtStatus.STATUS_PENDING);
      }),
  );
  const closedMeanwhile = closed;
  expect(readMs).toBeLessThan(QUICK_MS);
  expect(deregisterMs).toBeLessThan(QUICK_MS);
  // The destroys were still stuck while both ran: otherwise this test could not tell.
  expect(closedMeanwhile).toBe(0);

  // Closing the windows lets the destroys return; every close then completes.
  for (const { window } of bound) await window.close();
  expect(await waitFor(() => closed === STUCK, 20000)).toBe(true);
});
