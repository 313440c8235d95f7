/**
 * The retry options reach the connection: a request to a peer that is gone, or a SEND that finds no
 * receive, fails with the retry-exceeded status of the work-completion table within the time the
 * options give, instead of being retried forever (rxe's meaning of a retry count of 7). The lower
 * bounds prove the options were applied: the defaults would fail sooner.
 */

import {
  NdkCreateQp,
  NdkError,
  NdkMrFlags,
  type NdkOut,
  NtStatus,
  type QueuePair,
  type QueuePairRetryOptions,
  WC_STATUS_TABLE,
} from '../../lib';
import { requireDevices } from '../support/devices';
import { rxeCounters } from '../support/netem';
import { ackTimerEndsRnrWait, kernelSeries } from '../support/rxe-kernel';
import { ackTimeoutMs, closeOptionPairs, optionPair, timed } from '../support/option-pairs';
import { closePeers, openPeers, REMOTE_ACCESS, remoteBuffer, type Side } from '../support/peers';

/** The NTSTATUS the work-completion table gives a verbs status. */
function tableStatus(name: string): number {
  const row = WC_STATUS_TABLE.find((candidate) => candidate.name === name);
  if (row === undefined) throw new Error(`${name} is not in WC_STATUS_TABLE`);
  return row.status;
}
const RETRY_EXCEEDED = tableStatus('IBV_WC_RETRY_EXC_ERR');
const RNR_RETRY_EXCEEDED = tableStatus('IBV_WC_RNR_RETRY_EXC_ERR');

/**
 * What the emulated VM may add to a failure's expected time: the completion reaches JavaScript
 * through the completion queue's event thread, on a machine shared with other VMs.
 */
const MARGIN_MS = 5000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let devices: string[]; // rxe0 holds the memory (local), rxe1 requests (remote)
let local: Side;
let remote: Side;

beforeAll(async () => {
  devices = requireDevices();
  ({ local, remote } = await openPeers());
});

afterAll(async () => {
  await closeOptionPairs();
  await closePeers(local, remote);
});

/** rxe1's queue pair as `NdkCreateQp` makes it, with `options` as its last argument. */
function ndkRequester(options: QueuePairRetryOptions): QueuePair {
  const out: NdkOut<QueuePair> = {};
  const status = NdkCreateQp(
    remote.pd,
    remote.cq,
    remote.cq,
    null,
    4,
    4,
    () => {},
    null,
    out,
    options,
  );
  expect(status).toBe(NtStatus.STATUS_SUCCESS);
  return out.value!;
}

/** The settled error's status and verbs status name (from the promise API's message). */
function failureOf(error: unknown): { status: number; verbs: string } {
  if (!(error instanceof NdkError)) throw new Error(`expected an NdkError, got ${String(error)}`);
  return { status: error.status, verbs: /IBV_WC_\w+/.exec(error.message)?.[0] ?? error.message };
}

describe.each([
  ['pd.createQp() options', { retryCount: 2, timeoutExponent: 16 }, false],
  ['NdkCreateQp retryOptions', { retryCount: 0, timeoutExponent: 17 }, true],
] as const)('through %s %j', (_via, options, ndkStyle) => {
  it('a write to a peer whose queue pair is gone fails with IBV_WC_RETRY_EXC_ERR after retryCount + 1 timeouts', async () => {
    // (retryCount + 1) ACK timeouts; rxe counts whole 4 ms ticks, rounding down (at most 1 % here).
    const expectedMs = (options.retryCount + 1) * ackTimeoutMs(options.timeoutExponent);
    const target = await local.pd.createMr();
    await target.register(Buffer.alloc(4096), { flags: REMOTE_ACCESS });
    const source = await remoteBuffer(remote, 64, 0x5a);
    const responder = await local.pd.createQp(local.cq);
    const requester = ndkStyle
      ? ndkRequester(options)
      : await remote.pd.createQp(remote.cq, options);
    await responder.connect(requester.localAddress());
    await requester.connect(responder.localAddress());
    const where = { address: target.address, token: target.remoteToken };
    const sge = { mr: source.mr, length: 64 };
    // The pair works; then the peer's queue pair goes, and nothing answers any more.
    expect((await requester.write(sge, where)).status).toBe(NtStatus.STATUS_SUCCESS);
    await responder.close();
    // rxe leaves the first write's retransmission timer running after its ACK; a write posted
    // before it fires would have its first try cut short. Let it expire first.
    await sleep(ackTimeoutMs(options.timeoutExponent) + 200);

    const { ms, error } = await timed(() => requester.write(sge, where));
    expect(failureOf(error)).toEqual({ status: RETRY_EXCEEDED, verbs: 'IBV_WC_RETRY_EXC_ERR' });
    // The defaults (6 retries of 64 ms: 0.45 s) would fail well before the lower bound.
    expect(ms).toBeGreaterThanOrEqual(expectedMs * 0.95);
    expect(ms).toBeLessThan(expectedMs + MARGIN_MS);
    console.log(
      `retry exceeded ${JSON.stringify(options)}: ${ms.toFixed(0)} ms (expected ${expectedMs.toFixed(0)} ms)`,
    );

    await requester.close();
    await source.mr.close();
    await target.close();
  });
});

it('a SEND that finds no receive fails with IBV_WC_RNR_RETRY_EXC_ERR after rnrRetryCount retries', async () => {
  const { requester } = await optionPair(
    { side: local },
    { side: remote, options: { rnrRetryCount: 1 } },
  );
  const source = await remoteBuffer(remote, 64, 0x33);
  const { ms, error } = await timed(() => requester.send({ mr: source.mr, length: 64 }));
  expect(failureOf(error)).toEqual({
    status: RNR_RETRY_EXCEEDED,
    verbs: 'IBV_WC_RNR_RETRY_EXC_ERR',
  });
  // Two tries, each waiting one tick (4 ms) for the receive the peer's NAK promised.
  expect(ms).toBeLessThan(2 * 4 + MARGIN_MS);
  console.log(`RNR retry exceeded (rnrRetryCount 1): ${ms.toFixed(0)} ms`);
  await closeOptionPairs();
  await source.mr.close();
});

it('with rnrRetryCount 7 (the default) a SEND keeps being retried until a late receive takes it', async () => {
  // A long ACK timeout: on some kernels rxe's ACK timer also runs during RNR waits (the next test).
  const { responder, requester } = await optionPair(
    { side: local },
    { side: remote, options: { timeoutExponent: 18 } },
  );
  const source = await remoteBuffer(remote, 64, 0x44);
  const sink = await local.pd.createMr();
  const bytes = Buffer.alloc(64);
  await sink.register(bytes, { flags: NdkMrFlags.NDK_MR_FLAG_ALLOW_LOCAL_WRITE });
  const nakedBefore = rxeCounters(devices[0]).send_rnr_err ?? 0;
  let settled = false;
  const sending = timed(() => requester.send({ mr: source.mr, length: 64 })).finally(() => {
    settled = true;
  });
  await sleep(600);
  expect(settled).toBe(false);
  const received = await responder.receive({ mr: sink, length: 64 });
  const sent = await sending;
  expect(sent.error).toBeUndefined();
  expect(sent.value?.status).toBe(NtStatus.STATUS_SUCCESS);
  expect(received.bytesTransferred).toBe(64);
  expect(bytes.equals(Buffer.alloc(64, 0x44))).toBe(true);
  // rxe0 answered "receiver not ready" more often than any finite count (at most 6) allows.
  const naks = (rxeCounters(devices[0]).send_rnr_err ?? 0) - nakedBefore;
  expect(naks).toBeGreaterThan(7);
  console.log(
    `rnrRetryCount 7: the SEND completed ${sent.ms.toFixed(0)} ms after posting, after ${naks} RNR NAKs`,
  );
  await closeOptionPairs();
  await source.mr.close();
  await sink.close();
});

it('with no receive and rnrRetryCount 7, a SEND ends after retryCount + 1 ACK timeouts where rxe runs the ACK timer during RNR waits (6.1), and waits for the receive where it does not (6.12)', async () => {
  const options = { retryCount: 1, timeoutExponent: 14, rnrRetryCount: 7 };
  const expectedMs = (options.retryCount + 1) * ackTimeoutMs(options.timeoutExponent);
  const { responder, requester } = await optionPair({ side: local }, { side: remote, options });
  const source = await remoteBuffer(remote, 64, 0x55);
  const sending = timed(() => requester.send({ mr: source.mr, length: 64 }));
  const first = await Promise.race([sending, sleep(expectedMs + MARGIN_MS).then(() => undefined)]);
  const endedByAckTimer = first !== undefined;
  const known = ackTimerEndsRnrWait();
  if (known !== undefined)
    expect({ kernel: kernelSeries(), endedByAckTimer }).toEqual({
      kernel: kernelSeries(),
      endedByAckTimer: known,
    });
  if (first) {
    expect(failureOf(first.error)).toEqual({
      status: RETRY_EXCEEDED,
      verbs: 'IBV_WC_RETRY_EXC_ERR',
    });
    expect(first.ms).toBeGreaterThanOrEqual(expectedMs * 0.9);
    console.log(
      `no receive, rnrRetryCount 7, ${JSON.stringify(options)}: failed after ${first.ms.toFixed(0)} ms`,
    );
  } else {
    // Still waiting well past the ACK timeouts: the receive, posted now, takes the SEND.
    const sink = await local.pd.createMr();
    await sink.register(Buffer.alloc(64), { flags: NdkMrFlags.NDK_MR_FLAG_ALLOW_LOCAL_WRITE });
    const received = await responder.receive({ mr: sink, length: 64 });
    const sent = await sending;
    expect(sent.error).toBeUndefined();
    expect({ sent: sent.value?.status, received: received.bytesTransferred }).toEqual({
      sent: NtStatus.STATUS_SUCCESS,
      received: 64,
    });
    console.log(
      `no receive, rnrRetryCount 7, ${JSON.stringify(options)}: still waiting after ${expectedMs + MARGIN_MS} ms; completed ${sent.ms.toFixed(0)} ms after posting, once a receive was posted`,
    );
    await sink.close();
  }
  await closeOptionPairs();
  await source.mr.close();
});

it.each([
  ['the smallest values', { retryCount: 0, rnrRetryCount: 0, timeoutExponent: 0 }],
  ['the largest values', { retryCount: 6, rnrRetryCount: 7, timeoutExponent: 31 }],
] as const)('%s are accepted by verbs and the pair carries a write', async (_name, options) => {
  const { requester } = await optionPair({ side: local, options }, { side: remote, options });
  const target = await local.pd.createMr();
  const bytes = Buffer.alloc(4096);
  await target.register(bytes, { flags: REMOTE_ACCESS });
  const source = await remoteBuffer(remote, 64, 0x77);
  const result = await requester.write(
    { mr: source.mr, length: 64 },
    { address: target.address, token: target.remoteToken },
  );
  expect(result.status).toBe(NtStatus.STATUS_SUCCESS);
  expect(bytes.subarray(0, 64).equals(Buffer.alloc(64, 0x77))).toBe(true);
  await closeOptionPairs();
  await source.mr.close();
  await target.close();
});
