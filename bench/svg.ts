/**
 * The chart of a run: median register + deregister cost against region size, log-log, one line
 * per path (C, NDK inline, NDK deferred, promise API). Plain hand-written SVG.
 *
 * @packageDocumentation
 */

import { label } from './per-op';
import { type BenchResult, type CountedPart, type PathName, type PerOpRow } from './result';

const WIDTH = 820; // room for the longest legend entry beside the plot
const HEIGHT = 440;
const PAD = { left: 70, right: 270, top: 40, bottom: 50 };
type Series = PathName | 'cHop';

const SERIES: ReadonlyArray<{ path: Series; name: string; color: string; dash: string }> = [
  { path: 'c', name: 'C loop (ibv_reg_mr/ibv_dereg_mr)', color: '#222222', dash: '' },
  { path: 'cHop', name: 'C loop, each call on a second thread', color: '#888888', dash: '6 3' },
  { path: 'inline', name: 'NDK style, inline', color: '#1f77b4', dash: '' },
  { path: 'deferred', name: 'NDK style, deferred', color: '#d62728', dash: '6 3' },
  { path: 'promise', name: "promise API ('auto')", color: '#2ca02c', dash: '2 3' },
];

/** The SVG document for `result`: cost against size above, cost against regions held below. */
export function renderChart(result: BenchResult): string {
  const top = renderSizeChart(result.counted);
  const bottom = renderScaleChart(result.counted);
  const body = (svg: string) => svg.replace(/^<svg[^>]*>\n/, '').replace(/<\/svg>\n?$/, '');
  return (
    [
      `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT * 2}" ` +
        `font-family="sans-serif" font-size="12">`,
      body(top),
      `<g transform="translate(0 ${HEIGHT})">`,
      body(bottom),
      '</g>',
      '</svg>',
    ].join('\n') + '\n'
  );
}

function clockNote(part: CountedPart): string {
  return part.clock === 'instructions' ? 'counted time' : 'wall clock';
}

function renderSizeChart(result: CountedPart): string {
  const rows = result.perOp;
  const values = rows.flatMap((row) => SERIES.map((s) => medianOf(row, s.path)));
  const yMin = 10 ** Math.floor(Math.log10(Math.min(...values)));
  const yMax = 10 ** Math.ceil(Math.log10(Math.max(...values)));
  const xMin = Math.log2(rows[0].bytes);
  const xMax = Math.log2(rows[rows.length - 1].bytes);
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const x = (bytes: number) => PAD.left + ((Math.log2(bytes) - xMin) / (xMax - xMin)) * plotW;
  const y = (usValue: number) =>
    PAD.top + plotH - ((Math.log10(usValue) - Math.log10(yMin)) / Math.log10(yMax / yMin)) * plotH;
  const f = (n: number) => n.toFixed(1);

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" ` +
      `font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${PAD.left}" y="22" font-size="14" font-weight="bold">` +
      `register + deregister, median per pair (${escape(result.machine.device)}, ` +
      `${escape(result.machine.place)}, ${clockNote(result)})</text>`,
  ];
  for (let decade = yMin; decade <= yMax; decade *= 10) {
    parts.push(
      `<line x1="${PAD.left}" x2="${PAD.left + plotW}" y1="${f(y(decade))}" y2="${f(y(decade))}" stroke="#ddd"/>`,
      `<text x="${PAD.left - 6}" y="${f(y(decade) + 4)}" text-anchor="end">${usLabel(decade)}</text>`,
    );
  }
  for (const row of rows) {
    parts.push(
      `<line x1="${f(x(row.bytes))}" x2="${f(x(row.bytes))}" y1="${PAD.top}" y2="${PAD.top + plotH}" stroke="#eee"/>`,
      `<text x="${f(x(row.bytes))}" y="${PAD.top + plotH + 18}" text-anchor="middle">${label(row.bytes)}</text>`,
    );
  }
  parts.push(
    `<rect x="${PAD.left}" y="${PAD.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#888"/>`,
    `<text x="${PAD.left + plotW / 2}" y="${HEIGHT - 10}" text-anchor="middle">region size (log)</text>`,
    `<text transform="translate(16 ${PAD.top + plotH / 2}) rotate(-90)" text-anchor="middle">` +
      `time per register + deregister (log)</text>`,
  );
  SERIES.forEach((s, i) => {
    const points = rows.map((row) => `${f(x(row.bytes))},${f(y(medianOf(row, s.path)))}`);
    const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : '';
    parts.push(
      `<polyline points="${points.join(' ')}" fill="none" stroke="${s.color}" stroke-width="2"${dash}/>`,
      ...points.map((p) => {
        const [cx, cy] = p.split(',');
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
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

const SCALE_SERIES: ReadonlyArray<{
  name: string;
  color: string;
  dash: string;
  cost: (row: CountedPart['scale']['rows'][number]) => number;
}> = [
  { name: 'C register + deregister pair', color: '#222222', dash: '', cost: (r) => r.c.medianUs },
  { name: 'NDK inline pair', color: '#1f77b4', dash: '', cost: (r) => r.inline.medianUs },
  { name: 'NDK deferred pair', color: '#d62728', dash: '6 3', cost: (r) => r.deferred.medianUs },
  {
    name: 'register, per region',
    color: '#9467bd',
    dash: '2 3',
    cost: (r) => r.registerUsPerRegion,
  },
  {
    name: 'deregister, per region',
    color: '#8c564b',
    dash: '2 3',
    cost: (r) => r.deregisterUsPerRegion,
  },
];

// Cost against regions held: log x (regions), log y (µs), one line per cost.
function renderScaleChart(result: CountedPart): string {
  const rows = result.scale.rows;
  const values = rows.flatMap((row) => SCALE_SERIES.map((s) => s.cost(row)));
  const yMin = 10 ** Math.floor(Math.log10(Math.min(...values)));
  const yMax = 10 ** Math.ceil(Math.log10(Math.max(...values)));
  const xMin = Math.log10(rows[0].held);
  const xMax = Math.log10(rows[rows.length - 1].held);
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const x = (held: number) => PAD.left + ((Math.log10(held) - xMin) / (xMax - xMin || 1)) * plotW;
  const y = (usValue: number) =>
    PAD.top + plotH - ((Math.log10(usValue) - Math.log10(yMin)) / Math.log10(yMax / yMin)) * plotH;
  const f = (n: number) => n.toFixed(1);
  const parts: string[] = [
    `<svg>`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${PAD.left}" y="22" font-size="14" font-weight="bold">` +
      `cost against 4 KiB regions held on one PD (median, ${clockNote(result)})</text>`,
  ];
  for (let decade = yMin; decade <= yMax; decade *= 10) {
    parts.push(
      `<line x1="${PAD.left}" x2="${PAD.left + plotW}" y1="${f(y(decade))}" y2="${f(y(decade))}" stroke="#ddd"/>`,
      `<text x="${PAD.left - 6}" y="${f(y(decade) + 4)}" text-anchor="end">${usLabel(decade)}</text>`,
    );
  }
  for (const row of rows) {
    parts.push(
      `<line x1="${f(x(row.held))}" x2="${f(x(row.held))}" y1="${PAD.top}" y2="${PAD.top + plotH}" stroke="#eee"/>`,
      `<text x="${f(x(row.held))}" y="${PAD.top + plotH + 18}" text-anchor="middle">${row.held.toLocaleString('en')}</text>`,
    );
  }
  parts.push(
    `<rect x="${PAD.left}" y="${PAD.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#888"/>`,
    `<text x="${PAD.left + plotW / 2}" y="${HEIGHT - 10}" text-anchor="middle">regions held (log)</text>`,
    `<text transform="translate(16 ${PAD.top + plotH / 2}) rotate(-90)" text-anchor="middle">` +
      `time (log)</text>`,
  );
  SCALE_SERIES.forEach((s, i) => {
    const points = rows.map((row) => `${f(x(row.held))},${f(y(s.cost(row)))}`);
    const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : '';
    parts.push(
      `<polyline points="${points.join(' ')}" fill="none" stroke="${s.color}" stroke-width="2"${dash}/>`,
      ...points.map((p) => {
        const [cx, cy] = p.split(',');
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
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

function usLabel(value: number): string {
  if (value >= 1e6) return `${value / 1e6} s`;
  if (value >= 1e3) return `${value / 1e3} ms`;
  return `${value} µs`;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function medianOf(row: PerOpRow, series: Series): number {
  return series === 'cHop' ? row.cHop.medianUs : row.paths[series].medianUs;
}
