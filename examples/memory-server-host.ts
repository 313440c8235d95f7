/**
 * What the memory server and its client share: opening the host's NIC device with one queue pair
 * and one region, and how they find each other: small JSON files in the directory every host of
 * `ndk-verbs vm --hosts` shares (`NDK_VERBS_SHARED_DIR`), written under a temporary name and
 * renamed, so the reader never sees half a file.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Adapter, type MemoryRegion, openAdapter, type QueuePair } from '../lib';

/** The NIC's adapter, a queue pair, and `memory` registered with `flags`. */
export async function openHost(
  memory: Buffer,
  flags: number,
): Promise<{ adapter: Adapter; qp: QueuePair; mr: MemoryRegion }> {
  // The rxe device on this host's NIC (rxe2, next to the veth pair's rxe0 and rxe1).
  const adapter = await openAdapter(process.env.NDK_VERBS_HOST_DEVICE ?? 'rxe2');
  const pd = await adapter.createPd();
  const qp = await pd.createQp(await adapter.createCq());
  const mr = await pd.createMr();
  await mr.register(memory, { flags });
  return { adapter, qp, mr };
}

const dir = process.env.NDK_VERBS_SHARED_DIR;

function fileOf(name: string): string {
  if (!dir) throw new Error('NDK_VERBS_SHARED_DIR is not set: run this with ndk-verbs vm --hosts');
  return path.join(dir, `${name}.json`);
}

/** Publishes `value` under `name` for the other host. */
export function publish(name: string, value: unknown): void {
  const file = fileOf(name);
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(value));
  fs.renameSync(`${file}.tmp`, file);
}

/** Waits (up to 5 minutes) for the other host to publish `name`. */
export async function waitFor<T>(name: string): Promise<T> {
  const file = fileOf(name);
  for (let waited = 0; waited < 300_000; waited += 50) {
    if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the other host did not publish ${name}`);
}
