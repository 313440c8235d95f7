/**
 * Runs the plain-C baseline (`bench/c/reg_dereg_loop.c`, built by `scripts/bench.sh` into
 * `build/bench/`) and reads the JSON it prints.
 *
 * @packageDocumentation
 */

import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

/** Where `scripts/bench.sh` puts the C program (dist/bench/ → build/bench/). */
export const C_PROGRAM =
  process.env.NDK_VERBS_BENCH_C_PROGRAM ?? resolve(__dirname, '../../build/bench/reg_dereg_loop');

/** Per-op nanoseconds of `iterations` register/deregister pairs on one block. */
export interface CPerOp {
  readonly bytes: number;
  readonly regNs: number[];
  readonly deregNs: number[];
}

/** Per-pair nanoseconds when each call runs on a second thread, the caller waiting in poll(). */
export interface CHop {
  readonly bytes: number;
  readonly pairNs: number[];
}

/** Total nanoseconds for `threads` threads to deregister `count` registered blocks. */
export interface CParallel {
  readonly bytes: number;
  readonly count: number;
  readonly threads: number;
  readonly deregisterNs: number;
}

/** Total nanoseconds to register `count` blocks one by one, then deregister them one by one. */
export interface CSequential {
  readonly bytes: number;
  readonly count: number;
  readonly registerNs: number;
  readonly deregisterNs: number;
}

function run(args: string[]): unknown {
  const stdout = execFileSync(C_PROGRAM, args, {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 600_000, // a hung verbs call must fail the run, not stall it
  });
  return JSON.parse(stdout);
}

/** `reg_dereg_loop perop`: per-pair timings in C. */
export function cPerOp(device: string, bytes: number, iterations: number, warmup: number): CPerOp {
  return run(['perop', device, String(bytes), String(iterations), String(warmup)]) as CPerOp;
}

/** `reg_dereg_loop sequential`: `count` regions registered, then deregistered one by one. */
export function cSequential(device: string, bytes: number, count: number): CSequential {
  return run(['sequential', device, String(bytes), String(count)]) as CSequential;
}

/**
 * `reg_dereg_loop hop`: per-pair timings in C with the thread hand-off a deferred completion pays
 * (a second thread runs each call; the caller sleeps in poll() on an eventfd until it is done).
 */
export function cHop(device: string, bytes: number, iterations: number, warmup: number): CHop {
  return run(['hop', device, String(bytes), String(iterations), String(warmup)]) as CHop;
}

/** `reg_dereg_loop parallel`: `count` registered regions deregistered by `threads` threads. */
export function cParallel(
  device: string,
  bytes: number,
  count: number,
  threads: number,
): CParallel {
  return run(['parallel', device, String(bytes), String(count), String(threads)]) as CParallel;
}

/** `reg_dereg_loop memory`: RSS growth per region with `count` 4 KiB regions registered in C. */
export function cMemory(device: string, count: number): { rssBytesPerRegion: number } {
  return run(['memory', device, String(count)]) as { rssBytesPerRegion: number };
}
