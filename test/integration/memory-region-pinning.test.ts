/**
 * Memory under a registered region is never freed or moved, whatever JS does: a detach of it (a
 * BYOB stream read, transfer()) leaves the bytes registered, shared with the new ArrayBuffer, and a
 * peer still reads them after that buffer is collected. Memory that could move is refused; a region
 * collected while registered is released with a warning naming it.
 */

import { MessageChannel, Worker } from 'node:worker_threads';

import {
  allocate,
  type MemoryRegion,
  NdkError,
  NdkMrFlags,
  NtStatus,
  ntStatusName,
} from '../../lib';
import { detachByByobRead, detachByTransfer } from '../support/detaching';
import { useDomainFixture } from '../support/domain-fixture';
import { collectUntil } from '../support/gc';
import {
  bufferOf,
  holdsPattern,
  jsMemoryKinds,
  jsOwnedMemory,
  pattern,
  writePattern,
} from '../support/js-memory';
import { kernelMrCount, kernelObjects } from '../support/kernel';
import {
  closePairs,
  connectedPair,
  openPeers,
  REMOTE_ACCESS,
  remoteBuffer,
  type Side,
} from '../support/peers';

const fixture = useDomainFixture();

afterEach(() => {
  expect(kernelMrCount()).toBe(0);
});

it('keeps memory alive while registered after JS drops every reference, and only then', async () => {
  const mr = await fixture.pd.createMr();
  let memoryRef: WeakRef<ArrayBuffer>;
  await (async () => {
    const memory = new ArrayBuffer(64 * 1024);
    memoryRef = new WeakRef(memory);
    await mr.register(memory);
  })();
  // Registered: nothing JS does can free it.
  expect(await collectUntil(() => memoryRef.deref() === undefined, 5)).toBe(false);
  expect(mr.isRegistered).toBe(true);
  await mr.deregister();
  // Deregistered: the region lets go of it.
  expect(await collectUntil(() => memoryRef.deref() === undefined)).toBe(true);
  await mr.close();
});

describe('a detach of registered memory frees nothing', () => {
  let local: Side;
  let remote: Side;

  beforeAll(async () => {
    ({ local, remote } = await openPeers());
  });

  afterAll(async () => {
    await closePairs();
    await local?.adapter.close();
    await remote?.adapter.close();
  });

  const registrable = { ...jsOwnedMemory, 'memory from allocate()': () => allocate(4096) };

  it.each(Object.keys(registrable) as Array<keyof typeof registrable>)(
    'a BYOB read detaches %s; the read shares the registered bytes, which outlive it',
    async (kind) => {
      const memory = registrable[kind]();
      const buffer = bufferOf(memory);
      const length = buffer.byteLength;
      writePattern(buffer);
      await using mr = await local.pd.createMr();
      await mr.register(memory, { flags: REMOTE_ACCESS });

      const taken = await (async () => {
        const moved = await detachByByobRead(buffer, [1, 2, 3]);
        expect(moved.byteLength).toBe(length);
        return new WeakRef(moved);
      })();
      expect(buffer.byteLength).toBe(0);
      expect(mr.isRegistered).toBe(true);
      expect(kernelObjects('mr').map((row) => row.mrlen)).toEqual([length]);

      // What the stream wrote into the read's view is in the registered bytes: they are shared.
      const expected = pattern(length);
      expected.set([1, 2, 3]);
      await expectBytesAfterCollection(mr, taken, expected);
      await mr.deregister();
    },
  );

  it('transfer() of a registered ArrayBuffer moves the registered bytes, which outlive the new buffer', async () => {
    const buffer = new ArrayBuffer(4096);
    writePattern(buffer);
    await using mr = await local.pd.createMr();
    await mr.register(buffer, { flags: REMOTE_ACCESS });

    const taken = (() => {
      const moved = detachByTransfer(buffer);
      new Uint8Array(moved)[0] = 0x5a;
      return new WeakRef(moved);
    })();
    expect(buffer.byteLength).toBe(0);
    expect(mr.isRegistered).toBe(true);

    const expected = pattern(4096);
    expected[0] = 0x5a;
    await expectBytesAfterCollection(mr, taken, expected);
    await mr.deregister();
  });

  // The real proof the bytes were not freed: once no JS object holds them and fresh buffers of the
  // same size were allocated (which would reuse freed memory), a peer's RDMA READ of the region
  // still returns `expected`.
  async function expectBytesAfterCollection(
    mr: MemoryRegion,
    taken: WeakRef<ArrayBuffer>,
    expected: Buffer,
  ): Promise<void> {
    expect(await collectUntil(() => taken.deref() === undefined)).toBe(true);
    const bait = Array.from({ length: 32 }, () => new Uint8Array(expected.length).fill(0xee));
    expect(await readRemotely(mr, expected.length)).toEqual(expected);
    expect(bait).toHaveLength(32); // alive until the read is done
  }

  // The region's bytes as an RDMA READ from the peer sees them.
  async function readRemotely(mr: MemoryRegion, length: number): Promise<Buffer> {
    const sink = await remoteBuffer(remote, length, 0);
    try {
      const { requester } = await connectedPair(local, remote);
      const target = { address: mr.address, token: mr.remoteToken };
      const read = await requester.read({ mr: sink.mr, length }, target);
      expect(ntStatusName(read.status)).toBe('STATUS_SUCCESS');
      return Buffer.from(sink.bytes);
    } finally {
      await sink.mr.close();
    }
  }
});

it.each(jsMemoryKinds)(
  'structuredClone and postMessage copy %s instead of detaching it',
  async (kind) => {
    await using mr = await fixture.pd.createMr();
    const memory = jsOwnedMemory[kind]();
    const buffer = bufferOf(memory);
    const length = buffer.byteLength;
    writePattern(buffer);
    await mr.register(memory);

    const clone = bufferOf(structuredClone(memory, { transfer: [buffer] }));
    expect(clone).not.toBe(buffer);
    expect(holdsPattern(clone, length)).toBe(true);

    const { port1, port2 } = new MessageChannel();
    const received = new Promise<ArrayBuffer | Uint8Array>((resolve) =>
      port2.once('message', resolve),
    );
    port1.postMessage(memory, [buffer]);
    const message = bufferOf(await received);
    port1.close();
    expect(message).not.toBe(buffer);
    expect(holdsPattern(message, length)).toBe(true);

    expect(holdsPattern(buffer, length)).toBe(true); // same length (not detached), same bytes
    expect(mr.isRegistered).toBe(true);
    expect(kernelMrCount()).toBe(1);
  },
);

it.each(jsMemoryKinds)(
  '%s stays usable by JS after deregistration, and registers again',
  async (kind) => {
    await using mr = await fixture.pd.createMr();
    const memory = jsOwnedMemory[kind]();
    const buffer = bufferOf(memory);
    await mr.register(memory);
    await mr.deregister();
    writePattern(buffer);
    expect(holdsPattern(buffer.slice(0), buffer.byteLength)).toBe(true);
    expect(holdsPattern(bufferOf(structuredClone(memory)), buffer.byteLength)).toBe(true);
    await mr.register(memory);
    expect(mr.isRegistered).toBe(true);
    await mr.deregister();
  },
);

it.each([
  ['a resizable ArrayBuffer', () => new ArrayBuffer(4096, { maxByteLength: 8192 })],
  ["a slice of Node's shared Buffer pool", () => Buffer.from('pooled bytes')],
])('refuses %s with STATUS_INVALID_PARAMETER', async (_name, make) => {
  const memory = make();
  await using mr = await fixture.pd.createMr();
  const error = await mr.register(memory).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(NdkError);
  expect((error as NdkError).status).toBe(NtStatus.STATUS_INVALID_PARAMETER);
  expect(kernelMrCount()).toBe(0);
});

it('allocates page-aligned native memory that registers like any other', async () => {
  const memory = allocate(3 * 4096 + 1);
  expect(memory.byteLength).toBe(3 * 4096 + 1);
  expect(new Uint8Array(memory).every((byte) => byte === 0)).toBe(true);
  await using mr = await fixture.pd.createMr();
  await mr.register(memory, { flags: NdkMrFlags.NDK_MR_FLAG_ALLOW_REMOTE_WRITE });
  expect(kernelMrCount()).toBe(1);
  await mr.deregister();
  expect(() => allocate(0)).toThrow(NdkError);
});

it('deregisters a region that becomes unreachable while registered, with a warning naming it', async () => {
  const emitWarning = jest.spyOn(process, 'emitWarning');
  let messages: string[];
  try {
    await (async () => {
      const mr = await fixture.pd.createMr();
      await mr.register(Buffer.alloc(12288));
    })();
    expect(kernelMrCount()).toBe(1);
    expect(await collectUntil(() => kernelMrCount() === 0)).toBe(true);
    messages = emitWarning.mock.calls.map(([warning]) => String(warning));
  } finally {
    emitWarning.mockRestore();
  }
  expect(messages).toContainEqual(
    expect.stringContaining(
      `A registered memory region (12288 bytes on ${fixture.adapter.deviceName})`,
    ),
  );
});

it('releases every registration of a worker thread when the worker is terminated', async () => {
  const worker = new Worker(
    `
    const { parentPort, workerData } = require('worker_threads');
    const ndk = require(workerData.lib);
    (async () => {
      const adapter = await ndk.openAdapter(workerData.device);
      const pd = await adapter.createPd();
      for (const policy of ['inline', 'deferred', 'inline']) {
        const mr = await pd.createMr({ completionPolicy: policy });
        await mr.register(Buffer.alloc(8192));
      }
      setInterval(() => {}, 1000); // a worker with an empty event loop would exit on its own
      parentPort.postMessage('registered');
    })();
    `,
    {
      eval: true,
      workerData: { lib: require.resolve('../../lib'), device: fixture.adapter.deviceName },
    },
  );
  await new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  expect(kernelMrCount()).toBe(3);
  await worker.terminate();
  expect(kernelMrCount()).toBe(0);
});
