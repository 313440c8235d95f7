/**
 * Where rxe's own limit on memory regions stops a service, and what ndk-verbs reports there:
 * registers one 4 KiB page as new regions (each its own `MemoryRegion`, inline) until a
 * registration is refused, prints the device's `max_mr` (`ibv_devinfo -v`), the count reached and
 * the refusal's NTSTATUS as JSON, then deregisters and closes everything. Not part of
 * `npm run bench`: at rxe's limit the kernel holds several GiB for the regions.
 *
 * Usage: `ndk-verbs vm --mem 8192 -- node --expose-gc dist/bench/mr-limit.js [device]`.
 *
 * @packageDocumentation
 */

import { execFileSync } from 'node:child_process';

import { type MemoryRegion } from '../lib';
import { createMr, FLAGS, openPd } from './ndk';
import { ndk } from './target';

const { allocate, NdkDeregisterMr, NdkRegisterMr, NtStatus, ntStatusName } = ndk;

/** The device's `max_mr` as `ibv_devinfo -v` prints it. */
export function deviceMaxMr(device: string): number {
  const text = execFileSync('ibv_devinfo', ['-v', '-d', device], { encoding: 'utf8' });
  const match = /^\s*max_mr:\s*(\d+)/m.exec(text);
  if (!match) throw new Error(`no max_mr in ibv_devinfo -v -d ${device}`);
  return Number(match[1]);
}

async function main(device: string): Promise<void> {
  const maxMr = deviceMaxMr(device);
  const { pd } = openPd(device);
  const page = allocate(4096);
  new Uint8Array(page).fill(1);
  const held: MemoryRegion[] = [];
  const fail = () => {
    throw new Error('an inline request called its completion');
  };
  let refusal: number = NtStatus.STATUS_SUCCESS;
  // One past the device's limit at most: a device that never refuses ends the loop too.
  while (held.length <= maxMr) {
    const mr = createMr(pd, 'inline');
    const status = NdkRegisterMr(mr, page, 4096, FLAGS, fail);
    if (status !== NtStatus.STATUS_SUCCESS) {
      refusal = status;
      await mr.close();
      break;
    }
    held.push(mr);
    if (held.length % 50_000 === 0) process.stderr.write(`${held.length} regions held\n`);
  }
  const reached = held.length;
  for (const mr of held) {
    const status = NdkDeregisterMr(mr, fail);
    if (status !== NtStatus.STATUS_SUCCESS) throw new Error(`deregister: ${ntStatusName(status)}`);
  }
  await Promise.all(held.map((mr) => mr.close()));
  const result = { device, maxMr, reached, refusal: ntStatusName(refusal) };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (require.main === module) {
  main(process.argv[2] ?? 'rxe0').catch((error: unknown) => {
    process.stderr.write(`mr-limit failed: ${String((error as Error)?.stack ?? error)}\n`);
    process.exitCode = 1;
  });
}
