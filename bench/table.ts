/**
 * The readable stdout report of a run: machine, the five tests as aligned tables, and the targets.
 *
 * @packageDocumentation
 */

import { label } from './per-op';
import {
  type BenchResult,
  type Clock,
  type ConcurrencyResult,
  type CountedPart,
  type ObjectScaleRow,
  ownBytesPerRegion,
  type ScaleResult,
} from './result';
import { checkTargets, otherChecks, type TargetCheck } from './targets';

/** Renders rows as columns padded to their widest cell; first row is the header. */
export function columns(rows: readonly (readonly string[])[]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const line = (row: readonly string[]) =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)]
    .map((text) => `  ${text.trimEnd()}`)
    .join('\n');
}

const us = (value: number) => (value >= 1000 ? value.toFixed(0) : value.toFixed(1));
const ms = (value: number) => value.toFixed(2);

/** How a clock is named in the report's headings. */
export function clockLabel(clock: Clock, nproc: number): string {
  return clock === 'instructions'
    ? 'counted time: guest instructions at 1 ns each, 1 vCPU'
    : `wall-clock time, ${nproc} vCPU${nproc === 1 ? '' : 's'}`;
}

/** The whole report as text. */
export function renderReport(result: BenchResult): string {
  const { counted, wall } = result;
  const { eventLoop: loop, leak, spawn } = wall;
  const conc = wall.concurrency;
  const m = wall.machine;
  const countedClock = clockLabel(counted.clock, counted.machine.nproc);
  const wallClock = clockLabel(wall.clock, wall.machine.nproc);
  const out: string[] = [];
  out.push(
    `ndk-verbs bench, ${counted.startedAt}: ${m.place}, device ${m.device}`,
    `  guest/host: nproc ${m.nproc}, CPU "${m.cpuModel}", kernel ${m.kernel}, ${m.memTotalMiB} MiB, ` +
      `node ${m.node}, libuv pool ${m.uvThreadpoolSize}` +
      (m.hostCpuModel ? `; host: nproc ${m.hostNproc}, CPU "${m.hostCpuModel}"` : ''),
    `  measured in ${counted.durationS} s (${countedClock}) + ${wall.durationS} s (${wallClock})` +
      (result.wallS ? `; whole npm run bench: ${result.wallS} s` : ''),
    '',
    `1. register + deregister, per pair (µs; median / p99; ratio = median / C median) [${countedClock}]`,
  );
  const perOp = [
    ['size', 'n', 'C', 'inline', 'deferred', 'promise (auto)', 'ratio i/d/p', 'C + hop', 'd / hop'],
  ];
  for (const row of counted.perOp) {
    const cell = (s: { medianUs: number; p99Us: number }) => `${us(s.medianUs)} / ${us(s.p99Us)}`;
    const r = row.ratioToC;
    perOp.push([
      label(row.bytes),
      String(row.iterations),
      cell(row.paths.c),
      cell(row.paths.inline),
      cell(row.paths.deferred),
      cell(row.paths.promise),
      `${r.inline.toFixed(2)} / ${r.deferred.toFixed(2)} / ${r.promise.toFixed(2)}`,
      cell(row.cHop),
      row.deferredToCHop.toFixed(2),
    ]);
  }
  out.push(columns(perOp));
  for (const row of counted.perOp) {
    if (!row.promiseDeferred) continue;
    out.push(
      `  promise API over a 'deferred' region, ${label(row.bytes)}: ` +
        `${us(row.promiseDeferred.medianUs)} / ${us(row.promiseDeferred.p99Us)} µs, ` +
        `${(row.promiseDeferred.medianUs / row.paths.deferred.medianUs).toFixed(2)}× NDK deferred`,
    );
  }
  out.push(
    '  C + hop: the C loop with each call run by a second thread while the caller sleeps in poll(),',
    '  the hand-off any deferred completion pays here; d / hop: deferred median / C + hop median.',
    '',
    `1b. deregistering ${counted.concurrency.count} × ${label(counted.concurrency.regionBytes)}, ` +
      `one thread at a time [${countedClock}]`,
    rates(counted.concurrency, false),
    '',
  );

  out.push(
    `2. event-loop delay (ms, monitorEventLoopDelay ${loop.resolutionMs} ms resolution), ` +
      `${loop.regionCount} × ${label(loop.regionBytes)} = ` +
      `${label(loop.regionCount * loop.regionBytes)}, ${loop.rounds} rounds [${wallClock}]`,
  );
  const delays = [
    ['policy', 'register max / p99', 'deregister max / p99', 'deregister wall', 'loop busy'],
  ];
  delays.push([
    'idle loop (noise floor)',
    `${ms(loop.idle.maxMs)} / ${ms(loop.idle.p99Ms)}`,
    '',
    '',
    '',
  ]);
  for (const policy of ['inline', 'deferred'] as const) {
    const d = loop[policy];
    delays.push([
      policy,
      `${ms(d.register.maxMs)} / ${ms(d.register.p99Ms)}`,
      `${ms(d.deregister.maxMs)} / ${ms(d.deregister.p99Ms)}`,
      ms(d.deregisterWallMs),
      ms(d.deregisterBusyMs),
    ]);
  }
  out.push(
    columns(delays),
    '  wall / loop busy: median per deregistration phase; busy = time the event loop was not waiting',
    '  for events (performance.eventLoopUtilization), i.e. what the phase cost the JS thread.',
    '',
  );

  out.push(
    `3. deregistering ${conc.count} × ${label(conc.regionBytes)} (median of ${conc.rounds}) ` +
      `[${wallClock}]`,
    rates(conc, true),
    '',
  );

  const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(2);
  out.push(
    `4. leak check: ${leak.cycles} inline register/deregister cycles of ${label(leak.bytes)} ` +
      `(${leak.ratePerS}/s, ${wallClock})` +
      (leak.reducedBecause
        ? ` — REDUCED from ${leak.requestedCycles}: ${leak.reducedBecause}`
        : ''),
    columns([
      ['', 'before', 'after'],
      ['RSS (MiB)', mib(leak.rssBeforeBytes), mib(leak.rssAfterBytes)],
      ['kernel MRs of this process', String(leak.mrBefore), String(leak.mrAfter)],
    ]),
    `  RSS after GC every ${leak.rssCheckpoints[0]?.cycles ?? 0} cycles (MiB): ` +
      leak.rssCheckpoints.map((c) => mib(c.rssBytes)).join(' '),
    `  growth over the second half: ${leak.secondHalfBytesPerCycle.toFixed(2)} bytes per cycle`,
    '',
    `5. spawnSync('/bin/true'), median of ${spawn.samples} (ms; fork support: ${spawn.forkSupport}) ` +
      `[${wallClock}]`,
    columns([
      ['registered', 'median', 'ratio'],
      ['nothing', ms(spawn.baselineMs), '1.00'],
      [
        `${label(spawn.bytes)} of allocate()`,
        ms(spawn.allocatedMs),
        spawn.allocatedRatio.toFixed(2),
      ],
      [`${label(spawn.bytes)} of Buffer.alloc`, ms(spawn.bufferMs), spawn.bufferRatio.toFixed(2)],
    ]),
    '',
    `6. scale: 4 KiB regions held on one PD [${countedClock}]`,
    scaleTable(counted.scale),
    '  pairs: register + deregister of one more region with that many held (median µs, and its',
    '  ratio to the first level); register / deregister: mean per region while going up to the',
    '  level / down from it; memory: RSS and V8 heap growth per held region after a GC; C RSS: the',
    "  C program's growth holding as many (libibverbs and malloc); own: RSS minus C RSS.",
    '',
    ...objectSection(counted, countedClock),
    "performance targets (issue 13's)",
    targetTable(checkTargets(result)),
    '',
    'other checks',
    targetTable(otherChecks(result)),
  );
  return out.join('\n');
}

function targetTable(checks: readonly TargetCheck[]): string {
  const verdict = (met: boolean | undefined) =>
    met === undefined ? 'not in this run' : met ? 'met' : 'MISSED';
  return columns([
    ['target', 'measured', 'result'],
    ...checks.map((t) => [t.target, t.measured, verdict(t.met)]),
  ]);
}

function rates(conc: ConcurrencyResult, parallel: boolean): string {
  const rows = [
    ['path', 'regions/s', 'ratio to C'],
    ['C loop, one by one', conc.cSequentialPerS.toFixed(0), '1.00'],
    ['deferred, all at once', conc.deferredConcurrentPerS.toFixed(0), conc.ratio.toFixed(2)],
  ];
  if (parallel) {
    rows.push([
      `C, ${conc.cParallelThreads} threads`,
      conc.cParallelPerS.toFixed(0),
      (conc.cParallelPerS / conc.cSequentialPerS).toFixed(2),
    ]);
  }
  if (conc.batch) {
    rows.push([
      'pd.deregisterMany(), one batch',
      conc.batch.perS.toFixed(0),
      conc.batch.ratio.toFixed(2),
    ]);
  }
  rows.push([
    'inline, one by one',
    conc.inlineSequentialPerS.toFixed(0),
    (conc.inlineSequentialPerS / conc.cSequentialPerS).toFixed(2),
  ]);
  const text = columns(rows);
  if (!conc.batch) return text;
  // Counted (one vCPU), the loop's busy time is its own work only with the request thread below it
  // (see bench/request-threads.ts); before that, it counted the request thread's time too.
  if (!parallel && !conc.batch.requestThreadsLowered) return text;
  const { busyFraction, busyMs, busyFractionRange, wallMs } = conc.batch;
  const percent = (fraction: number) => (fraction * 100).toFixed(1);
  const busy = busyMs === undefined ? '' : `${ms(busyMs)} ms, `;
  const range = busyFractionRange
    ? ` (rounds ${percent(busyFractionRange[0])}–${percent(busyFractionRange[1])} %)`
    : '';
  const how = parallel ? '' : ' (the request thread at the lowest priority)';
  return (
    `${text}\n  pd.deregisterMany(): the event loop was busy ${busy}` +
    `${percent(busyFraction)} % of the batch's ${ms(wallMs)} ms${range}${how}`
  );
}

function objectSection(counted: CountedPart, clock: string): string[] {
  const objects = counted.objects;
  if (!objects) return [];
  const table = (what: string, rows: readonly ObjectScaleRow[]) => {
    const first = rows[0];
    return columns([
      [what, 'inline pair, median µs (ratio)', 'RSS B / object'],
      ...rows.map((row) => [
        row.count.toLocaleString('en'),
        `${us(row.inline.medianUs)} (${(row.inline.medianUs / first.inline.medianUs).toFixed(2)})`,
        row.rssBytesPerObject.toFixed(0),
      ]),
    ]);
  };
  return [
    `7. scale over objects: ${label(objects.bytes)} pairs (${objects.pairs}) on the newest [${clock}]`,
    table('protection domains', objects.pds),
    table('adapters (+ 1 domain)', objects.adapters),
    '',
  ];
}

function scaleTable(scale: ScaleResult): string {
  const first = scale.rows[0];
  const rel = (value: number, base: number) => `${us(value)} (${(value / base).toFixed(2)})`;
  const rows = [
    [
      'held',
      'C pair',
      'inline pair',
      'deferred pair',
      'register',
      'deregister',
      'RSS B/region',
      'heap B/region',
      'young gen, MiB',
      'C RSS B/region',
      'own B/region',
    ],
    ...scale.rows.map((row) => [
      row.held.toLocaleString('en'),
      rel(row.c.medianUs, first.c.medianUs),
      rel(row.inline.medianUs, first.inline.medianUs),
      rel(row.deferred.medianUs, first.deferred.medianUs),
      rel(row.registerUsPerRegion, first.registerUsPerRegion),
      rel(row.deregisterUsPerRegion, first.deregisterUsPerRegion),
      row.rssBytesPerRegion.toFixed(0),
      row.heapBytesPerRegion.toFixed(0),
      row.youngGenerationBytes === undefined
        ? '—'
        : (row.youngGenerationBytes / 2 ** 20).toFixed(1),
      row.cRssBytesPerRegion === undefined ? '—' : row.cRssBytesPerRegion.toFixed(0),
      ownBytesPerRegion(row)?.toFixed(0) ?? '—',
    ]),
  ];
  return columns(rows);
}
