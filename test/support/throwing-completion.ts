/**
 * Child process for the re-entrancy test: a completion throws; the exception must reach
 * 'uncaughtException', and the region must still be registered and deregister normally afterwards.
 */

import {
  NdkCreateMr,
  NdkDeregisterMr,
  NdkMrFlags,
  type NdkOut,
  NdkRegisterMr,
  ntStatusName,
  openAdapter,
  type MemoryRegion,
} from '../../lib';
import { requireDevices } from './devices';
import { kernelMrCount } from './kernel';

async function main(): Promise<void> {
  const [device] = requireDevices();
  const adapter = await openAdapter(device);
  const pd = await adapter.createPd();
  const out: NdkOut<MemoryRegion> = {};
  NdkCreateMr(pd, false, () => {}, 0, out, { completionPolicy: 'deferred' });
  const mr = out.value!;
  process.once('uncaughtException', (error) => {
    console.log(`uncaught: ${error.message}`);
    // The registration completed before the throw: the region is registered and usable.
    const status = NdkDeregisterMr(mr, (_c, late) => {
      console.log(`after: deregister ${ntStatusName(late)}, kernel MRs ${kernelMrCount()}`);
      void adapter.close();
    });
    console.log(`deregister returned ${ntStatusName(status)}`);
  });
  NdkRegisterMr(mr, Buffer.alloc(4096), 4096, NdkMrFlags.NDK_MR_FLAG_ALLOW_LOCAL_WRITE, () => {
    throw new Error('boom from the completion');
  });
}

void main();
