/** The soak's progress bar on stderr (cli-progress): seconds elapsed of the planned run, and the phase. */

import { Presets, SingleBar } from 'cli-progress';
import { type SoakProgress } from './runner';

/** A bar over the run's planned seconds; on a pipe (a log) it prints a line every 10 s. */
export function progressBar(plannedSeconds: number): SoakProgress & { stop(): void } {
  const bar = new SingleBar(
    {
      stream: process.stderr,
      format: 'soak [{bar}] {value}/{total} s | {phase}',
      hideCursor: true,
      noTTYOutput: true,
      notTTYSchedule: 10000,
      fps: 2,
    },
    Presets.shades_classic,
  );
  bar.start(plannedSeconds, 0, { phase: 'starting workers' });
  return {
    update: (elapsed, phase) =>
      bar.update(Math.min(plannedSeconds, Math.round(elapsed)), { phase }),
    stop: () => bar.stop(),
  };
}
