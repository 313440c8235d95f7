/**
 * Child process for the teardown tests: gets to one lifecycle stage and stops there, in the way the
 * stage names. Prints "ready <tasks>" (its thread ids) once its registrations exist.
 */

import { readdirSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

import { allocate, NdkDeregisterMr, NdkMrFlags, openAdapter } from '../../lib';
import { requireDevices } from './devices';
import { kernelMrCount } from './kernel';

const ready = () => console.log(`ready ${readdirSync('/proc/self/task').join(',')}`);

async function main(stage: string): Promise<void> {
  const [device] = requireDevices();
  const adapter = await openAdapter(device);
  const pd = await adapter.createPd();
  const regions = [];
  for (const size of [4096, 1 << 20, 8 << 20]) {
    const mr = await pd.createMr({ completionPolicy: 'deferred' });
    await mr.register(allocate(size), { flags: NdkMrFlags.NDK_MR_FLAG_ALLOW_REMOTE_WRITE });
    regions.push(mr);
  }
  switch (stage) {
    case 'exit-registered':
      ready();
      process.exit(0);
      break;
    case 'exit-pending':
      for (const mr of regions) NdkDeregisterMr(mr, () => {});
      ready();
      process.exit(0);
      break;
    case 'throw-registered':
      ready();
      throw new Error('child fails with registrations alive');
    case 'killed': {
      // Every kind of object, on both devices: a connected pair of queue pairs, their completion
      // queues and protection domains, besides the registered regions.
      const peer = await openAdapter(requireDevices()[1] ?? device);
      const peerPd = await peer.createPd();
      const qp = await pd.createQp(await adapter.createCq());
      const peerQp = await peerPd.createQp(await peer.createCq());
      await qp.connect(peerQp.localAddress());
      await peerQp.connect(qp.localAddress());
      ready();
      setInterval(() => {}, 1000); // the parent sends SIGKILL
      break;
    }
    case 'worker-terminated':
    case 'worker-terminated-pending': {
      // With '-pending', the worker is terminated right after issuing deferred deregistrations and
      // a queue pair's close, whose destroy runs on the queue-pair destroy threads (whether they
      // are still there then is up to timing).
      const pending = stage === 'worker-terminated-pending';
      const worker = new Worker(
        `const ndk = require(${JSON.stringify(require.resolve('../../lib'))});
         (async () => {
           const a = await ndk.openAdapter(${JSON.stringify(device)});
           const pd = await a.createPd();
           const regions = [];
           for (let i = 0; i < 3; i++) {
             const mr = await pd.createMr({ completionPolicy: 'deferred' });
             await mr.register(ndk.allocate(64 << 20));
             regions.push(mr);
           }
           globalThis.keep = regions;
           if (${pending}) {
             const qp = await pd.createQp(await a.createCq());
             for (const mr of regions) ndk.NdkDeregisterMr(mr, () => {});
             ndk.NdkCloseObject(qp, () => {});
           }
           setInterval(() => {}, 1000); // stay alive until terminated
           require('worker_threads').parentPort.postMessage('registered');
         })();`,
        { eval: true },
      );
      await new Promise((resolve) => worker.once('message', resolve));
      // Counting takes a while under emulation: with requests in flight, terminate at once.
      const before = pending ? '?' : String(kernelMrCount());
      await worker.terminate();
      console.log(`worker: ${before} -> ${kernelMrCount()}`);
      await adapter.close();
      ready();
      break;
    }
    default:
      throw new Error(`unknown stage ${stage}`);
  }
}

void main(process.argv[2] ?? '');
