/**
 * Child process for the batch test: eight deferred deregistrations issued together, the first
 * completion throws. The exception must reach 'uncaughtException' and every completion must still
 * run, with the kernel holding no region afterwards.
 */

import { NdkDeregisterMr, NtStatus, openAdapter } from '../../lib';
import { requireDevices } from './devices';
import { kernelMrCount } from './kernel';

async function main(): Promise<void> {
  const [device] = requireDevices();
  const adapter = await openAdapter(device);
  const pd = await adapter.createPd();
  const regions = await Promise.all(
    Array.from({ length: 8 }, () => pd.createMr({ completionPolicy: 'deferred' })),
  );
  await Promise.all(regions.map((mr) => mr.register(Buffer.alloc(4096))));
  const completed: number[] = [];
  process.on('uncaughtException', (error) => console.log(`uncaught: ${error.message}`));
  regions.forEach((mr, i) => {
    NdkDeregisterMr(mr, (_context, status) => {
      if (status === NtStatus.STATUS_SUCCESS) completed.push(i);
      if (completed.length === regions.length) {
        console.log(`completed: ${completed.sort().join(',')} kernel MRs ${kernelMrCount()}`);
        void adapter.close();
      }
      if (i === 0) throw new Error('boom from completion 0');
    });
  });
}

void main();
