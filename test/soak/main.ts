/**
 * `npm run soak -- [options]`: the randomized soak run (see docs/soak.md). Prints the seed first,
 * progress on stderr, the report on stdout; exits 1 when any check failed, 2 on bad options.
 *
 *   --minutes N          how long to run (default 1)
 *   --seed S             the PRNG seed (default: a fresh one, printed); the same seed replays
 *   --workers W          workers at a time (default 3)
 *   --phase-seconds P    seconds of operations between checks (default 10)
 *   --drain-every D      phases between drains (default 3)
 *   --inject-leak KIND   plant a deliberate leak: mr | fd (see messages.ts) (shows the checks fail)
 */

import { promises as fs } from 'node:fs';
import { listDevices } from '../../lib';
import { takeBaseline } from './checks';
import { LEAK_KINDS, type LeakKind } from './messages';
import { progressBar } from './progress';
import { randomSeed } from './prng';
import { passed, reportLines } from './report';
import { type SoakOptions, SoakRun } from './runner';

const MIB = 1024 * 1024;

function parse(argv: string[]): SoakOptions {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i];
    const value = argv[i + 1];
    if (!name.startsWith('--') || value === undefined)
      throw new Error(`bad argument near '${name}'`);
    values.set(name.slice(2), value);
  }
  const number = (name: string, fallback: number, min: number): number => {
    const raw = values.get(name);
    values.delete(name);
    const value = raw === undefined ? fallback : Number(raw);
    if (!Number.isFinite(value) || value < min)
      throw new Error(`--${name} must be a number ≥ ${min}`);
    return value;
  };
  const leak = values.get('inject-leak');
  values.delete('inject-leak');
  if (leak !== undefined && !(LEAK_KINDS as readonly string[]).includes(leak)) {
    throw new Error(`--inject-leak must be one of ${LEAK_KINDS.join(', ')}`);
  }
  const devices = listDevices().map((device) => device.name);
  if (devices.length < 2) {
    throw new Error(
      `the soak needs two RDMA devices (rxe0 and rxe1), found ${devices.length} (${devices.join(', ') || 'none'}); ` +
        'run it with `npm run soak`, which boots the SoftRoCE VM when the host has none',
    );
  }
  const options: SoakOptions = {
    minutes: number('minutes', 1, 0.1),
    seed: number('seed', randomSeed(), 0) >>> 0,
    workers: number('workers', 3, 1),
    phaseSeconds: number('phase-seconds', 10, 1),
    drainEvery: number('drain-every', 3, 1),
    devices: [devices[0], devices[1]],
    injectLeak: leak as LeakKind | undefined,
    // Under emulation a worker's start (loading the addon, opening two devices) takes seconds.
    workerTimeoutMs: 60_000,
    settleMs: 15_000,
    rssToleranceBytes: 48 * MIB,
  };
  if (values.size > 0)
    throw new Error(`unknown option(s): ${[...values.keys()].map((k) => `--${k}`).join(' ')}`);
  return options;
}

async function main(): Promise<number> {
  let options: SoakOptions;
  try {
    options = parse(process.argv.slice(2));
  } catch (error) {
    console.error(`soak: ${(error as Error).message}`);
    return 2;
  }
  console.log(`soak: seed ${options.seed}`);
  // Starts the libuv thread pool before the baseline: it stays for the life of the process.
  await fs.readFile('/proc/self/status');
  const baseline = takeBaseline(options.devices);
  const progress = progressBar(Math.round(options.minutes * 60));
  const result = await new SoakRun(options, progress).run(baseline);
  progress.stop();
  for (const line of reportLines(options, result)) console.log(line);
  return passed(result) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
