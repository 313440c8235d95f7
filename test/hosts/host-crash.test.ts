/**
 * A peer host crashes: host 1's VM is killed (SIGKILL of its QEMU) while host 0 and host 1 stream
 * RDMA WRITEs to each other. Host 0's outstanding writes complete with an error within the retry
 * time (finite retries: 7 tries of ~67 ms), its regions deregister normally, and after it closes,
 * its kernel holds nothing of the connection to the dead peer.
 */

import { type RunHostsResult } from '../../lib';
import { type FaultReport } from './guests/fault-plan';
import { expectAllFailedFromTheTable, expectFailedInTime } from './support/fault-checks';
import { type Pair, startPair } from './support/pair';
import { waitFor } from './support/rendezvous';

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

const report = (): FaultReport => pair.report<FaultReport>('crash-report');

test('the killed host does not count: the run exits 0, host 0 with 0', () => {
  pair.expectSuccess(result, [0]);
  expect(result.hosts[1]).toMatchObject({ killed: true, exitCode: undefined });
});

test("host 0's outstanding writes all complete: the first STATUS_IO_TIMEOUT, the rest flushed", () => {
  expectAllFailedFromTheTable(report());
});

test('they fail within the retry time, not later', () => {
  expectFailedInTime(report(), 'host crash');
});

test("host 0's regions deregister normally and its kernel holds nothing of the connection", () => {
  const { deregistered, leftovers, kernelQps } = report();
  expect(deregistered).toBe('STATUS_SUCCESS');
  expect(leftovers).toEqual({ mr: 0, qp: 0, cq: 0, pd: 0 });
  expect(kernelQps).toBe(0);
});
