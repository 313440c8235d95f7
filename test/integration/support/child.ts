/**
 * Runs one of the child-process scripts of this folder (compiled next to this file) to its end, for
 * the tests whose subject is what a process does when a completion throws.
 */

import { fork } from 'node:child_process';
import { join } from 'node:path';

/** Its exit code and everything it printed on stdout. */
export async function runChild(name: string): Promise<{ code: number | null; output: string }> {
  const child = fork(join(__dirname, `${name}.js`), { stdio: 'pipe' });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, output };
}
