/**
 * The link between two hosts is cut while host 1 streams RDMA WRITEs to host 0: every write in
 * flight completes with a status from the work-completion table (the first STATUS_IO_TIMEOUT once
 * the retries are spent, the rest flushed), none hangs. Once the link is restored, a fresh queue
 * pair works.
 */

import { type RunHostsResult } from '../../lib';
import { WINDOW } from './guests/fault-plan';
import { type Pair, startPair } from './support/pair';
import { peek, publish, waitFor } from './support/rendezvous';
import { type StreamEnd } from './support/write-stream';

const GIVE_UP_MS = 10_000;
let pair: Pair;
let result: RunHostsResult;

beforeAll(async () => {
  pair = startPair(['link-survivor', 'link-peer']);
  const dir = pair.run.sharedDir;
  const ended = pair.run.done.then(() => {
    throw new Error(`the hosts ended too early:\n${pair.output()}`);
  });
  await Promise.race([waitFor('link-peer-streaming', 600_000, dir), ended]);
  pair.run.setLink(1, 'down');
  await Promise.race([waitFor('link-failed', 120_000, dir), ended]);
  pair.run.setLink(1, 'up');
  publish('link-restored', {}, dir);
  result = await pair.run.done;
}, 900_000);

afterAll(() => pair?.remove());

function report<T>(name: string): T {
  const found = peek<T>(name, pair.run.sharedDir);
  if (!found) throw new Error(`no ${name} report; the hosts printed:\n${pair.output()}`);
  return found;
}

test('both hosts exit 0', () => {
  if (result.exitCode !== 0) throw new Error(`exit ${result.exitCode}; output:\n${pair.output()}`);
  expect(result.hosts.map((h) => h.exitCode)).toEqual([0, 0]);
});

test('every write in flight fails with a status from the table, the first STATUS_IO_TIMEOUT', () => {
  const { failures, succeeded } = report<StreamEnd>('link-failed');
  expect(succeeded).toBeGreaterThan(0);
  expect(failures).toHaveLength(WINDOW);
  expect(failures[0]).toBe('STATUS_IO_TIMEOUT');
  for (const status of failures.slice(1))
    expect(['STATUS_IO_TIMEOUT', 'STATUS_CANCELLED']).toContain(status);
});

test('they fail within the retry time, none hangs', () => {
  const { gapMs, drainMs } = report<StreamEnd>('link-failed');
  console.log(
    `link cut: first error ${gapMs.toFixed(0)} ms after the last success, all within ${drainMs.toFixed(0)} ms more`,
  );
  expect(gapMs).toBeLessThan(GIVE_UP_MS);
  expect(drainMs).toBeLessThan(GIVE_UP_MS);
});

test('after the link is restored, a fresh queue pair writes and the bytes arrive', () => {
  expect(report<{ status: string }>('relink-written').status).toBe('STATUS_SUCCESS');
  expect(report<{ written: boolean }>('link-survivor').written).toBe(true);
});
