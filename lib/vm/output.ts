import type { Readable, Writable } from 'node:stream';

/**
 * Forwards the VM's output channels to the caller's stdout and stderr, and notices when one of those
 * breaks (e.g. EPIPE once `| head` has what it wants): the sources are then drained into nothing so
 * that nothing waits on them, and the listeners (which stop the VM) are told.
 */
export class OutputRouter {
  /** The first write error of either destination, if any. */
  error: NodeJS.ErrnoException | undefined;
  private readonly sources = new Set<Readable>();
  private readonly listeners: Array<(err: NodeJS.ErrnoException) => void> = [];
  private readonly onError = (err: NodeJS.ErrnoException): void => {
    if (this.error) return;
    this.error = err;
    for (const source of this.sources) {
      source.unpipe();
      source.resume();
    }
    for (const listener of this.listeners) listener(err);
  };

  /**
   * @param stdout - The caller's stdout.
   * @param stderr - The caller's stderr.
   */
  constructor(
    readonly stdout: Writable,
    readonly stderr: Writable,
  ) {
    stdout.on('error', this.onError);
    stderr.on('error', this.onError);
  }

  /**
   * Pipes `source` into one of the destinations (never ending it) as data arrives.
   *
   * @param source - A stream of the VM's output.
   * @param to - Which destination.
   */
  forward(source: Readable, to: 'stdout' | 'stderr'): void {
    this.sources.add(source);
    if (this.error) source.resume();
    else source.pipe(this[to], { end: false });
  }

  /**
   * Registers a callback for the first destination error.
   *
   * @param listener - Called once, with the error.
   */
  onBroken(listener: (err: NodeJS.ErrnoException) => void): void {
    this.listeners.push(listener);
  }

  /** Stops watching the destinations for errors. */
  dispose(): void {
    this.stdout.off('error', this.onError);
    this.stderr.off('error', this.onError);
  }
}
