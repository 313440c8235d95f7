/**
 * The soak's operation catalogue: what a worker may do next, how likely each is, and what the model
 * predicts of its outcome. Every operation checks that prediction (a refusal where success was due,
 * or the reverse, bytes that did not arrive, a status that was not the promised one) and keeps the
 * worker's bookkeeping — hence the model — in step with what it did.
 */

import {
  allocate,
  type CompletionPolicy,
  NdkCloseObject,
  NdkDeregisterMr,
  NdkError,
  NdkMrFlags,
  NdkRegisterMr,
  NtStatus,
  type NdkResult,
} from '../../lib';
import { collectUntil } from '../support/gc';
import { type Prng } from './prng';
import { MAX_REGIONS, type Region, type WorkerObjects } from './worker-objects';

/** What an operation runs with. */
export interface OperationContext {
  readonly objects: WorkerObjects;
  readonly rng: Prng;
  /** Records a failed prediction (the run fails; the worker carries on). */
  fail(message: string): void;
}

/** One kind of operation. */
export interface Operation {
  readonly name: string;
  /** How likely it is now (0: it cannot run in the current state). */
  weight(objects: WorkerObjects): number;
  run(context: OperationContext): Promise<void>;
}

// Local regions are written and read by the peer and carry windows; remote ones are the peer's
// source and sink buffers.
const FLAGS = NdkMrFlags.NDK_MR_FLAG_ALLOW_REMOTE_WRITE | NdkMrFlags.NDK_MR_FLAG_ALLOW_REMOTE_READ;
const POLICIES: readonly CompletionPolicy[] = ['inline', 'deferred', 'auto'];
const PAGE = 4096;
const { STATUS_SUCCESS, STATUS_PENDING, STATUS_DEVICE_BUSY } = NtStatus;

const registered = (o: WorkerObjects, side?: 'local' | 'remote') =>
  o.regions.filter((r) => r.registered && (side === undefined || r.side === side));
const unregistered = (o: WorkerObjects) => o.regions.filter((r) => !r.registered);
const statusName = (status: number) =>
  Object.entries(NtStatus).find(([, value]) => value === status)?.[0] ?? `0x${status.toString(16)}`;

/** Memory to register: 1–16 pages mostly, now and then 1 MiB; page-aligned or a plain Buffer. */
function memoryFor(rng: Prng): Uint8Array {
  const length = rng.chance(0.05) ? 1 << 20 : rng.int(1, 16) * PAGE;
  return rng.chance(0.5) ? new Uint8Array(allocate(length)) : Buffer.alloc(length);
}

/**
 * The status an NDK-style request must return at once under `policy`: inline completes now,
 * deferred always pends, auto may do either.
 */
function checkImmediate(context: OperationContext, region: Region, what: string, status: number) {
  const allowed: number[] =
    region.policy === 'inline'
      ? [STATUS_SUCCESS]
      : region.policy === 'deferred'
        ? [STATUS_PENDING]
        : [STATUS_SUCCESS, STATUS_PENDING];
  if (!allowed.includes(status)) {
    context.fail(`${what} (${region.policy}) returned ${statusName(status)}`);
  }
}

/** Runs an NDK-style request to its end: its final status. */
function ndkRequest(start: (done: (ctx: unknown, status: number) => void) => number) {
  return new Promise<{ immediate: number; final: number }>((resolve) => {
    let immediate: number = STATUS_PENDING;
    immediate = start((_ctx, status) => resolve({ immediate, final: status }));
    if (immediate !== STATUS_PENDING) resolve({ immediate, final: immediate });
  });
}

/** The NTSTATUS of a promise-style request (0 on success). */
async function promiseStatus(request: Promise<unknown>): Promise<number> {
  try {
    await request;
    return STATUS_SUCCESS;
  } catch (error) {
    if (error instanceof NdkError) return error.status;
    throw error;
  }
}

async function register(context: OperationContext, region: Region): Promise<void> {
  const { rng } = context;
  const bytes = memoryFor(rng);
  let status: number;
  if (rng.chance(0.5)) {
    const outcome = await ndkRequest((done) =>
      NdkRegisterMr(region.mr, bytes, bytes.byteLength, FLAGS, done),
    );
    checkImmediate(context, region, 'NdkRegisterMr', outcome.immediate);
    status = outcome.final;
  } else {
    status = await promiseStatus(region.mr.register(bytes, { flags: FLAGS }));
  }
  if (status !== STATUS_SUCCESS) {
    context.fail(`register ${bytes.byteLength} B (${region.policy}): ${statusName(status)}`);
    return;
  }
  region.registered = true;
  region.kernelCounted = true;
  region.bytes = bytes;
}

async function deregister(context: OperationContext, region: Region): Promise<void> {
  let status: number;
  if (context.rng.chance(0.5)) {
    const outcome = await ndkRequest((done) => NdkDeregisterMr(region.mr, done));
    if (outcome.immediate !== STATUS_DEVICE_BUSY) {
      checkImmediate(context, region, 'NdkDeregisterMr', outcome.immediate);
    }
    status = outcome.final;
  } else {
    status = await promiseStatus(region.mr.deregister());
  }
  // A region with a bound window stays registered: verbs refuses, and NDK says busy.
  const expected = region.windows > 0 ? STATUS_DEVICE_BUSY : STATUS_SUCCESS;
  if (status !== expected) {
    context.fail(
      `deregister with ${region.windows} window(s) bound: ${statusName(status)}, expected ${statusName(expected)}`,
    );
  }
  if (status === STATUS_SUCCESS) {
    region.registered = false;
    region.bytes = undefined;
  } else if (status === STATUS_DEVICE_BUSY) {
    // Still registered, but the kernel stopped counting it (see Region.kernelCounted).
    region.kernelCounted = false;
  }
}

async function newRegion(context: OperationContext, side: 'local' | 'remote'): Promise<Region> {
  const policy = context.rng.pick(POLICIES);
  const mr = await context.objects.side(side).pd.createMr({ completionPolicy: policy });
  const region: Region = {
    mr,
    side,
    policy,
    registered: false,
    bytes: undefined,
    windows: 0,
    kernelCounted: false,
  };
  context.objects.regions.push(region);
  return region;
}

/** Closes an object NDK style (`NdkCloseObject`) or promise style. */
async function closeEither(
  context: OperationContext,
  object: Parameters<typeof NdkCloseObject>[0],
): Promise<void> {
  if (context.rng.chance(0.5)) {
    await object.close();
    return;
  }
  await new Promise<void>((resolve) => {
    const status = NdkCloseObject(object, () => resolve());
    if (status === STATUS_SUCCESS) resolve();
    else if (status !== STATUS_PENDING) {
      context.fail(`NdkCloseObject of an open object: ${statusName(status)}`);
      resolve();
    }
  });
}

function checkResult(context: OperationContext, what: string, result: NdkResult, length?: number) {
  if (result.status !== STATUS_SUCCESS) {
    context.fail(`${what}: ${statusName(result.status)} (${result.verbsStatus})`);
  } else if (length !== undefined && result.bytesTransferred !== length) {
    context.fail(`${what}: ${result.bytesTransferred} bytes transferred, expected ${length}`);
  }
}

function checkBytes(context: OperationContext, what: string, bytes: Uint8Array, value: number) {
  const wrong = bytes.findIndex((byte) => byte !== value);
  if (wrong >= 0) context.fail(`${what}: byte ${wrong} is ${bytes[wrong]}, expected ${value}`);
}

/** An RDMA WRITE, READ or SEND/RECEIVE between a registered local and remote region. */
async function traffic(context: OperationContext): Promise<void> {
  const { objects: o, rng } = context;
  const pair = o.pair!;
  const local = rng.pick(registered(o, 'local'));
  const remote = rng.pick(registered(o, 'remote'));
  const length = Math.min(local.bytes!.byteLength, remote.bytes!.byteLength, rng.int(1, 16) * 256);
  const target = { address: local.mr.address, token: local.mr.remoteToken };
  const localBytes = local.bytes!.subarray(0, length);
  const remoteBytes = remote.bytes!.subarray(0, length);
  const value = rng.int(1, 255);
  const kind = rng.pick(['write', 'read', 'send'] as const);
  if (kind === 'write') {
    remoteBytes.fill(value);
    checkResult(
      context,
      'RDMA WRITE',
      await pair.requester.write({ mr: remote.mr, length }, target),
    );
    checkBytes(context, 'RDMA WRITE', localBytes, value);
  } else if (kind === 'read') {
    localBytes.fill(value);
    const result = await pair.requester.read({ mr: remote.mr, length }, target);
    checkResult(context, 'RDMA READ', result, length);
    checkBytes(context, 'RDMA READ', remoteBytes, value);
  } else {
    remoteBytes.fill(value);
    const received = pair.responder.receive({ mr: local.mr, length });
    checkResult(context, 'SEND', await pair.requester.send({ mr: remote.mr, length }));
    checkResult(context, 'RECEIVE', await received, length);
    checkBytes(context, 'SEND/RECEIVE', localBytes, value);
  }
}

/** Binds a window over a slice of a local region, then proves its token through an RDMA WRITE. */
async function bindWindow(context: OperationContext): Promise<void> {
  const { objects: o, rng } = context;
  const pair = o.pair!;
  let window = o.windows.find((w) => w.boundTo === undefined);
  if (window === undefined || rng.chance(0.3)) {
    window = { mw: await o.local.pd.createMw(), boundTo: undefined };
    o.windows.push(window);
  }
  const region = rng.pick(registered(o, 'local'));
  const pages = region.bytes!.byteLength / PAGE;
  const offset = rng.int(0, pages - 1) * PAGE;
  const length = PAGE;
  checkResult(
    context,
    'bind',
    await pair.responder.bind(window.mw, { mr: region.mr, offset, length }, FLAGS),
  );
  window.boundTo = region;
  region.windows += 1;
  const source = rng.pick(registered(o, 'remote'));
  const size = Math.min(256, source.bytes!.byteLength);
  const value = rng.int(1, 255);
  source.bytes!.subarray(0, size).fill(value);
  const address = region.mr.address + BigInt(offset);
  const result = await pair.requester.write(
    { mr: source.mr, length: size },
    { address, token: window.mw.remoteToken },
  );
  checkResult(context, 'RDMA WRITE through a window', result);
  checkBytes(
    context,
    'RDMA WRITE through a window',
    region.bytes!.subarray(offset, offset + size),
    value,
  );
}

async function invalidateWindow(context: OperationContext): Promise<void> {
  const { objects: o, rng } = context;
  const window = rng.pick(o.windows.filter((w) => w.boundTo !== undefined));
  checkResult(context, 'invalidate', await o.pair!.responder.invalidate(window.mw));
  window.boundTo!.windows -= 1;
  window.boundTo = undefined;
  if (rng.chance(0.5)) await o.closeWindow(window);
}

/** Registers, drops every reference, and collects: the region's finalizer must release it. */
async function dropAndCollect(context: OperationContext): Promise<void> {
  const side = context.rng.pick(['local', 'remote'] as const);
  const ref = await (async () => {
    const mr = await context.objects.side(side).pd.createMr({ completionPolicy: 'inline' });
    await mr.register(memoryFor(context.rng), { flags: FLAGS });
    return new WeakRef(mr);
  })();
  if (!(await collectUntil(() => ref.deref() === undefined))) {
    context.fail('a dropped registered region was not collected');
  }
}

const hasPair = (o: WorkerObjects) => o.pair !== undefined;
const canTraffic = (o: WorkerObjects) =>
  hasPair(o) && registered(o, 'local').length > 0 && registered(o, 'remote').length > 0;

/** The catalogue. Weights are relative; 0 means "not possible now". */
export const OPERATIONS: readonly Operation[] = [
  {
    name: 'create-mr',
    weight: (o) => (o.regions.length < MAX_REGIONS ? 3 : 0),
    run: async (c) => void (await newRegion(c, c.rng.pick(['local', 'remote'] as const))),
  },
  {
    name: 'register',
    weight: (o) => (unregistered(o).length > 0 ? 6 : 0),
    run: (c) => register(c, c.rng.pick(unregistered(c.objects))),
  },
  {
    name: 'deregister',
    weight: (o) => (registered(o).length > 0 ? 4 : 0),
    run: (c) => deregister(c, c.rng.pick(registered(c.objects))),
  },
  {
    // Closing deregisters; a region with a bound window is closed only after its windows.
    name: 'close-mr',
    weight: (o) => (o.regions.some((r) => r.windows === 0) ? 3 : 0),
    run: async (c) => {
      const region = c.rng.pick(c.objects.regions.filter((r) => r.windows === 0));
      await closeEither(c, region.mr);
      c.objects.dropRegion(region);
    },
  },
  {
    // Close with a deferred registration pending: the close completes after it, deregistering.
    name: 'close-while-pending',
    weight: (o) => (o.regions.length < MAX_REGIONS ? 1 : 0),
    run: async (c) => {
      const mr = await c.objects.local.pd.createMr({ completionPolicy: 'deferred' });
      const registration = promiseStatus(mr.register(memoryFor(c.rng), { flags: FLAGS }));
      await closeEither(c, mr);
      const status = await registration;
      if (status !== STATUS_SUCCESS) c.fail(`register then close: ${statusName(status)}`);
      if (mr.isRegistered) c.fail('a region closed while registering is still registered');
    },
  },
  {
    // Several deferred registrations at once: a terminated worker often has some pending.
    name: 'register-burst',
    weight: (o) => (o.regions.length + 6 <= MAX_REGIONS ? 1 : 0),
    run: async (c) => {
      const regions: Region[] = [];
      for (let i = c.rng.int(2, 6); i > 0; i--) regions.push(await newRegion(c, 'local'));
      await Promise.all(regions.map((region) => register(c, region)));
    },
  },
  { name: 'drop-and-collect', weight: () => 1, run: dropAndCollect },
  {
    name: 'connect-pair',
    weight: (o) => (hasPair(o) ? 0 : 2),
    run: async ({ objects: o }) => {
      const responder = await o.local.pd.createQp(o.local.cq);
      const requester = await o.remote.pd.createQp(o.remote.cq);
      o.pair = { responder, requester };
      await responder.connect(requester.localAddress());
      await requester.connect(responder.localAddress());
    },
  },
  { name: 'close-pair', weight: (o) => (hasPair(o) ? 1 : 0), run: (c) => c.objects.closePair() },
  { name: 'traffic', weight: (o) => (canTraffic(o) ? 8 : 0), run: traffic },
  {
    name: 'bind-window',
    weight: (o) => (canTraffic(o) && o.windows.length < 4 ? 2 : 0),
    run: bindWindow,
  },
  {
    name: 'invalidate-window',
    weight: (o) => (o.windows.some((w) => w.boundTo !== undefined) ? 2 : 0),
    run: invalidateWindow,
  },
  {
    name: 'close-window',
    weight: (o) => (o.windows.length > 0 ? 1 : 0),
    run: (c) => c.objects.closeWindow(c.rng.pick(c.objects.windows)),
  },
  {
    name: 'create-pd',
    weight: (o) => (o.extraPds.length < 3 ? 1 : 0),
    run: async ({ objects: o, rng }) => {
      o.extraPds.push(await o.side(rng.pick(['local', 'remote'] as const)).adapter.createPd());
    },
  },
  {
    name: 'close-pd',
    weight: (o) => (o.extraPds.length > 0 ? 1 : 0),
    run: async (c) => {
      const pd = c.rng.pick(c.objects.extraPds);
      await closeEither(c, pd);
      c.objects.extraPds.splice(c.objects.extraPds.indexOf(pd), 1);
    },
  },
  {
    name: 'create-cq',
    weight: (o) => (o.extraCqs.length < 3 ? 1 : 0),
    run: async ({ objects: o, rng }) => {
      o.extraCqs.push(await o.side(rng.pick(['local', 'remote'] as const)).adapter.createCq());
    },
  },
  {
    name: 'close-cq',
    weight: (o) => (o.extraCqs.length > 0 ? 1 : 0),
    run: async (c) => {
      const cq = c.rng.pick(c.objects.extraCqs);
      await closeEither(c, cq);
      c.objects.extraCqs.splice(c.objects.extraCqs.indexOf(cq), 1);
    },
  },
];

/** The next operation, by weight among those possible now. */
export function nextOperation(objects: WorkerObjects, rng: Prng): Operation {
  const possible = OPERATIONS.map((op) => ({ weight: op.weight(objects), item: op })).filter(
    (entry) => entry.weight > 0,
  );
  return rng.weighted(possible);
}
