/**
 * Memory windows (type 2) on rxe, proven by a real RDMA peer: a bound window's own token grants
 * remote access, invalidation revokes it, and a region with a bound window refuses deregistration
 * with STATUS_DEVICE_BUSY (rxe answers EINVAL) while staying registered and usable. A type 2
 * window is bound to the queue pair that bound it: only requests arriving on that queue pair may
 * use its token, so each test binds and writes through one connected pair. Closing that queue pair
 * while the window is still bound does not block the event loop, however long the kernel takes.
 */

import {
  type MemoryRegion,
  type MemoryWindow,
  NdkBind,
  NdkCloseObject,
  NdkError,
  NdkGetRemoteTokenFromMw,
  NdkMrFlags,
  type NdkOut,
  NtStatus,
  ObjectState,
} from '../../lib';
import { NativeMrState, native } from '../../lib/native';
import { kHandle } from '../../lib/ndk/internal';
import {
  closePeers,
  connectedPair,
  openPeers,
  REMOTE_ACCESS,
  remoteBuffer,
  type Side,
} from '../support/peers';
import { collectUntil, waitFor } from '../support/gc';
import { kernelObjects } from '../support/kernel';

const WINDOW = { offset: 4096, length: 4096 };
let local: Side;
let remote: Side;
let memory: Buffer;
let region: MemoryRegion;
let window: MemoryWindow;
let base: bigint; // the region's address, for writes aimed at it after it is deregistered

beforeEach(async () => {
  ({ local, remote } = await openPeers());
  memory = Buffer.alloc(16384);
  region = await local.pd.createMr();
  await region.register(memory, { flags: REMOTE_ACCESS });
  base = region.address;
  window = await local.pd.createMw();
});

afterEach(async () => {
  // The window first: rxe makes destroying a queue pair that a window is still bound through wait
  // ~50 s for the window's reference to go.
  await window?.close();
  await closePeers(local, remote);
});

type Pair = Awaited<ReturnType<typeof connectedPair>>;

/** Binds the window over WINDOW of the region, on the region's side of `pair`. */
async function bindWindow(pair: Pair): Promise<number> {
  await pair.responder.bind(window, { mr: region, ...WINDOW }, REMOTE_ACCESS);
  return window.remoteToken;
}

/** An RDMA WRITE of 64 bytes of 0xab from rxe1 over `pair` at `offset` into the region. */
async function writeFromPeer(pair: Pair, offset: number, token: number): Promise<number> {
  const source = await remoteBuffer(remote, 64, 0xab);
  const address = base + BigInt(offset);
  const result = await pair.requester
    .write({ mr: source.mr, length: 64 }, { address, token })
    .then((r) => r.status)
    .catch((error: NdkError) => error.status);
  await source.mr.close();
  return result;
}

it('a bound window grants access with its own token; invalidation revokes it', async () => {
  const pair = await connectedPair(local, remote);
  const token = await bindWindow(pair);
  expect(window.isBound).toBe(true);
  expect(token).not.toBe(region.remoteToken);
  expect(await writeFromPeer(pair, WINDOW.offset, token)).toBe(NtStatus.STATUS_SUCCESS);
  expect(memory.subarray(WINDOW.offset, WINDOW.offset + 64).every((b) => b === 0xab)).toBe(true);

  await pair.responder.invalidate(window);
  expect(window.isBound).toBe(false);
  const out: NdkOut<number> = {};
  expect(NdkGetRemoteTokenFromMw(window, out)).toBe(NtStatus.STATUS_INVALID_DEVICE_STATE);
  expect(out.value).toBeUndefined();

  memory.fill(0);
  expect(await writeFromPeer(pair, WINDOW.offset, token)).toBe(NtStatus.STATUS_ACCESS_VIOLATION);
  expect(memory.every((b) => b === 0)).toBe(true);
});

it('deregistering a region with a bound window is STATUS_DEVICE_BUSY; the region stays usable', async () => {
  const pair = await connectedPair(local, remote);
  await bindWindow(pair);
  const error = await region.deregister().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(NdkError);
  expect((error as NdkError).status).toBe(NtStatus.STATUS_DEVICE_BUSY);
  expect((error as NdkError).syscall).toBe('ibv_dereg_mr');
  expect(region.isRegistered).toBe(true);
  const token = region.remoteToken;
  expect(await writeFromPeer(pair, 0, token)).toBe(NtStatus.STATUS_SUCCESS);
  expect(memory[0]).toBe(0xab);

  // Closing the window unbinds it: now the region deregisters, and its token is refused.
  await window.close();
  expect(window.state).toBe(ObjectState.Closed);
  await region.deregister();
  memory.fill(0);
  expect(await writeFromPeer(pair, 0, token)).toBe(NtStatus.STATUS_ACCESS_VIOLATION);
  expect(memory.every((b) => b === 0)).toBe(true);
});

it('a region closed with a window bound keeps its registration until it is collected', async () => {
  const pair = await connectedPair(local, remote);
  await bindWindow(pair);
  const token = region.remoteToken;
  const handle = region[kHandle];
  const warning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
  try {
    await region.close();
    const codes = warning.mock.calls.map(([, options]) => (options as { code?: string }).code);
    expect(codes).toEqual(['NDK_VERBS_CLOSE_DEREGISTER_FAILED']);
  } finally {
    warning.mockRestore();
  }
  // Closed, but its handle (and with it the registration) stays until the region is collected.
  expect(native.mrState(handle)).toBe(NativeMrState.Registered);
  await window.close(); // unbound: verbs can deregister now
  region = undefined as unknown as MemoryRegion; // nothing refers to the closed region any more
  const released = () => {
    try {
      native.mrState(handle);
      return false;
    } catch (error) {
      if ((error as Error).message !== 'expected a memory region handle') throw error;
      return true;
    }
  };
  expect(await collectUntil(released)).toBe(true);
  // Deregistered by the addon once released: the region's token is refused, the memory untouched.
  memory.fill(0);
  expect(await writeFromPeer(pair, 0, token)).toBe(NtStatus.STATUS_ACCESS_VIOLATION);
  expect(memory.every((b) => b === 0)).toBe(true);
});

it('the kernel stops counting a region whose deregistration it refused, though it stays registered', async () => {
  // ib_dereg_mr_user drops the region from the kernel's resource tracking before rxe refuses, and
  // does not put it back: `rdma resource show` (listing and per-device summary) no longer counts a
  // region that is still registered and usable. The soak's model relies on this.
  const listed = () => kernelObjects('mr').filter((row) => row.ifname === 'rxe0').length;
  const pair = await connectedPair(local, remote);
  await bindWindow(pair);
  expect(listed()).toBe(1);
  const error = await region.deregister().catch((e: unknown) => e);
  expect((error as NdkError).status).toBe(NtStatus.STATUS_DEVICE_BUSY);
  expect(region.isRegistered).toBe(true);
  expect(listed()).toBe(0);
  expect(await writeFromPeer(pair, 0, region.remoteToken)).toBe(NtStatus.STATUS_SUCCESS);
  expect(memory[0]).toBe(0xab);
  // Registered again after a real deregistration, it is counted again.
  await window.close();
  await region.deregister();
  await region.register(memory, { flags: REMOTE_ACCESS });
  expect(listed()).toBe(1);
});

it('binding again gives a new token; the old one stays refused', async () => {
  const pair = await connectedPair(local, remote);
  const first = await bindWindow(pair);
  await pair.responder.invalidate(window);
  const second = await bindWindow(pair);
  expect(second).not.toBe(first);
  expect(await writeFromPeer(pair, WINDOW.offset, second)).toBe(NtStatus.STATUS_SUCCESS);
  memory.fill(0);
  // Last: a refused request leaves the pair in the error state.
  expect(await writeFromPeer(pair, WINDOW.offset, first)).toBe(NtStatus.STATUS_ACCESS_VIOLATION);
  expect(memory.every((b) => b === 0)).toBe(true);
});

it('refuses a second bind while bound, and NdkBind on bad input, without posting anything', async () => {
  const pair = await connectedPair(local, remote);
  await bindWindow(pair);
  const flags = NdkMrFlags.NDK_MR_FLAG_ALLOW_REMOTE_READ;
  const { responder } = pair;
  expect(NdkBind(responder, 0, region, window, 0, 64, flags)).toBe(
    NtStatus.STATUS_INVALID_DEVICE_STATE,
  );
  const fresh = await local.pd.createMw();
  expect(NdkBind(responder, 0, region, fresh, 0, 64, 0x100)).toBe(
    NtStatus.STATUS_INVALID_PARAMETER,
  );
  expect(NdkBind(responder, 0, region, fresh, 16000, 4096, flags)).toBe(
    NtStatus.STATUS_INVALID_BUFFER_SIZE,
  );
  expect(NdkBind(responder, 0, region, region as unknown as MemoryWindow, 0, 64, flags)).toBe(
    NtStatus.STATUS_INVALID_HANDLE,
  );
  await fresh.close();
});

it('closing a queue pair that a window is still bound through leaves the event loop running', async () => {
  const pair = await connectedPair(local, remote);
  await bindWindow(pair);
  const { qpn } = pair.responder.localAddress();
  const inKernel = () =>
    kernelObjects('qp').some((row) => row.ifname === 'rxe0' && row.lqpn === qpn);
  expect(inKernel()).toBe(true);

  let closed = false;
  expect(NdkCloseObject(pair.responder, () => (closed = true), null)).toBe(NtStatus.STATUS_PENDING);
  // rxe (Linux 6.1) holds ibv_destroy_qp in the kernel while the window keeps a reference to the
  // queue pair (about 50 s, then it gives up): meanwhile timers keep firing.
  let ticks = 0;
  const timer = setInterval(() => (ticks += 1), 50);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  clearInterval(timer);
  expect(ticks).toBeGreaterThanOrEqual(5);
  expect(closed).toBe(false);
  expect(pair.responder.state).toBe(ObjectState.Closing);

  // Closing the window lets go of the queue pair: the destroy returns and the close completes.
  await window.close();
  expect(await waitFor(() => closed, 20000)).toBe(true);
  expect(pair.responder.state).toBe(ObjectState.Closed);
  expect(inKernel()).toBe(false);
});
