/**
 * Deregistration revokes access, proven by a real RDMA peer: a queue pair on rxe1 writes and reads a
 * region on rxe0 with its remote token; once NdkDeregisterMr has completed, the same requests fail
 * with STATUS_ACCESS_VIOLATION and the memory is untouched — also while a stream of writes is in
 * flight, and after the same memory is registered again under a new token.
 */

import {
  type CompletionQueue,
  type MemoryRegion,
  NdkArmCq,
  NdkCloseObject,
  NdkCqNotifyType,
  NdkCreateCq,
  NdkDeregisterMr,
  NdkGetCqResults,
  type NdkOut,
  type NdkResult,
  NdkWrite,
  NtStatus,
  ntStatusName,
} from '../../lib';
import { waitFor } from '../support/gc';
import {
  closePeers,
  connectedPair,
  openPeers,
  REMOTE_ACCESS,
  remoteBuffer,
  type Side,
} from '../support/peers';

const SIZE = 4096;
let local: Side;
let remote: Side;

beforeEach(async () => {
  ({ local, remote } = await openPeers());
});

afterEach(async () => {
  await closePeers(local, remote);
});

/** Registers `memory` on rxe0 for remote read and write. */
async function exposed(memory: Buffer): Promise<MemoryRegion> {
  const mr = await local.pd.createMr();
  await mr.register(memory, { flags: REMOTE_ACCESS });
  return mr;
}

/** NdkDeregisterMr, waiting for its completion when it is pending; returns the final status. */
async function deregister(mr: MemoryRegion): Promise<number> {
  let late: number | undefined;
  const status = NdkDeregisterMr(mr, (_context, s) => (late = s), undefined);
  if (status !== NtStatus.STATUS_PENDING) return status;
  await waitFor(() => late !== undefined);
  return late!;
}

/** Status name of a promise API request: its result's status, or its rejection's. */
async function outcomeOf(request: Promise<NdkResult>): Promise<string> {
  try {
    return ntStatusName((await request).status);
  } catch (error) {
    return (error as { statusName: string }).statusName;
  }
}

it('WRITE and READ with the remote token work; after deregistration both are ACCESS_VIOLATION and the bytes are unchanged', async () => {
  const memory = Buffer.alloc(SIZE, 0x11);
  const mr = await exposed(memory);
  const token = { address: mr.address, token: mr.remoteToken };
  const source = await remoteBuffer(remote, SIZE, 0xa5);

  const before = await connectedPair(local, remote);
  const written = await before.requester.write({ mr: source.mr, length: SIZE }, token);
  expect(written.verbsStatus).toBe('IBV_WC_SUCCESS');
  expect(memory.equals(Buffer.alloc(SIZE, 0xa5))).toBe(true);
  memory.fill(0x3c, 0, 64);
  const read = await before.requester.read({ mr: source.mr, length: 64 }, token);
  expect(ntStatusName(read.status)).toBe('STATUS_SUCCESS');
  expect(source.bytes.subarray(0, 64).equals(Buffer.alloc(64, 0x3c))).toBe(true);

  // The adapter has queue pairs, so 'auto' deregisters deferred: PENDING, then the completion.
  expect(local.adapter.hasQueuePairs).toBe(true);
  expect(ntStatusName(await deregister(mr))).toBe('STATUS_SUCCESS');
  const snapshot = Buffer.from(memory);

  const afterWrite = await connectedPair(local, remote);
  source.bytes.fill(0xee);
  const write = afterWrite.requester.write({ mr: source.mr, length: SIZE }, token);
  await expect(outcomeOf(write)).resolves.toBe('STATUS_ACCESS_VIOLATION');
  await expect(write.catch((e: Error) => e.message)).resolves.toContain('IBV_WC_REM_ACCESS_ERR');
  expect(memory.equals(snapshot)).toBe(true);

  const afterRead = await connectedPair(local, remote);
  source.bytes.fill(0x77);
  const readBack = afterRead.requester.read({ mr: source.mr, length: SIZE }, token);
  await expect(outcomeOf(readBack)).resolves.toBe('STATUS_ACCESS_VIOLATION');
  expect(source.bytes.equals(Buffer.alloc(SIZE, 0x77))).toBe(true);
  expect(memory.equals(snapshot)).toBe(true);
});

it('registering the same memory again gives a new token; the old one stays rejected', async () => {
  const memory = Buffer.alloc(SIZE, 0);
  const mr = await exposed(memory);
  const old = { address: mr.address, token: mr.remoteToken };
  expect(ntStatusName(await deregister(mr))).toBe('STATUS_SUCCESS');
  await mr.register(memory, { flags: REMOTE_ACCESS });
  const renewed = { address: mr.address, token: mr.remoteToken };
  expect(renewed.token).not.toBe(old.token);
  expect(renewed.address).toBe(old.address);
  const source = await remoteBuffer(remote, SIZE, 0x42);

  const stale = await connectedPair(local, remote);
  const refused = stale.requester.write({ mr: source.mr, length: SIZE }, old);
  await expect(outcomeOf(refused)).resolves.toBe('STATUS_ACCESS_VIOLATION');
  expect(memory.equals(Buffer.alloc(SIZE, 0))).toBe(true);

  const fresh = await connectedPair(local, remote);
  const accepted = await fresh.requester.write({ mr: source.mr, length: SIZE }, renewed);
  expect(ntStatusName(accepted.status)).toBe('STATUS_SUCCESS');
  expect(memory.equals(Buffer.alloc(SIZE, 0x42))).toBe(true);
});

it('deregistration during a stream of WRITEs: each completes exactly once, none succeeds after the revocation', async () => {
  const memory = Buffer.alloc(SIZE, 0);
  const mr = await exposed(memory);
  const token = { address: mr.address, token: mr.remoteToken };
  const source = await remoteBuffer(remote, SIZE, 0x99);

  // NDK style on the requester side: an armed queue, a notification, NdkGetCqResults.
  const results: NdkResult[] = [];
  const cqOut: NdkOut<CompletionQueue> = {};
  const onNotify = () => {
    const batch: NdkResult[] = [];
    let n: number;
    while ((n = NdkGetCqResults(cqOut.value!, batch, 16)) > 0) results.push(...batch.slice(0, n));
    NdkArmCq(cqOut.value!, NdkCqNotifyType.NDK_CQ_NOTIFY_ANY);
    // What arrived between the poll and the arm raised no event.
    while ((n = NdkGetCqResults(cqOut.value!, batch, 16)) > 0) results.push(...batch.slice(0, n));
  };
  expect(NdkCreateCq(remote.adapter, 256, onNotify, null, () => {}, null, cqOut)).toBe(
    NtStatus.STATUS_SUCCESS,
  );
  const { requester } = await connectedPair(local, remote, cqOut.value);
  expect(NdkArmCq(cqOut.value!, NdkCqNotifyType.NDK_CQ_NOTIFY_ANY)).toBe(NtStatus.STATUS_SUCCESS);

  const IN_FLIGHT = 8;
  const TOTAL = 120;
  let posted = 0;
  let revokedAtPost: number | undefined; // how many were posted when the deregistration completed
  let deregistration: number | undefined;
  const post = () => {
    const status = NdkWrite(
      requester,
      posted,
      { mr: source.mr, length: 256 },
      token.address,
      token.token,
    );
    expect(ntStatusName(status)).toBe('STATUS_SUCCESS');
    posted += 1;
  };
  while (posted < TOTAL) {
    while (posted < TOTAL && posted - results.length < IN_FLIGHT) post();
    if (posted >= 24 && deregistration === undefined && revokedAtPost === undefined) {
      deregistration = -1;
      const status = NdkDeregisterMr(
        mr,
        (_c, s) => {
          deregistration = s;
          revokedAtPost = posted;
        },
        null,
      );
      expect(status).toBe(NtStatus.STATUS_PENDING);
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  expect(await waitFor(() => results.length >= TOTAL, 60000)).toBe(true);
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(ntStatusName(deregistration!)).toBe('STATUS_SUCCESS');
  expect(revokedAtPost).toBeDefined();

  // Exactly once each, none lost.
  const contexts = results.map((r) => r.requestContext as number).sort((a, b) => a - b);
  expect(contexts).toEqual([...Array(TOTAL).keys()]);
  // Success before the revocation, errors after: successes are a prefix of the posting order.
  const byContext = [...results].sort(
    (a, b) => (a.requestContext as number) - (b.requestContext as number),
  );
  const statuses = byContext.map((r) => ntStatusName(r.status));
  const firstFailure = statuses.findIndex((s) => s !== 'STATUS_SUCCESS');
  expect(firstFailure).toBeGreaterThan(0);
  expect(statuses.slice(firstFailure).every((s) => s !== 'STATUS_SUCCESS')).toBe(true);
  expect(firstFailure).toBeLessThanOrEqual(revokedAtPost!);
  expect(statuses[firstFailure]).toBe('STATUS_ACCESS_VIOLATION');
  expect(new Set(statuses.slice(firstFailure + 1))).toEqual(
    new Set(statuses.slice(firstFailure + 1).length > 0 ? ['STATUS_CANCELLED'] : []),
  );
  // Every write carried 0x99: the memory holds either that (written before) or its zeros.
  expect(memory.subarray(0, 256).every((b) => b === 0x99)).toBe(true);

  // Nothing outstanding: the destroy still runs on the libuv pool, so the close completes later.
  let closed = false;
  expect(NdkCloseObject(requester, () => (closed = true), null)).toBe(NtStatus.STATUS_PENDING);
  expect(closed).toBe(false);
  expect(await waitFor(() => closed)).toBe(true);
});

it('closing a queue pair with a receive posted cancels the receive and completes the close', async () => {
  const { responder } = await connectedPair(local, remote);
  const sink = await exposed(Buffer.alloc(SIZE));
  const received = responder.receive({ mr: sink, length: 64 }).then(
    () => 'received',
    (error: Error & { statusName?: string }) => error.statusName,
  );
  const order: string[] = [];
  const status = NdkCloseObject(responder, () => order.push('closed'), null);
  expect(status).toBe(NtStatus.STATUS_PENDING);
  expect(await received).toBe('STATUS_CANCELLED');
  expect(await waitFor(() => order.length > 0)).toBe(true);
  expect(order).toEqual(['closed']);
  await sink.close();
});
