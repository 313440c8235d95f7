/**
 * How the memory server and its client find each other: small JSON files in the directory every
 * host of `ndk-verbs vm --hosts` shares (`NDK_VERBS_SHARED_DIR`). Written under a temporary name
 * and renamed, so the reader never sees half a file.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';

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
