/** The soak's report on stdout: the seed first, then what ran, each check, and the verdict. */

import { type SoakOptions, type SoakResult } from './runner';

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const counts = (c: Record<string, number>) =>
  Object.entries(c)
    .map(([kind, n]) => `${kind} ${n}`)
    .join(', ');

/** The report's lines; the last says PASS or FAIL. */
export function reportLines(options: SoakOptions, result: SoakResult): string[] {
  const lines = [
    `soak: seed ${options.seed} (replay: npm run soak -- --seed ${options.seed} --minutes ${options.minutes})`,
    `soak: ${result.elapsedSeconds.toFixed(0)} s, ${options.workers} workers at a time, ` +
      `${result.workersStarted} started, ${result.workersTerminated} terminated, ${result.workersClosed} closed and exited`,
    `soak: baseline ${result.baseline.fds} fds, ${result.baseline.threads} threads; devices held ${counts(result.baseline.devices)} before the run`,
  ];
  const ops = Object.entries(result.operations).sort(([a], [b]) => a.localeCompare(b));
  const total = ops.reduce((sum, [, n]) => sum + n, 0);
  lines.push(`soak: ${total} operations: ${ops.map(([name, n]) => `${name} ${n}`).join(', ')}`);
  for (const check of result.checks) {
    const o = check.observation;
    lines.push(
      `soak: ${check.failures.length === 0 ? 'ok  ' : 'FAIL'} ${check.phase}: model ${counts(check.expected)}` +
        `${check.uncountedMrs > 0 ? ` (+${check.uncountedMrs} mr uncounted)` : ''} | ` +
        `devices ${counts(o.devices)} | process ${counts(o.process)} | RSS ${mib(o.rssBytes)}, ` +
        `${o.fds} fds, ${o.threads} threads | settled in ${check.settleMs} ms`,
    );
    for (const failure of check.failures) lines.push(`soak:      ${failure}`);
  }
  if (result.rss !== undefined) {
    const drained = result.checks
      .filter((c) => c.phase.startsWith('drain'))
      .map((c) => c.observation.rssBytes);
    lines.push(
      `soak: RSS drained: reference ${mib(result.rss.bytes)} (end of warm-up), max ${mib(Math.max(...drained))}, ` +
        `tolerance ${mib(result.rss.toleranceBytes)}; live max ${mib(Math.max(...result.checks.map((c) => c.observation.rssBytes)))}`,
    );
  }
  for (const failure of result.failures) lines.push(`soak: FAIL ${failure}`);
  if (total === 0) lines.push('soak: FAIL no operation ran: the run proved nothing');
  const failed = !passed(result);
  const firstBad = result.checks.find((c) => c.failures.length > 0)?.phase;
  lines.push(
    failed
      ? `soak: FAIL (seed ${options.seed}${firstBad ? `, first failed check: ${firstBad}` : ''})`
      : `soak: PASS (seed ${options.seed}): nothing leaked`,
  );
  return lines;
}

/** Whether the run passed. */
export function passed(result: SoakResult): boolean {
  // A run that did nothing, or checked only drained moments, proved nothing.
  const operations = Object.values(result.operations).reduce((sum, n) => sum + n, 0);
  return (
    result.failures.length === 0 &&
    operations > 0 &&
    result.checks.some((check) => !check.phase.startsWith('drain')) &&
    result.checks.some((check) => check.phase.startsWith('drain')) &&
    result.checks.every((check) => check.failures.length === 0)
  );
}
