/**
 * Runs one of the child-process scripts of this folder (compiled next to this file) to its end,
 * for the tests whose subject is what a whole process does: a completion that throws, a process
 * that exits or dies with objects alive.
 */

import { spawn } from 'node:child_process';
import { join } from 'node:path';

/** How a child ended, and what it printed. */
export interface ChildEnd {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of {@link runChild}. */
export interface RunChildOptions {
  /** SIGKILLs the child as soon as its output so far satisfies this. */
  readonly killWhen?: (stdout: string) => boolean;
}

/** Runs `support/<script>.js` with `args` and resolves once it has exited. */
export function runChild(
  script: string,
  args: readonly string[] = [],
  options: RunChildOptions = {},
): Promise<ChildEnd> {
  return new Promise((resolve, reject) => {
    const path = join(__dirname, `${script}.js`);
    const proc = spawn(process.execPath, [path, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (options.killWhen?.(stdout)) proc.kill('SIGKILL');
    });
    proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    proc.on('error', reject);
    proc.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
