/**
 * The `npm run bench -- --compare <ref>` report: the same counted figures from two builds (A: the
 * other ref, B: this checkout), measured by one harness in one counted VM, each shown as B/A. The C
 * loop runs in both processes too: its B/A says how repeatable one counted round is.
 *
 * @packageDocumentation
 */

import { label } from './per-op';
import { type CountedPart, ownBytesPerRegion } from './result';
import { clockLabel, columns } from './table';

const fixed = (value: number) => (value >= 1000 ? value.toFixed(0) : value.toFixed(2));

/** One figure of both builds and its ratio B/A. */
function row(name: string, a: number, b: number): string[] {
  return [name, fixed(a), fixed(b), (b / a).toFixed(3)];
}

/** The comparison as text. */
export function renderComparison(a: CountedPart, b: CountedPart, ref: string): string {
  const rows: string[][] = [['figure', `A (${ref})`, 'B (this checkout)', 'B/A']];
  for (const ra of a.perOp) {
    const rb = b.perOp.find((r) => r.bytes === ra.bytes);
    if (!rb) continue;
    const size = label(ra.bytes);
    for (const path of ['c', 'inline', 'deferred', 'promise'] as const) {
      rows.push(
        row(`${size} ${path} pair, median µs`, ra.paths[path].medianUs, rb.paths[path].medianUs),
      );
    }
    rows.push(row(`${size} C + hop pair, median µs`, ra.cHop.medianUs, rb.cHop.medianUs));
    for (const path of ['inline', 'deferred', 'promise'] as const) {
      rows.push(row(`${size} ${path} / C`, ra.ratioToC[path], rb.ratioToC[path]));
    }
    rows.push(row(`${size} deferred / (C + hop)`, ra.deferredToCHop, rb.deferredToCHop));
    if (ra.promiseDeferred && rb.promiseDeferred) {
      rows.push(
        row(
          `${size} promise 'deferred' pair, median µs`,
          ra.promiseDeferred.medianUs,
          rb.promiseDeferred.medianUs,
        ),
      );
    }
  }
  const ca = a.concurrency;
  const cb = b.concurrency;
  rows.push(
    row('deregistration, C one by one, /s', ca.cSequentialPerS, cb.cSequentialPerS),
    row(
      'deregistration, deferred all at once, /s',
      ca.deferredConcurrentPerS,
      cb.deferredConcurrentPerS,
    ),
    row('deregistration, inline one by one, /s', ca.inlineSequentialPerS, cb.inlineSequentialPerS),
  );
  if (cb.batch) {
    const name = 'deregistration, pd.deregisterMany(), /s';
    rows.push(
      ca.batch ? row(name, ca.batch.perS, cb.batch.perS) : [name, '—', fixed(cb.batch.perS), '—'],
    );
  }
  for (const sa of a.scale.rows) {
    const sb = b.scale.rows.find((r) => r.held === sa.held);
    if (!sb) continue;
    const held = `${sa.held.toLocaleString('en')} held:`;
    rows.push(
      row(`${held} inline pair, µs`, sa.inline.medianUs, sb.inline.medianUs),
      row(`${held} deferred pair, µs`, sa.deferred.medianUs, sb.deferred.medianUs),
      row(`${held} register per region, µs`, sa.registerUsPerRegion, sb.registerUsPerRegion),
      row(`${held} deregister per region, µs`, sa.deregisterUsPerRegion, sb.deregisterUsPerRegion),
      row(`${held} RSS per region, B`, sa.rssBytesPerRegion, sb.rssBytesPerRegion),
      row(`${held} V8 heap per region, B`, sa.heapBytesPerRegion, sb.heapBytesPerRegion),
    );
    if (sa.youngGenerationBytes !== undefined && sb.youngGenerationBytes !== undefined) {
      const mib = (bytes: number) => bytes / 2 ** 20;
      rows.push(
        row(
          `${held} young generation, MiB`,
          mib(sa.youngGenerationBytes),
          mib(sb.youngGenerationBytes),
        ),
      );
    }
    if (sa.cRssBytesPerRegion !== undefined && sb.cRssBytesPerRegion !== undefined) {
      rows.push(row(`${held} C RSS per region, B`, sa.cRssBytesPerRegion, sb.cRssBytesPerRegion));
      rows.push(
        row(`${held} own per region, B`, ownBytesPerRegion(sa) ?? 0, ownBytesPerRegion(sb) ?? 0),
      );
    }
  }
  for (const [what, ra, rb] of [
    ['protection domains', a.objects?.pds, b.objects?.pds],
    ['adapters', a.objects?.adapters, b.objects?.adapters],
  ] as const) {
    for (const oa of ra ?? []) {
      const ob = rb?.find((r) => r.count === oa.count);
      if (!ob) continue;
      rows.push(
        row(`${oa.count} ${what}: inline pair, µs`, oa.inline.medianUs, ob.inline.medianUs),
        row(`${oa.count} ${what}: RSS per object, B`, oa.rssBytesPerObject, ob.rssBytesPerObject),
      );
    }
  }
  return [
    `ndk-verbs bench --compare ${ref}: A = ${ref}, B = this checkout, one round each, ` +
      `${clockLabel(b.clock, b.machine.nproc)}`,
    columns(rows),
    '  The C rows run the same program in both processes: their B/A is the repeatability of one',
    '  round. B/A below 1 means this checkout is faster (or, for rates, slower).',
  ].join('\n');
}
