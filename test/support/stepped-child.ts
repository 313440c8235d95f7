/**
 * Children that stop at each step of their story so the parent can ask the kernel about them (an
 * unprivileged child may not run `rdma` itself). The child prints one JSON line per step and waits
 * for a line on stdin; the parent records the line with the child's kernel regions at that moment.
 * Used for limits a child sets in a shell (`ulimit`) before it starts and that bind it once it has
 * dropped to an unprivileged user.
 */

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { kernelMrCount } from './kernel';

/** The uid a child drops to, so that limits root ignores bind it (nobody). */
export const UNPRIVILEGED = 65534;

/** One step the child reported, with the kernel's regions of the child then. */
export interface Step {
  readonly step: string;
  readonly kernelMrs: number;
  readonly [fact: string]: unknown;
}

/** Child side: prints the step and waits until the parent has looked. */
export function stepReporter(): (step: string, facts?: Record<string, unknown>) => Promise<void> {
  const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  return async (step, facts = {}) => {
    console.log(JSON.stringify({ step, ...facts }));
    await lines.next();
  };
}

/** Drops the child to {@link UNPRIVILEGED}, group first. */
export function dropPrivileges(): void {
  if (process.setgid === undefined || process.setuid === undefined) throw new Error('no setuid');
  process.setgid(UNPRIVILEGED);
  process.setuid(UNPRIVILEGED);
}

/**
 * Parent side: runs `support/<script>.js` with `args` after the shell command `limit` (such as
 * `ulimit -l 1024`), answers each step, and resolves with how the child ended and its steps.
 */
export async function runSteppedChild(
  limit: string,
  script: string,
  args: readonly string[] = [],
): Promise<{ code: number | null; signal: string | null; stderr: string; steps: Step[] }> {
  const child = spawn(
    '/bin/bash',
    [
      '-c',
      `${limit} && exec "$0" "$@"`,
      process.execPath,
      join(__dirname, `${script}.js`),
      ...args,
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const ended = new Promise<[number | null, string | null]>((resolve) =>
    child.on('exit', (code, signal) => resolve([code, signal])),
  );
  const steps: Step[] = [];
  for await (const line of createInterface({ input: child.stdout })) {
    steps.push({ ...(JSON.parse(line) as { step: string }), kernelMrs: kernelMrCount(child.pid) });
    child.stdin.write('\n');
  }
  const [code, signal] = await ended;
  return { code, signal, stderr, steps };
}
