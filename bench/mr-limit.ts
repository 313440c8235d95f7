/**
 * Where rxe's own limit on memory regions stops a service, and what ndk-verbs reports there. The
 * C program (`reg_dereg_loop hold`) first takes all but `NODE_SHARE` of the device's `max_mr`
 * (`ibv_devinfo -v`), which is quick in C; ndk-verbs then registers one 4 KiB page as new regions
 * (each its own `MemoryRegion`, inline) until a registration is refused. Prints the limit, the
 * count reached and the refusal's NTSTATUS as JSON, then releases everything. Not part of
 * `npm run bench`: at rxe's limit the kernel holds several GiB for the regions.
 *
 * Usage: `ndk-verbs vm --mem 8192 -- node --expose-gc dist/bench/mr-limit.js [device]`.
 *
 * @packageDocumentation
 */

import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';

import { type MemoryRegion } from '../lib';
import { C_PROGRAM } from './c-baseline';
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

/** Regions left for ndk-verbs to register before the device's limit. */
const NODE_SHARE = 2000;

/** Starts `reg_dereg_loop hold` and resolves with how many regions it holds once it holds them. */
async function holdInC(device: string, count: number) {
  const child = spawn(C_PROGRAM, ['hold', device, String(count)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const [line] = (await once(child.stdout, 'data')) as [Buffer];
  const { held, errno } = JSON.parse(line.toString()) as { held: number; errno: number };
  if (errno !== 0)
    throw new Error(`the C program was refused after ${held} regions (errno ${errno})`);
  return { held, release: () => child.stdin.end() };
}

async function main(device: string): Promise<void> {
  const maxMr = deviceMaxMr(device);
  const c = await holdInC(device, Math.max(0, maxMr - NODE_SHARE));
  const { pd } = openPd(device);
  const page = allocate(4096);
  new Uint8Array(page).fill(1);
  const held: MemoryRegion[] = [];
  const fail = () => {
    throw new Error('an inline request called its completion');
  };
  let refusal: number = NtStatus.STATUS_SUCCESS;
  // One past the device's limit at most: a device that never refuses ends the loop too.
  while (c.held + held.length <= maxMr) {
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
  c.release();
  const result = {
    device,
    maxMr,
    heldByC: c.held,
    registeredByNdkVerbs: reached,
    total: c.held + reached,
    refusal: ntStatusName(refusal),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (require.main === module) {
  main(process.argv[2] ?? 'rxe0').catch((error: unknown) => {
    process.stderr.write(`mr-limit failed: ${String((error as Error)?.stack ?? error)}\n`);
    process.exitCode = 1;
  });
}
