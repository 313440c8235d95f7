/**
 * Memory under a registered region is never freed or moved, whatever JS does; memory that could be
 * is refused; a region collected while registered is released with a warning naming it.
 */

import { Worker } from 'node:worker_threads';

import { allocate, NdkError, NdkMrFlags, NtStatus } from '../../lib';
import { useDomainFixture } from './support/domain-fixture';
import { collectUntil } from './support/gc';
import { kernelMrCount } from './support/kernel';

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

it('copies instead of transferring a registered ArrayBuffer (postMessage, structuredClone)', async () => {
  await using mr = await fixture.pd.createMr();
  const memory = new ArrayBuffer(4096);
  const bytes = new Uint8Array(memory);
  bytes.fill(7);
  await mr.register(memory);

  const clone = structuredClone(memory, { transfer: [memory] });
  expect(memory.byteLength).toBe(4096); // not detached
  expect(new Uint8Array(clone)[0]).toBe(7);

  const worker = new Worker('require("worker_threads").parentPort.once("message", () => {})', {
    eval: true,
  });
  worker.postMessage(memory, [memory]);
  expect(memory.byteLength).toBe(4096);
  bytes[0] = 9;
  expect(bytes[0]).toBe(9);
  await worker.terminate();
  expect(mr.isRegistered).toBe(true);
});

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
