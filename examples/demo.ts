/**
 * `npm run demo`: the memory-region lifecycle on a real device, NDK style. For several region sizes:
 * open → create PD → create MR → register → deregister (inline, then pending) → close, printing each
 * NTSTATUS by name and hex and each completion as it arrives. Ends with the promise API.
 *
 * Runs in the SoftRoCE VM (rxe0) when the host has no RDMA device.
 */

import { formatDevicesTable } from '../lib/cli/devices-table';
import {
  allocate,
  type Adapter,
  listDevices,
  type MemoryRegion,
  NdkCloseObject,
  NdkCreateMr,
  NdkCreatePd,
  NdkDeregisterMr,
  NdkGetLocalTokenFromMr,
  NdkGetRemoteTokenFromMr,
  NdkMrFlags,
  NdkOpenAdapter,
  type NdkOut,
  NdkRegisterMr,
  ntStatusHex,
  ntStatusName,
  NtStatus,
  openAdapter,
  type ProtectionDomain,
} from '../lib';

const started = process.hrtime.bigint();
const elapsed = () =>
  `${(Number(process.hrtime.bigint() - started) / 1e6).toFixed(1).padStart(8)} ms`;
const show = (status: number) => `${ntStatusName(status)} (${ntStatusHex(status)})`;
const log = (line: string) => console.log(`${elapsed()}  ${line}`);

/** Calls an NDK request and, when it is pending, waits for (and prints) its completion. */
async function run(
  what: string,
  start: (completion: (context: string, status: number) => void) => number,
) {
  let completed: (() => void) | undefined;
  const done = new Promise<void>((resolve) => (completed = resolve));
  const status = start((context, late) => {
    log(`    completion(${context}) → ${show(late)}`);
    completed!();
  });
  log(`${what} → ${show(status)}`);
  if (status === NtStatus.STATUS_PENDING) await done;
  return status;
}

async function main(): Promise<void> {
  const devices = listDevices();
  if (devices.length === 0) throw new Error('no RDMA device found');
  process.stdout.write(formatDevicesTable(devices));
  const device = devices[0].name;

  const adapterOut: NdkOut<Adapter> = {};
  log(`NdkOpenAdapter('${device}') → ${show(NdkOpenAdapter(device, adapterOut))}`);
  const adapter = adapterOut.value!;
  const pdOut: NdkOut<ProtectionDomain> = {};
  log(`NdkCreatePd → ${show(NdkCreatePd(adapter, () => {}, undefined, pdOut))}`);
  const pd = pdOut.value!;

  for (const size of [4096, 1 << 20, 64 << 20]) {
    for (const completionPolicy of ['inline', 'deferred'] as const) {
      console.log(`\n--- ${size} bytes, ${completionPolicy} completion ---`);
      const mrOut: NdkOut<MemoryRegion> = {};
      log(
        `NdkCreateMr → ${show(NdkCreateMr(pd, false, () => {}, undefined, mrOut, { completionPolicy }))}`,
      );
      const mr = mrOut.value!;
      const memory = allocate(size);
      const flags =
        NdkMrFlags.NDK_MR_FLAG_ALLOW_REMOTE_WRITE | NdkMrFlags.NDK_MR_FLAG_ALLOW_REMOTE_READ;
      await run(`NdkRegisterMr(${size} bytes, flags 0x${flags.toString(16)})`, (c) =>
        NdkRegisterMr(mr, memory, size, flags, c, 'register'),
      );
      const lkey: NdkOut<number> = {};
      const rkey: NdkOut<number> = {};
      NdkGetLocalTokenFromMr(mr, lkey);
      NdkGetRemoteTokenFromMr(mr, rkey);
      log(`tokens: local 0x${lkey.value!.toString(16)}, remote 0x${rkey.value!.toString(16)}`);
      await run('NdkDeregisterMr', (c) => NdkDeregisterMr(mr, c, 'deregister'));
      log(
        `NdkGetRemoteTokenFromMr after deregistration → ${show(NdkGetRemoteTokenFromMr(mr, rkey))}`,
      );
      log(`NdkDeregisterMr again → ${show(NdkDeregisterMr(mr, () => {}, 'again'))}`);
      log(`NdkCloseObject(mr) → ${show(NdkCloseObject(mr, () => {}, 'close'))}`);
    }
  }

  console.log('\n--- closing a parent waits for its children ---');
  const mrOut: NdkOut<MemoryRegion> = {};
  NdkCreateMr(pd, false, () => {}, undefined, mrOut);
  const last = mrOut.value!;
  NdkRegisterMr(last, allocate(4096), 4096, 1, () => {}, 'r');
  const pdClosed = new Promise<void>((resolve) => {
    log(
      `NdkCloseObject(pd) → ${show(NdkCloseObject(pd, (c) => (log(`    close completion(${c})`), resolve()), 'pd'))}`,
    );
  });
  log(`NdkCloseObject(mr) → ${show(NdkCloseObject(last, () => {}, 'mr'))}`);
  await pdClosed;
  log(`NdkCloseObject(adapter) → ${show(NdkCloseObject(adapter, () => {}, 'adapter'))}`);

  console.log('\n--- the promise API ---');
  {
    await using promiseAdapter = await openAdapter(device);
    const promisePd = await promiseAdapter.createPd();
    const region = await promisePd.createMr();
    await region.register(Buffer.alloc(8192), { flags: NdkMrFlags.NDK_MR_FLAG_ALLOW_REMOTE_READ });
    log(`mr.register() resolved; remote token 0x${region.remoteToken.toString(16)}`);
    await region.deregister();
    log('mr.deregister() resolved');
    const error = await region.deregister().catch((e: Error) => e);
    log(`mr.deregister() again rejected: ${String(error)}`);
  }
  log('adapter closed (await using)');
}

main().catch((error: unknown) => {
  console.error('demo failed:', error);
  process.exitCode = 1;
});
