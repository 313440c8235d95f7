/**
 * The progress bar on stderr (cli-progress). On a pipe (a log) it prints a line every few seconds
 * instead of redrawing. It can be paused so its redraw timer stays off the event loop while the
 * event-loop delay is measured.
 *
 * @packageDocumentation
 */

import { Presets, SingleBar } from 'cli-progress';

/** A single bar counting work units, with the current task as its label. */
export class Progress {
  readonly #bar = new SingleBar(
    {
      stream: process.stderr,
      format: 'bench [{bar}] {percentage}% | {duration_formatted} | {task}',
      hideCursor: true,
      noTTYOutput: true,
      notTTYSchedule: 5000,
      fps: 5,
    },
    Presets.shades_classic,
  );
  #total = 0;
  #value = 0;
  #task = '';
  #running = false;

  /** Starts the bar with `total` units to do. */
  start(total: number): void {
    this.#total = total;
    this.#bar.start(total, 0, { task: 'starting' });
    this.#running = true;
  }

  /** Names what runs now. */
  task(task: string): void {
    this.#task = task;
    if (this.#running) this.#bar.update(this.#value, { task });
  }

  /** `units` more done. */
  advance(units = 1): void {
    this.#value = Math.min(this.#total, this.#value + units);
    if (this.#running) this.#bar.update(this.#value, { task: this.#task });
  }

  /** Stops redrawing until {@link resume} (the bar's timer would add event-loop delay). */
  pause(): void {
    if (!this.#running) return;
    this.#bar.stop();
    this.#running = false;
  }

  /** Redraws again after {@link pause}. */
  resume(): void {
    if (this.#running) return;
    this.#bar.start(this.#total, this.#value, { task: this.#task });
    this.#running = true;
  }

  /** Done: the bar stays as the last line on stderr. */
  stop(): void {
    this.pause();
  }
}
