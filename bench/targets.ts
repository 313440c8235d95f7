/**
 * The performance targets, checked against a run's figures: reported, never asserted.
 *
 * @packageDocumentation
 */

import { type BenchResult } from './result';

/** One target: what it asks, what was measured, and whether it was met. */
export interface TargetCheck {
  readonly target: string;
  readonly measured: string;
  readonly met: boolean;
}

const MiB = 2 ** 20;

/** Every performance target for `result`. */
export function checkTargets(result: BenchResult): TargetCheck[] {
  const small = result.perOp.find((row) => row.bytes === 4096);
  const { eventLoop: loop, concurrency, leak, spawn } = result;
  const rssGrowth = leak.rssAfterBytes - leak.rssBeforeBytes;
  const checks: TargetCheck[] = [];
  if (small) {
    checks.push(
      {
        target: 'NDK inline ≤ 1.05× C per op at 4 KiB',
        measured: `${small.ratioToC.inline.toFixed(3)}×`,
        met: small.ratioToC.inline <= 1.05,
      },
      {
        target: 'promise API ≤ 1.15× C per op at 4 KiB',
        measured: `${small.ratioToC.promise.toFixed(3)}×`,
        met: small.ratioToC.promise <= 1.15,
      },
    );
  }
  checks.push(
    {
      target: 'deferred deregistration: max event-loop delay < 2 ms',
      measured:
        `${loop.deferred.deregister.maxMs.toFixed(2)} ms (inline ${loop.inline.deregister.maxMs.toFixed(2)} ms, ` +
        `idle loop ${loop.idle.maxMs.toFixed(2)} ms)`,
      met: loop.deferred.deregister.maxMs < 2,
    },
    {
      target: 'concurrent deferred deregistration ≥ 1.5× sequential C',
      measured: `${concurrency.ratio.toFixed(2)}×`,
      met: concurrency.ratio >= 1.5,
    },
    {
      target: `kernel MR count back to its start (${leak.cycles} cycles)`,
      measured: `${leak.mrBefore} → ${leak.mrAfter}`,
      met: leak.mrAfter === leak.mrBefore,
    },
    {
      target: `RSS growth < 2 MiB (${leak.cycles} cycles)`,
      measured:
        `${(rssGrowth / MiB).toFixed(2)} MiB ` +
        `(second half: ${leak.secondHalfBytesPerCycle.toFixed(2)} B/cycle)`,
      met: rssGrowth < 2 * MiB,
    },
  );
  const gib = `${spawn.bytes / 2 ** 30} GiB`;
  checks.push(
    {
      target: `spawn with ${gib} of allocate() memory registered ≤ 1.2× nothing registered`,
      measured: `${spawn.allocatedRatio.toFixed(2)}×`,
      met: spawn.allocatedRatio <= 1.2,
    },
    {
      target: `spawn with ${gib} of Buffer.alloc memory registered ≤ 2× nothing registered`,
      measured: `${spawn.bufferRatio.toFixed(2)}×`,
      met: spawn.bufferRatio <= 2,
    },
  );
  if (leak.cycles < leak.requestedCycles) {
    checks.push({
      target: `leak check runs ${leak.requestedCycles} cycles`,
      measured: `${leak.cycles} (${leak.reducedBecause ?? 'reduced'})`,
      met: false,
    });
  }
  return checks;
}
