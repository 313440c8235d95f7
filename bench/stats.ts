/**
 * Order statistics over timing samples.
 *
 * @packageDocumentation
 */

import { type Summary } from './result';

/** The `p`-th percentile (0–100) of `values` by the nearest-rank method; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** The median of `values` (nearest rank). */
export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** Median, p99 and mean of samples given in microseconds. */
export function summarize(samplesUs: readonly number[]): Summary {
  const mean = samplesUs.reduce((sum, v) => sum + v, 0) / samplesUs.length;
  return {
    n: samplesUs.length,
    medianUs: round(median(samplesUs)),
    p99Us: round(percentile(samplesUs, 99)),
    meanUs: round(mean),
  };
}

/** `value` rounded to `digits` decimals (for readable JSON). */
export function round(value: number, digits = 2): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
