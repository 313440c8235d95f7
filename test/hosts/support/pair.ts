/**
 * The test's side of a cross-host test: boots two hosts with `runHosts`, each running one of the
 * programs of test/hosts/guests, keeps their output for failure messages, and gives the shared
 * directory (kept until the test removes it, so the reports can be read after the run).
 */

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { type HostsRun, type RunHostsResult, runHosts } from '../../../lib';
import { peek } from './rendezvous';

/** A running pair and what it has printed so far. */
export interface Pair {
  readonly run: HostsRun;
  /** Both hosts' stdout and stderr, prefixed with `[host i]`. */
  output(): string;
  /** What the hosts published as `<name>.json`; throws with their output when it is missing. */
  report<T>(name: string): T;
  /** Checks that the run and each host in `hosts` exited 0 (the output is in the failure). */
  expectSuccess(result: RunHostsResult, hosts: readonly number[]): void;
  /** Removes the shared directory. */
  remove(): void;
}

/** How long a pair may run, boot included. */
export const PAIR_TIMEOUT_S = 600;

/**
 * Boots two hosts: host 0 runs `guests/<programs[0]>.js`, host 1 `guests/<programs[1]>.js`.
 *
 * @param programs - The two programs' names (without `.js`).
 * @param env - More environment for both.
 */
export function startPair(programs: [string, string], env: NodeJS.ProcessEnv = {}): Pair {
  const sharedDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ndk-verbs-hosts-test-'));
  let text = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  const run = runHosts({
    hosts: 2,
    command: (host) => [
      process.execPath,
      path.join(__dirname, '..', 'guests', `${programs[host]}.js`),
    ],
    env: { ...process.env, ...env },
    timeoutSeconds: PAIR_TIMEOUT_S,
    sharedDir,
    stdout: sink,
    stderr: sink,
  });
  return {
    run,
    output: () => text,
    report<T>(name: string): T {
      const found = peek<T>(name, sharedDir);
      if (found === undefined) throw new Error(`no ${name} report; the hosts printed:\n${text}`);
      return found;
    },
    expectSuccess(result: RunHostsResult, hosts: readonly number[]): void {
      if (result.exitCode !== 0) throw new Error(`exit ${result.exitCode}; output:\n${text}`);
      for (const host of hosts)
        expect(result.hosts[host]).toMatchObject({ exitCode: 0, killed: false });
    },
    remove: () => fs.rmSync(sharedDir, { recursive: true, force: true }),
  };
}
