/**
 * A peer host crashes: host 1's VM is killed (SIGKILL of its QEMU) while host 0 and host 1 stream
 * RDMA WRITEs to each other. Host 0's outstanding writes complete with an error within the retry
 * time (finite retries: 7 tries of ~67 ms), its regions deregister normally, and after it closes,
 * its kernel holds nothing of the connection to the dead peer.
 */

import { type RunHostsResult } from '../../lib';
import { type FaultReport, WINDOW } from './guests/fault-plan';
import { type Pair, startPair } from './support/pair';
import { peek, waitFor } from './support/rendezvous';

/** Retries give up after ~0.5 s; emulation on a shared machine stretches that several times. */
const GIVE_UP_MS = 10_000;
let pair: Pair;
let result: RunHostsResult;

beforeAll(async () => {
  pair = startPair(['crash-survivor', 'crash-victim']);
  const dir = pair.run.sharedDir;
  // Both streams run: host 1 writes into host 0, host 0 has writes outstanding towards host 1.
  await Promise.race([
    Promise.all([
      waitFor('crash-survivor-streaming', 600_000, dir),
      waitFor('crash-victim-streaming', 600_000, dir),
    ]),
    pair.run.done.then(() => {
      throw new Error(`the hosts ended before both streams ran:\n${pair.output()}`);
    }),
  ]);
  pair.run.kill(1);
  result = await pair.run.done;
}, 900_000);

afterAll(() => pair?.remove());

function report(): FaultReport {
  const found = peek<FaultReport>('crash-report', pair.run.sharedDir);
  if (!found) throw new Error(`host 0 reported nothing; the hosts printed:\n${pair.output()}`);
  return found;
}

test('the killed host does not count: the run exits 0, host 0 with 0', () => {
  if (result.exitCode !== 0) throw new Error(`exit ${result.exitCode}; output:\n${pair.output()}`);
  expect(result.hosts[1]).toMatchObject({ killed: true, exitCode: undefined });
  expect(result.hosts[0]).toMatchObject({ killed: false, exitCode: 0 });
});

test("host 0's outstanding writes all complete: the first STATUS_IO_TIMEOUT, the rest flushed", () => {
  const { failures, succeeded } = report();
  expect(succeeded).toBeGreaterThan(0);
  expect(failures).toHaveLength(WINDOW);
  expect(failures[0]).toBe('STATUS_IO_TIMEOUT');
  for (const status of failures.slice(1))
    expect(['STATUS_IO_TIMEOUT', 'STATUS_CANCELLED']).toContain(status);
});

test('they fail within the retry time, not later', () => {
  const { gapMs, drainMs } = report();
  console.log(
    `host crash: first error ${gapMs.toFixed(0)} ms after the last success, all within ${drainMs.toFixed(0)} ms more`,
  );
  expect(gapMs).toBeLessThan(GIVE_UP_MS);
  expect(drainMs).toBeLessThan(GIVE_UP_MS);
});

test("host 0's regions deregister normally and its kernel holds nothing of the connection", () => {
  const { deregistered, leftovers, kernelQps } = report();
  expect(deregistered).toBe('STATUS_SUCCESS');
  expect(leftovers).toEqual({ mr: 0, qp: 0, cq: 0, pd: 0 });
  expect(kernelQps).toBe(0);
});
