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
  const small = result.counted.perOp.find((row) => row.bytes === 4096);
  const { eventLoop: loop, concurrency, leak, spawn } = result.wall;
  const counted = result.counted.clock === 'instructions' ? ' (counted)' : ' (wall clock)';
  const rssGrowth = leak.rssAfterBytes - leak.rssBeforeBytes;
  const checks: TargetCheck[] = [];
  if (small) {
    checks.push(
      {
        target: `NDK inline ≤ 1.05× C per op at 4 KiB${counted}`,
        measured: `${small.ratioToC.inline.toFixed(3)}×`,
        met: small.ratioToC.inline <= 1.05,
      },
      {
        target: `promise API ≤ 1.15× C per op at 4 KiB${counted}`,
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
  checks.push(...scaleTargets(result, counted));
  if (leak.cycles < leak.requestedCycles) {
    checks.push({
      target: `leak check runs ${leak.requestedCycles} cycles`,
      measured: `${leak.cycles} (${leak.reducedBecause ?? 'reduced'})`,
      met: false,
    });
  }
  return checks;
}

/** Flatness of each cost against regions held (±20 % of its first level), and memory per region. */
function scaleTargets(result: BenchResult, counted: string): TargetCheck[] {
  const rows = result.counted.scale.rows;
  if (rows.length < 2) return [];
  const first = rows[0];
  const last = rows[rows.length - 1];
  const span = `${first.held.toLocaleString('en')} → ${last.held.toLocaleString('en')} held`;
  const costs: ReadonlyArray<[string, (row: (typeof rows)[number]) => number]> = [
    ['inline register + deregister pair', (row) => row.inline.medianUs],
    ['deferred register + deregister pair', (row) => row.deferred.medianUs],
    ['register, per region', (row) => row.registerUsPerRegion],
    ['deregister, per region', (row) => row.deregisterUsPerRegion],
  ];
  const checks: TargetCheck[] = costs.map(([what, cost]) => {
    const ratios = rows.map((row) => cost(row) / cost(first));
    const worst = ratios.reduce((a, b) => (Math.abs(b - 1) > Math.abs(a - 1) ? b : a), 1);
    return {
      target: `${what} flat ±20 %, ${span}${counted}`,
      measured: ratios.map((r) => `${r.toFixed(2)}×`).join(' / '),
      met: Math.abs(worst - 1) <= 0.2,
    };
  });
  const worstRss = Math.max(...rows.map((row) => row.rssBytesPerRegion));
  const worstHeap = Math.max(...rows.map((row) => row.heapBytesPerRegion));
  checks.push({
    target: 'own memory per registered region < 1 KiB (RSS growth, heap included)',
    measured: `RSS ${worstRss.toFixed(0)} B, of which V8 heap ${worstHeap.toFixed(0)} B (worst level)`,
    met: worstRss < 1024 && worstHeap < 1024,
  });
  return checks;
}
