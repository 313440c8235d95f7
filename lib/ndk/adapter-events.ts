/**
 * Asynchronous device events: the verbs event names, what each event carries, and the
 * `node:diagnostics_channel` channel they are published on.
 *
 * @packageDocumentation
 */

import diagnosticsChannel from 'node:diagnostics_channel';

// What each verbs event names, in `enum ibv_event_type` order: its port, its queue pair, its
// completion queue, or nothing the facade knows (SRQs, the device).
const VERBS_EVENTS = [
  ['IBV_EVENT_CQ_ERR', 'cq'],
  ['IBV_EVENT_QP_FATAL', 'qp'],
  ['IBV_EVENT_QP_REQ_ERR', 'qp'],
  ['IBV_EVENT_QP_ACCESS_ERR', 'qp'],
  ['IBV_EVENT_COMM_EST', 'qp'],
  ['IBV_EVENT_SQ_DRAINED', 'qp'],
  ['IBV_EVENT_PATH_MIG', 'qp'],
  ['IBV_EVENT_PATH_MIG_ERR', 'qp'],
  ['IBV_EVENT_DEVICE_FATAL', undefined],
  ['IBV_EVENT_PORT_ACTIVE', 'port'],
  ['IBV_EVENT_PORT_ERR', 'port'],
  ['IBV_EVENT_LID_CHANGE', 'port'],
  ['IBV_EVENT_PKEY_CHANGE', 'port'],
  ['IBV_EVENT_SM_CHANGE', 'port'],
  ['IBV_EVENT_SRQ_ERR', undefined],
  ['IBV_EVENT_SRQ_LIMIT_REACHED', undefined],
  ['IBV_EVENT_QP_LAST_WQE_REACHED', 'qp'],
  ['IBV_EVENT_CLIENT_REREGISTER', 'port'],
  ['IBV_EVENT_GID_CHANGE', 'port'],
  ['IBV_EVENT_WQ_FATAL', undefined],
] as const;

/** The verbs asynchronous event types, named as `enum ibv_event_type` names them (in its order). */
export const VERBS_EVENT_TYPES: ReadonlyArray<(typeof VERBS_EVENTS)[number][0]> = VERBS_EVENTS.map(
  ([name]) => name,
);

/**
 * An event type: a verbs one, or `'DEVICE_REMOVED'`, ndk-verbs' own name for the removal of the
 * device (seen when its `/dev/infiniband/uverbsN` node disappears; rxe sends no verbs event for it).
 */
export type AdapterEventType = (typeof VERBS_EVENTS)[number][0] | 'DEVICE_REMOVED';

/** An event as a queue pair or completion queue emits it (`'event'`): the object is the emitter. */
export interface ObjectEvent {
  /** The verbs event type, e.g. `IBV_EVENT_QP_FATAL` or `IBV_EVENT_CQ_ERR`. */
  readonly type: AdapterEventType;
}

/** The events a queue pair or completion queue emits, for `qp.on(...)` / `cq.on(...)`. */
export interface ObjectEvents {
  /** An asynchronous event of the device that names this object. */
  event: [event: ObjectEvent];
}

/** The addon's type number for a removal (verbs types are 0 and up). */
export const NATIVE_DEVICE_REMOVED = -1;

/** One asynchronous event, as the addon reports it: the type, and what it names. */
export interface RawDeviceEvent {
  readonly type: AdapterEventType;
  /** The port number of a port event. */
  readonly port?: number;
  /** The QP number of a queue-pair event. */
  readonly qpNumber?: number;
  /** The facade's id of the completion queue of `IBV_EVENT_CQ_ERR`. */
  readonly cqId?: number;
}

/** Decodes the addon's `(type, element)`; undefined for a type this version does not know. */
export function decodeDeviceEvent(type: number, element: number): RawDeviceEvent | undefined {
  if (type === NATIVE_DEVICE_REMOVED) return { type: 'DEVICE_REMOVED' };
  const known = VERBS_EVENTS[type];
  if (known === undefined) return undefined;
  const [name, names] = known;
  if (names === 'port') return { type: name, port: element };
  if (names === 'qp') return { type: name, qpNumber: element };
  if (names === 'cq') return { type: name, cqId: element };
  return { type: name };
}

/**
 * The `node:diagnostics_channel` channel every adapter event is published on, so observability
 * tools can subscribe without touching the service's code. Each message is
 * {@link AdapterEventMessage}.
 */
export const ADAPTER_EVENT_CHANNEL = 'ndk-verbs:adapter-event';

/** A message on {@link ADAPTER_EVENT_CHANNEL}. */
export interface AdapterEventMessage {
  /** The verbs device name, e.g. 'rxe0'. */
  readonly deviceName: string;
  readonly type: AdapterEventType;
  readonly port?: number;
  readonly qpNumber?: number;
}

const channel = diagnosticsChannel.channel(ADAPTER_EVENT_CHANNEL);

/** Publishes `event` on the channel (nothing is built when no one subscribes). */
export function publishAdapterEvent(deviceName: string, event: RawDeviceEvent): void {
  if (!channel.hasSubscribers) return;
  const message: AdapterEventMessage = {
    deviceName,
    type: event.type,
    ...(event.port === undefined ? {} : { port: event.port }),
    ...(event.qpNumber === undefined ? {} : { qpNumber: event.qpNumber }),
  };
  channel.publish(message);
}
