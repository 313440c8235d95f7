/**
 * What an integration test of RDMA code starts from: an adapter with a protection domain and a
 * completion queue on each of two devices, and a reliable-connected queue pair between them (rxe0
 * and rxe1 in the SoftRoCE VM, or two ports of real RNICs).
 */

import { listDevices } from '../devices';
import { type Adapter, openAdapter } from '../ndk/adapter';
import type { CompletionQueue } from '../ndk/completion-queue';
import type { ProtectionDomain } from '../ndk/protection-domain';
import type { QueuePair } from '../ndk/queue-pair';

/** One device's objects. */
export interface FixtureSide {
  /** The open adapter. */
  readonly adapter: Adapter;
  /** A protection domain on it. */
  readonly pd: ProtectionDomain;
  /** A completion queue on it, used by the side's queue pair. */
  readonly cq: CompletionQueue;
}

/** Two sides and a connected queue pair between them; close it when the test ends. */
export interface Fixture extends AsyncDisposable {
  /** The first device's side (rxe0 in the VM). */
  readonly local: FixtureSide;
  /** The second device's side (rxe1 in the VM). */
  readonly remote: FixtureSide;
  /** The local end of the connected queue pair. */
  readonly localQp: QueuePair;
  /** The remote end of the connected queue pair. */
  readonly remoteQp: QueuePair;
  /**
   * Closes both adapters and everything made under them (queue pairs, regions and windows the test
   * created included). Idempotent.
   */
  close(): Promise<void>;
}

/** Options of {@link openFixture}. */
export interface FixtureOptions {
  /** The two devices, local first; default the first two that libibverbs lists. */
  readonly devices?: readonly [string, string];
}

/**
 * The devices a test may use: every device libibverbs lists, checked to number at least `count`.
 * A machine without them is an error that says how to get them, never a quiet skip.
 *
 * @param count - How many devices the test needs.
 * @returns The device names, in libibverbs' order.
 * @throws Error when there are fewer than `count`.
 */
export function requireDevices(count: number): string[] {
  const names = listDevices().map((device) => device.name);
  if (names.length < count) {
    throw new Error(
      `this test needs ${count} RDMA device(s), found ${names.length} (${names.join(', ') || 'none'}); ` +
        'run it in the SoftRoCE VM: npx ndk-verbs vm -- <your test command>',
    );
  }
  return names;
}

/**
 * Opens an adapter on `device` with a protection domain and a completion queue. On failure nothing
 * stays open.
 *
 * @param device - The device name, such as `'rxe0'`.
 * @returns The side.
 * @throws NdkError when the device cannot be opened or an object cannot be made.
 */
export async function openSide(device: string): Promise<FixtureSide> {
  const adapter = await openAdapter(device);
  try {
    const pd = await adapter.createPd();
    return { adapter, pd, cq: await adapter.createCq() };
  } catch (error) {
    await adapter.close();
    throw error;
  }
}

/**
 * Opens a side on each of two devices and connects a reliable-connected queue pair between them.
 * On failure nothing stays open.
 *
 * @param options - Which devices.
 * @returns The fixture; close it (or `await using` it) at the end of the test.
 * @throws Error when fewer than two devices exist; NdkError when opening or connecting fails.
 */
export async function openFixture(options: FixtureOptions = {}): Promise<Fixture> {
  const [first, second] = options.devices ?? requireDevices(2);
  const local = await openSide(first);
  let remote: FixtureSide | undefined;
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closed ??= (async () => {
      // Queue pairs close with their adapter, each adapter's children first.
      await local.adapter.close();
      await remote?.adapter.close();
    })());
  try {
    remote = await openSide(second);
    const localQp = await local.pd.createQp(local.cq);
    const remoteQp = await remote.pd.createQp(remote.cq);
    await localQp.connect(remoteQp.localAddress());
    await remoteQp.connect(localQp.localAddress());
    return { local, remote, localQp, remoteQp, close, [Symbol.asyncDispose]: close };
  } catch (error) {
    await close();
    throw error;
  }
}
