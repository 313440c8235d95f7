/**
 * The link between two hosts is cut while host 1 streams RDMA WRITEs to host 0: every write in
 * flight completes with a status from the work-completion table (the first STATUS_IO_TIMEOUT once
 * the retries are spent, the rest flushed), none hangs. Once the link is restored, a fresh queue
 * pair works.
 */

import { type RunHostsResult } from '../../lib';
import { expectAllFailedFromTheTable, expectFailedInTime } from './support/fault-checks';
import { type Pair, startPair } from './support/pair';
import { publish, waitFor } from './support/rendezvous';
import { type StreamEnd } from './support/write-stream';

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

test('both hosts exit 0', () => {
  pair.expectSuccess(result, [0, 1]);
});

test('every write in flight fails with a status from the table, the first STATUS_IO_TIMEOUT', () => {
  expectAllFailedFromTheTable(pair.report<StreamEnd>('link-failed'));
});

test('they fail within the retry time, none hangs', () => {
  expectFailedInTime(pair.report<StreamEnd>('link-failed'), 'link cut');
});

test('after the link is restored, a fresh queue pair writes and the bytes arrive', () => {
  expect(pair.report<{ status: string }>('relink-written').status).toBe('STATUS_SUCCESS');
  expect(pair.report<{ written: boolean }>('link-survivor').written).toBe(true);
});
