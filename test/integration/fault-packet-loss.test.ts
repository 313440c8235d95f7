/**
 * RC under packet loss and reordering on the VM's veth0 (`tc … netem`): the transport's retries
 * deliver every byte of 1,000 writes, and a region deregistered in the middle of the stream is
 * refused to every write after it, lost packets or not. rxe's own counters show the retries
 * happened; the kernel shows the deregistered region gone.
 *
 * The loss runs drop what rxe0 sends as the responder (its acknowledgements and NAKs); a request
 * is lost for good only when every try of it and every later acknowledgement covering it is lost.
 * - 20 %, 8 writes in flight: a later acknowledgement covers a lost one, and rxe of kernel 6.12
 *   coalesces acknowledgements, so this run may need no retry at all (on 6.12 it needed none): what
 *   proves the loss is netem's own count of dropped packets.
 * - 10 %, one write in flight: each lost acknowledgement makes the requester time out and send the
 *   write again, so rxe's counters must show retries. A write fails for good only when all 7 tries
 *   (retryCount 6) lose their acknowledgement: 0.1^7 per write, 10^-4 for the run, the retry
 *   limit's own odds rather than a fault (at 20 % with one in flight it would be 1.3 %).
 * The reordering run reorders the requests themselves, 8 in flight, which makes the responder NAK
 * out-of-sequence packets.
 */

import { type MemoryRegion, NtStatus, type QueuePairOptions } from '../../lib';
import { requireDevices } from '../support/devices';
import { kernelMrCount } from '../support/kernel';
import {
  clearNetem,
  counterGrowth,
  netemDropped,
  requireNetem,
  rxeCounters,
  setNetem,
} from '../support/netem';
import { closeOptionPairs, optionPair, timed } from '../support/option-pairs';
import { closePeers, openPeers, REMOTE_ACCESS, type Side } from '../support/peers';
import { slotPattern, streamWrites } from '../support/write-stream';

const { STATUS_SUCCESS, STATUS_ACCESS_VIOLATION, STATUS_IO_TIMEOUT } = NtStatus;

const LINK = 'veth0'; // rxe0's netdev
const WRITES = 1000;
const SLOT = 512; // one packet each (path MTU 1024)
const REVOKE_AFTER = 500;
const PROBES_AFTER = [600, 900];

let devices: string[]; // rxe0 on veth0, rxe1 on veth1
let local: Side; // rxe0, on veth0
let remote: Side; // rxe1, on veth1

beforeAll(async () => {
  requireNetem(LINK);
  devices = requireDevices();
  ({ local, remote } = await openPeers());
});

afterAll(async () => {
  const left = clearNetem(LINK);
  await closeOptionPairs();
  await closePeers(local, remote);
  expect(left).not.toMatch(/netem/);
});

async function registered(side: Side, bytes: Buffer): Promise<MemoryRegion> {
  const mr = await side.pd.createMr();
  await mr.register(bytes, { flags: REMOTE_ACCESS });
  return mr;
}

describe.each([
  {
    run: 'loss 20 %, 8 writes in flight',
    netem: ['loss', '20%'],
    requesterOn: 'remote' as const,
    window: 8,
    timeoutExponent: 14,
    proof: 'drops' as const,
    refusals: [STATUS_ACCESS_VIOLATION, STATUS_IO_TIMEOUT],
  },
  {
    run: 'loss 10 %, one write in flight',
    netem: ['loss', '10%'],
    // rxe0 responds: its acknowledgements and NAKs cross the lossy link.
    requesterOn: 'remote' as const,
    // One write in flight: every lost acknowledgement is retried for (a 16 ms ACK timeout).
    window: 1,
    timeoutExponent: 12,
    proof: 'retries' as const,
    // A probe's NAK may be lost too: the requester then retries until it gives up.
    refusals: [STATUS_ACCESS_VIOLATION, STATUS_IO_TIMEOUT],
  },
  {
    run: 'reordering (25 % of packets sent 2 ms ahead of the rest)',
    netem: ['delay', '2ms', 'reorder', '25%', '50%'],
    // rxe0 requests: its writes arrive out of order.
    requesterOn: 'local' as const,
    window: 8,
    timeoutExponent: 14,
    proof: 'retries' as const,
    refusals: [STATUS_ACCESS_VIOLATION],
  },
])('under $run on veth0', ({ netem, requesterOn, window, timeoutExponent, proof, refusals }) => {
  it('every byte of 1,000 writes arrives, and a region deregistered mid-stream is refused to every later write', async () => {
    const [requester, target] = requesterOn === 'local' ? [local, remote] : [remote, local];
    const [requesterDevice, targetDevice] =
      requesterOn === 'local' ? [devices[0], devices[1]] : [devices[1], devices[0]];
    const options: QueuePairOptions = { retryCount: 6, timeoutExponent };
    const sourceBytes = slotPattern(WRITES, SLOT);
    const source = await registered(requester, sourceBytes);
    const sinkBytes = Buffer.alloc(WRITES * SLOT);
    const sink = await registered(target, sinkBytes);
    const revokedBytes = Buffer.alloc(4096);
    const revoked = await registered(target, revokedBytes);
    const revokedAt = { address: revoked.address, token: revoked.remoteToken };
    const probe = async (fill: number) => {
      const pair = await optionPair(
        { side: target },
        { side: requester, options: { retryCount: 6, timeoutExponent: 12 } },
      );
      const bytes = Buffer.alloc(64, fill);
      const from = await registered(requester, bytes);
      const end = await timed(() => pair.requester.write({ mr: from, length: 64 }, revokedAt));
      await from.close();
      return end;
    };
    // The region to be revoked takes writes before.
    expect((await probe(0x11)).value?.status).toBe(STATUS_SUCCESS);
    const mrsBefore = kernelMrCount();
    const requesterBefore = rxeCounters(requesterDevice);
    const targetBefore = rxeCounters(targetDevice);

    setNetem(LINK, netem);
    const { responder: _r, requester: qp } = await optionPair(
      { side: target },
      { side: requester, options },
    );
    const probeStatuses: number[] = [];
    let mrsAfterRevoke = 0;
    const started = performance.now();
    const stream = await streamWrites(
      qp,
      source,
      { address: sink.address, token: sink.remoteToken },
      {
        count: WRITES,
        slot: SLOT,
        window,
        afterWrite: async (index) => {
          if (index === REVOKE_AFTER) {
            await revoked.deregister();
            mrsAfterRevoke = kernelMrCount();
          }
          if (PROBES_AFTER.includes(index)) {
            const end = await probe(0xee);
            probeStatuses.push((end.error as { status?: number })?.status ?? STATUS_SUCCESS);
          }
        },
      },
    );
    const streamMs = performance.now() - started;
    const grown = counterGrowth(requesterBefore, rxeCounters(requesterDevice));
    const targetGrown = counterGrowth(targetBefore, rxeCounters(targetDevice));
    const dropped = netemDropped(LINK);
    clearNetem(LINK);

    // Every write succeeded and every byte is where it belongs.
    expect(stream.statuses.filter((status) => status !== STATUS_SUCCESS)).toEqual([]);
    expect(stream.statuses).toHaveLength(WRITES);
    expect(sinkBytes.equals(sourceBytes)).toBe(true);
    // The link lost packets while the stream ran; where the run is built for it, the transport
    // retried (the link was not lossless in effect).
    const retries =
      (grown.completer_retry_err ?? 0) +
      (targetGrown.duplicate_request ?? 0) +
      (targetGrown.out_of_seq_request ?? 0);
    if (netem[0] === 'loss') expect(dropped).toBeGreaterThan(0);
    if (proof === 'retries') expect(retries).toBeGreaterThan(0);
    // The deregistered region: gone from the kernel, refused to every probe, its bytes untouched.
    expect(mrsAfterRevoke).toBe(mrsBefore - 1);
    expect(probeStatuses).toHaveLength(PROBES_AFTER.length);
    for (const status of probeStatuses) expect(refusals).toContain(status);
    expect(revokedBytes.subarray(0, 64).equals(Buffer.alloc(64, 0x11))).toBe(true);
    expect(revokedBytes.subarray(64).equals(Buffer.alloc(4096 - 64))).toBe(true);
    console.log(
      `${netem.join(' ')}, ${window} in flight: ${WRITES} writes in ${streamMs.toFixed(0)} ms; netem dropped ${dropped}; requester counters ${JSON.stringify(grown)}; ` +
        `responder counters ${JSON.stringify(targetGrown)}; probes ${probeStatuses.join(',')}`,
    );
    await closeOptionPairs();
    for (const mr of [source, sink, revoked]) await mr.close();
  });
});
