/**
 * The rendezvous of the hosts' processes (and of the test on the machine that runs them): small
 * JSON files in the shared directory (`NDK_VERBS_SHARED_DIR`). A file is written under a temporary
 * name and renamed, so a reader never sees half of one.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';

/** The shared directory: `NDK_VERBS_SHARED_DIR`, or `dir` when given (the test's side). */
function sharedDir(dir?: string): string {
  const found = dir ?? process.env.NDK_VERBS_SHARED_DIR;
  if (!found) throw new Error('NDK_VERBS_SHARED_DIR is not set: run this on hosts of runHosts');
  return found;
}

/** Publishes `value` as `<name>.json`, atomically. */
export function publish(name: string, value: unknown, dir?: string): void {
  const target = path.join(sharedDir(dir), `${name}.json`);
  const temporary = `${target}.${process.pid}.tmp`;
  fs.writeFileSync(
    temporary,
    JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)),
  );
  fs.renameSync(temporary, target);
}

/** What `<name>.json` holds, or `undefined` while it is not there. */
export function peek<T>(name: string, dir?: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(sharedDir(dir), `${name}.json`), 'utf8')) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Waits for `<name>.json` and returns what it holds.
 * @throws Error after `timeoutMs` without it.
 */
export async function waitFor<T>(name: string, timeoutMs: number, dir?: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = peek<T>(name, dir);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${name} was not published within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
