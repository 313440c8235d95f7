/**
 * The device's asynchronous events on real rxe devices: port events when the netdev goes down and
 * up (on the adapter, as `'portDown'`/`'portActive'`, and on the diagnostics channel), a completion
 * queue overrun (`IBV_EVENT_CQ_ERR` on the queue, and NDK's overflow status to an armed
 * notification), the delivery of queue-pair events, an idle adapter that lets the process exit, and
 * closed objects that hold no file descriptor.
 *
 * rxe sends no queue-pair event that a test can provoke on Linux 6.1 (a remote access error, a
 * retry-exceeded write: none), so the queue-pair path is driven with a synthetic event at the entry
 * the native reader calls; everything else here is what rxe itself sent.
 */

import diagnosticsChannel from 'node:diagnostics_channel';
import { once } from 'node:events';

import {
  ADAPTER_EVENT_CHANNEL,
  type AdapterEvent,
  type AdapterEventMessage,
  type CompletionQueue,
  NdkArmCq,
  NdkCqNotifyType,
  NdkCreateCq,
  NdkMrFlags,
  type NdkOut,
  NdkWrite,
  NtStatus,
  type ObjectEvent,
  openAdapter,
  VERBS_EVENT_TYPES,
} from '../../lib';
import { kDeviceEvent } from '../../lib/ndk/internal';
import { runChild } from '../support/child';
import { netdevOf, portReady, setNetdev, waitUntil } from '../support/device-link';
import { requireDevices } from '../support/devices';
import { openFdTargets } from '../support/fds';
import {
  closePeers,
  connectedPair,
  openPeers,
  remoteBuffer,
  REMOTE_ACCESS,
} from '../support/peers';

const [first] = requireDevices();

// Comparable lists: "fd → target", sorted.
function openFds(): string[] {
  return Object.entries(openFdTargets())
    .map(([fd, target]) => `${fd} → ${target}`)
    .sort();
}

it('reports the netdev going down and up as port events, on the adapter and the diagnostics channel', async () => {
  const adapter = await openAdapter(first);
  const messages: AdapterEventMessage[] = [];
  const onMessage = (message: unknown) => messages.push(message as AdapterEventMessage);
  diagnosticsChannel.subscribe(ADAPTER_EVENT_CHANNEL, onMessage);
  const events: AdapterEvent[] = [];
  adapter.on('event', (event) => events.push(event));
  try {
    const down = once(adapter, 'portDown', { signal: AbortSignal.timeout(15000) });
    setNetdev(netdevOf(first), 'down');
    expect(await down).toEqual([{ port: 1 }]);
    const active = once(adapter, 'portActive', { signal: AbortSignal.timeout(15000) });
    setNetdev(netdevOf(first), 'up');
    expect(await active).toEqual([{ port: 1 }]);
  } finally {
    setNetdev(netdevOf(first), 'up');
    diagnosticsChannel.unsubscribe(ADAPTER_EVENT_CHANNEL, onMessage);
    await waitUntil(`${first} to be ready again`, () => portReady(first));
  }
  expect(events.map((event) => event.type)).toEqual(
    expect.arrayContaining(['IBV_EVENT_PORT_ERR', 'IBV_EVENT_PORT_ACTIVE']),
  );
  expect(events.find((event) => event.type === 'IBV_EVENT_PORT_ERR')).toEqual({
    type: 'IBV_EVENT_PORT_ERR',
    port: 1,
  });
  expect(messages).toContainEqual({ deviceName: first, type: 'IBV_EVENT_PORT_ERR', port: 1 });
  expect(messages).toContainEqual({ deviceName: first, type: 'IBV_EVENT_PORT_ACTIVE', port: 1 });
  await adapter.close();
});

it('reports a completion queue overrun on the queue and the adapter, and completes the armed notification with STATUS_BUFFER_OVERFLOW', async () => {
  const { local, remote } = await openPeers();
  const target = await local.pd.createMr();
  await target.register(Buffer.alloc(4096), {
    flags: REMOTE_ACCESS | NdkMrFlags.NDK_MR_FLAG_ALLOW_LOCAL_WRITE,
  });
  const source = await remoteBuffer(remote, 4096, 7);
  const notifications: number[] = [];
  const out: NdkOut<CompletionQueue> = {};
  expect(
    NdkCreateCq(
      remote.adapter,
      1,
      (_context: unknown, status: number) => notifications.push(status),
      undefined,
      () => undefined,
      undefined,
      out,
    ),
  ).toBe(NtStatus.STATUS_SUCCESS);
  const tiny = out.value as CompletionQueue;
  const onQueue: ObjectEvent[] = [];
  tiny.on('event', (event) => onQueue.push(event));
  const adapterEvent = new Promise<AdapterEvent>((resolve) =>
    remote.adapter.on('event', (event) => event.type === 'IBV_EVENT_CQ_ERR' && resolve(event)),
  );
  expect(NdkArmCq(tiny, NdkCqNotifyType.NDK_CQ_NOTIFY_ANY)).toBe(NtStatus.STATUS_SUCCESS);
  const { requester } = await connectedPair(local, remote, tiny);
  // More completions than the queue holds, none polled.
  for (let i = 0; i < 8; i++) {
    const sge = { mr: source.mr, offset: 0, length: 64 };
    expect(NdkWrite(requester, i, sge, target.address, target.remoteToken)).toBe(
      NtStatus.STATUS_SUCCESS,
    );
  }
  const event = await adapterEvent;
  expect(event.type).toBe('IBV_EVENT_CQ_ERR');
  expect(event.cq).toBe(tiny);
  await waitUntil('the overflow notification', () => notifications.length > 0, 10000);
  expect(notifications[0]).toBe(NtStatus.STATUS_BUFFER_OVERFLOW);
  expect(onQueue[0]).toEqual({ type: 'IBV_EVENT_CQ_ERR' });
  await closePeers(local, remote);
});

it('delivers a queue-pair event to its queue pair and the adapter (synthetic: the native reader entry)', async () => {
  const { local, remote } = await openPeers();
  const { responder } = await connectedPair(local, remote);
  const onPair: ObjectEvent[] = [];
  responder.on('event', (event) => onPair.push(event));
  const onAdapter: AdapterEvent[] = [];
  local.adapter.on('event', (event) => onAdapter.push(event));
  const qpNumber = Number(responder.localAddress().qpn);
  const fatal = VERBS_EVENT_TYPES.indexOf('IBV_EVENT_QP_FATAL');
  local.adapter[kDeviceEvent](fatal, qpNumber);
  local.adapter[kDeviceEvent](fatal, qpNumber + 1000); // no such queue pair: the adapter only
  expect(onPair).toEqual([{ type: 'IBV_EVENT_QP_FATAL' }]);
  expect(onAdapter).toHaveLength(2);
  expect(onAdapter[0].qp).toBe(responder);
  expect(onAdapter[1]).toEqual({ type: 'IBV_EVENT_QP_FATAL' });
  await closePeers(local, remote);
});

it('lets a process with an idle adapter, domain and queue exit on its own', async () => {
  const started = Date.now();
  const end = await runChild('idle-adapter-child', [first]);
  expect(end.stdout).toContain('open');
  expect({ code: end.code, signal: end.signal }).toEqual({ code: 0, signal: null });
  // Were the event reader to hold the loop, the child would never exit (jest's timeout).
  expect(Date.now() - started).toBeLessThan(60000);
});

it('holds no file descriptor for a closed adapter or completion queue that is still reachable', async () => {
  const before = openFds();
  const adapter = await openAdapter(first);
  const cq = await adapter.createCq();
  expect(openFds().length).toBeGreaterThan(before.length);
  await cq.close();
  await adapter.close();
  expect(openFds()).toEqual(before);
  // Both still reachable here: their native cores live on until collected.
  expect([adapter.state, cq.state]).toEqual(['closed', 'closed']);
});
