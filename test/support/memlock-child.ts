/**
 * Child process for the memlock fault test. Started as root under a small RLIMIT_MEMLOCK (which
 * root ignores), it drops to an unprivileged uid, for which the limit holds, then opens rxe0 and
 * rxe1 and connects a queue pair between them. It registers regions on rxe0 one after another,
 * each written through the queue pair as soon as it exists, until verbs refuses one; checks the
 * earlier ones still take writes and still hold theirs; deregisters two and registers the refused
 * region again. Prints one JSON line per step and waits for a line on stdin after each, so the
 * parent can ask the kernel.
 */

import { readFile } from 'node:fs/promises';

import { allocate, type MemoryRegion, NdkError, NdkMrFlags, openAdapter } from '../../lib';
import { requireDevices } from './devices';
import { dropPrivileges, stepReporter } from './stepped-child';

/** Bytes of each region of the stream: the first argument. */
const REGION_BYTES = Number(process.argv[2]);
const MOST = 64; // far beyond any limit the test sets

const report = stepReporter();

async function main(): Promise<void> {
  if (!(REGION_BYTES > 8192)) throw new Error('usage: memlock-child <region bytes, over 8 KiB>');
  // libuv's pool starts its threads on first use: start them while the process may.
  await readFile('/proc/self/status');
  // Unprivileged before the devices are opened: the kernel refuses (EACCES) a uverbs command from
  // credentials other than those that opened the file, and posting to a queue pair is one.
  dropPrivileges();
  const [first, second] = requireDevices();
  if (second === undefined) throw new Error('the memlock child needs two devices (rxe0, rxe1)');
  const owner = await openAdapter(first);
  const writer = await openAdapter(second);
  const ownerPd = await owner.createPd();
  const writerPd = await writer.createPd();
  const target = await ownerPd.createQp(await owner.createCq());
  const qp = await writerPd.createQp(await writer.createCq());
  await target.connect(qp.localAddress());
  await qp.connect(target.localAddress());

  const sourceBytes = new Uint8Array(allocate(4096));
  const source = await writerPd.createMr({ completionPolicy: 'inline' });
  await source.register(sourceBytes);
  const write = async (mr: MemoryRegion, fill: number, offset: number) => {
    sourceBytes.fill(fill);
    const result = await qp.write(
      { mr: source, length: 4096 },
      { address: mr.address + BigInt(offset), token: mr.remoteToken },
    );
    return result.status;
  };

  // The stream: register, then write into the new region at once, until verbs says no.
  const regions: Array<{ mr: MemoryRegion; bytes: Uint8Array }> = [];
  let refused: { mr: MemoryRegion; bytes: Uint8Array; error: unknown } | undefined;
  while (refused === undefined && regions.length < MOST) {
    const bytes = new Uint8Array(allocate(REGION_BYTES));
    const mr = await ownerPd.createMr({ completionPolicy: 'inline' });
    const error = await mr
      .register(bytes, { flags: NdkMrFlags.NDK_MR_FLAG_ALLOW_REMOTE_WRITE })
      .then(
        () => undefined,
        (reason: unknown) => reason,
      );
    if (error === undefined) {
      regions.push({ mr, bytes });
      if ((await write(mr, regions.length, 0)) !== 0) throw new Error('a write failed');
    } else {
      refused = { mr, bytes, error };
    }
  }
  const error = refused?.error;
  await report('refused', {
    registered: regions.length,
    status: error instanceof NdkError ? error.status : String(error),
    code: error instanceof NdkError ? error.code : undefined,
    refusedIsRegistered: refused?.mr.isRegistered,
  });

  // The earlier regions: each still holds its write and takes another one.
  const held = regions.every(({ bytes }, i) => bytes.subarray(0, 4096).every((b) => b === i + 1));
  const statuses = [];
  for (const [i, { mr }] of regions.entries()) statuses.push(await write(mr, 0xa0 + i, 4096));
  const tookMore = regions.every(({ bytes }, i) =>
    bytes.subarray(4096, 8192).every((b) => b === 0xa0 + i),
  );
  await report('intact', { held, tookMore, failedWrites: statuses.filter((s) => s !== 0).length });

  // Recovery: two regions let go, and the refused one registers and takes a write.
  for (const { mr } of regions.splice(0, 2)) await mr.deregister();
  await refused!.mr.register(refused!.bytes, { flags: NdkMrFlags.NDK_MR_FLAG_ALLOW_REMOTE_WRITE });
  const status = await write(refused!.mr, 0x5e, 0);
  await report('recovered', {
    registered: refused!.mr.isRegistered,
    status,
    landed: refused!.bytes.subarray(0, 4096).every((b) => b === 0x5e),
  });

  await writer.close();
  await owner.close();
  await report('closed');
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
