/**
 * The chart of a run, plain hand-written SVG, log-log plots one above the other: median register +
 * deregister cost against region size (one line per path: C, NDK inline, NDK deferred, promise
 * API), cost against the number of 4 KiB regions held (the scale test), and, when the run has it,
 * cost against the number of protection domains and adapters open.
 *
 * @packageDocumentation
 */

import { label } from './per-op';
import {
  type BenchResult,
  type CountedPart,
  type ObjectScaleResult,
  type PathName,
  type ScaleRow,
} from './result';

const WIDTH = 820; // room for the longest legend entry beside the plot
const HEIGHT = 440;
const PAD = { left: 70, right: 270, top: 40, bottom: 50 };

/** One line of a plot: its legend, its style and a value (µs) per x. */
interface Series {
  readonly name: string;
  readonly color: string;
  readonly dash: string;
  readonly values: readonly number[];
  /** The x of each value, when the series has x values of its own (else the plot's). */
  readonly xs?: readonly number[];
}

/** One plot: log x, log y (µs). */
interface Plot {
  readonly title: string;
  readonly xTitle: string;
  readonly xs: readonly number[];
  readonly xLabel: (x: number) => string;
  readonly series: readonly Series[];
}

/** The SVG document for `result`: its plots one above the other. */
export function renderChart(result: BenchResult): string {
  const counted = result.counted;
  const plots = [sizePlot(counted), scalePlot(counted)];
  if (counted.objects) plots.push(objectPlot(counted, counted.objects));
  return (
    [
      `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT * plots.length}" ` +
        `font-family="sans-serif" font-size="12">`,
      ...plots.flatMap((p, i) => [
        `<g transform="translate(0 ${HEIGHT * i})">`,
        ...plot(p),
        '</g>',
      ]),
      '</svg>',
    ].join('\n') + '\n'
  );
}

function clockNote(part: CountedPart): string {
  return part.clock === 'instructions' ? 'counted time' : 'wall clock';
}

function sizePlot(part: CountedPart): Plot {
  const rows = part.perOp;
  const path = (p: PathName) => rows.map((row) => row.paths[p].medianUs);
  return {
    title:
      `register + deregister, median per pair (${part.machine.device}, ` +
      `${part.machine.place}, ${clockNote(part)})`,
    xTitle: 'region size (log)',
    xs: rows.map((row) => row.bytes),
    xLabel: label,
    series: [
      { name: 'C loop (ibv_reg_mr/ibv_dereg_mr)', color: '#222222', dash: '', values: path('c') },
      {
        name: 'C loop, each call on a second thread',
        color: '#888888',
        dash: '6 3',
        values: rows.map((row) => row.cHop.medianUs),
      },
      { name: 'NDK style, inline', color: '#1f77b4', dash: '', values: path('inline') },
      { name: 'NDK style, deferred', color: '#d62728', dash: '6 3', values: path('deferred') },
      { name: "promise API ('auto')", color: '#2ca02c', dash: '2 3', values: path('promise') },
    ],
  };
}

function scalePlot(part: CountedPart): Plot {
  const rows = part.scale.rows;
  const of = (cost: (row: ScaleRow) => number) => rows.map(cost);
  return {
    title: `cost against 4 KiB regions held on one PD (${clockNote(part)})`,
    xTitle: 'regions held (log)',
    xs: rows.map((row) => row.held),
    xLabel: (held) => held.toLocaleString('en'),
    series: [
      { name: 'C pair', color: '#222222', dash: '', values: of((r) => r.c.medianUs) },
      { name: 'NDK inline pair', color: '#1f77b4', dash: '', values: of((r) => r.inline.medianUs) },
      {
        name: 'NDK deferred pair',
        color: '#d62728',
        dash: '6 3',
        values: of((r) => r.deferred.medianUs),
      },
      {
        name: 'register, per region',
        color: '#9467bd',
        dash: '2 3',
        values: of((r) => r.registerUsPerRegion),
      },
      {
        name: 'deregister, per region',
        color: '#8c564b',
        dash: '2 3',
        values: of((r) => r.deregisterUsPerRegion),
      },
    ],
  };
}

function objectPlot(part: CountedPart, objects: ObjectScaleResult): Plot {
  const xs = [...new Set([...objects.pds, ...objects.adapters].map((row) => row.count))].sort(
    (a, b) => a - b,
  );
  return {
    title: `inline register + deregister pair against objects open (${clockNote(part)})`,
    xTitle: 'protection domains, or adapters, open (log)',
    xs,
    xLabel: (count) => count.toLocaleString('en'),
    series: [
      {
        name: 'pair, by protection domains',
        color: '#1f77b4',
        dash: '',
        values: objects.pds.map((row) => row.inline.medianUs),
        xs: objects.pds.map((row) => row.count),
      },
      {
        name: 'pair, by adapters',
        color: '#ff7f0e',
        dash: '6 3',
        values: objects.adapters.map((row) => row.inline.medianUs),
        xs: objects.adapters.map((row) => row.count),
      },
    ],
  };
}

// The elements of one plot (without the enclosing <svg>), in a WIDTH × HEIGHT box.
function plot(p: Plot): string[] {
  const values = p.series.flatMap((s) => s.values);
  const yMin = 10 ** Math.floor(Math.log10(Math.min(...values)));
  const yMax = 10 ** Math.ceil(Math.log10(Math.max(...values)));
  const xMin = Math.log10(p.xs[0]);
  const xMax = Math.log10(p.xs[p.xs.length - 1]);
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const x = (value: number) => PAD.left + ((Math.log10(value) - xMin) / (xMax - xMin || 1)) * plotW;
  const y = (usValue: number) =>
    PAD.top + plotH - ((Math.log10(usValue) - Math.log10(yMin)) / Math.log10(yMax / yMin)) * plotH;
  const f = (n: number) => n.toFixed(1);

  const parts: string[] = [
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${PAD.left}" y="22" font-size="14" font-weight="bold">${escape(p.title)}</text>`,
  ];
  for (let decade = yMin; decade <= yMax; decade *= 10) {
    parts.push(
      `<line x1="${PAD.left}" x2="${PAD.left + plotW}" y1="${f(y(decade))}" y2="${f(y(decade))}" stroke="#ddd"/>`,
      `<text x="${PAD.left - 6}" y="${f(y(decade) + 4)}" text-anchor="end">${usLabel(decade)}</text>`,
    );
  }
  for (const value of p.xs) {
    parts.push(
      `<line x1="${f(x(value))}" x2="${f(x(value))}" y1="${PAD.top}" y2="${PAD.top + plotH}" stroke="#eee"/>`,
      `<text x="${f(x(value))}" y="${PAD.top + plotH + 18}" text-anchor="middle">${p.xLabel(value)}</text>`,
    );
  }
  parts.push(
    `<rect x="${PAD.left}" y="${PAD.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#888"/>`,
    `<text x="${PAD.left + plotW / 2}" y="${HEIGHT - 10}" text-anchor="middle">${p.xTitle}</text>`,
    `<text transform="translate(16 ${PAD.top + plotH / 2}) rotate(-90)" text-anchor="middle">` +
      `time (log)</text>`,
  );
  p.series.forEach((s, i) => {
    const sx = s.xs ?? p.xs;
    const points = s.values.map((v, k) => `${f(x(sx[k]))},${f(y(v))}`);
    const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : '';
    parts.push(
      `<polyline points="${points.join(' ')}" fill="none" stroke="${s.color}" stroke-width="2"${dash}/>`,
      ...points.map((point) => {
        const [cx, cy] = point.split(',');
        return `<circle cx="${cx}" cy="${cy}" r="3" fill="${s.color}"/>`;
      }),
    );
    const ly = PAD.top + 10 + i * 20;
    const lx = PAD.left + plotW + 12;
    parts.push(
      `<line x1="${lx}" x2="${lx + 24}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"${dash}/>`,
      `<text x="${lx + 30}" y="${ly + 4}" font-size="11">${escape(s.name)}</text>`,
    );
  });
  return parts;
}

function usLabel(value: number): string {
  if (value >= 1e6) return `${value / 1e6} s`;
  if (value >= 1e3) return `${value / 1e3} ms`;
  return `${value} µs`;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
