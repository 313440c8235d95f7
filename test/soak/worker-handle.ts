/**
 * The runner's side of one soak worker: starting it, telling it to run, quiesce or close, and
 * terminating it. Every wait has a time limit, so a hung worker fails the run instead of stalling it.
 */

import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { type FromWorker, type ToWorker, type WorkerStart } from './messages';
import { type WorkerReport } from './model';

/** Raised when a worker does not answer in time or fails. */
export class WorkerFailure extends Error {}

export class WorkerHandle {
  readonly #worker: Worker;
  readonly #exited: Promise<number>;
  readonly #messages: FromWorker[] = [];
  #wake: (() => void) | undefined;
  #error: string | undefined;

  private constructor(
    readonly start: WorkerStart,
    private readonly timeoutMs: number,
  ) {
    this.#worker = new Worker(join(__dirname, 'worker.js'), { workerData: start });
    this.#worker.on('message', (message: FromWorker) => {
      if (message.type === 'error') this.#error ??= message.message;
      this.#messages.push(message);
      this.#wake?.();
    });
    this.#worker.on('error', (error) => {
      this.#error ??= error.stack ?? String(error);
      this.#wake?.();
    });
    this.#exited = new Promise((resolve) => this.#worker.once('exit', resolve));
  }

  /** Starts a worker and waits until its adapters are open. */
  static async start(start: WorkerStart, timeoutMs: number): Promise<WorkerHandle> {
    const handle = new WorkerHandle(start, timeoutMs);
    await handle.#next('ready');
    return handle;
  }

  get serial(): number {
    return this.start.serial;
  }

  /** Starts running operations. */
  run(): void {
    this.#send({ type: 'run' });
  }

  /** Stops it after its current operation; resolves with its report. */
  async quiesce(): Promise<WorkerReport> {
    this.#send({ type: 'quiesce' });
    const message = await this.#next('report');
    return (message as { report: WorkerReport }).report;
  }

  /** Closes everything it holds and lets it exit; resolves with its last report once it has. */
  async close(): Promise<WorkerReport> {
    this.#send({ type: 'close' });
    const message = await this.#next('closed');
    await this.#within(this.#exited, 'exit after closing everything');
    return (message as { report: WorkerReport }).report;
  }

  /** Terminates it wherever it is; resolves once the thread has exited. */
  async terminate(): Promise<void> {
    await this.#within(this.#worker.terminate(), 'terminate');
  }

  #send(message: ToWorker): void {
    this.#worker.postMessage(message);
  }

  async #next(type: FromWorker['type']): Promise<FromWorker> {
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      if (this.#error !== undefined) {
        throw new WorkerFailure(`worker ${this.serial} failed: ${this.#error}`);
      }
      const index = this.#messages.findIndex((message) => message.type === type);
      if (index >= 0) return this.#messages.splice(index, 1)[0];
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new WorkerFailure(`worker ${this.serial}: no '${type}' within ${this.timeoutMs} ms`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  async #within<T>(promise: Promise<T>, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new WorkerFailure(`worker ${this.serial}: no ${what} within ${this.timeoutMs} ms`),
          ),
        this.timeoutMs,
      );
    });
    try {
      return await Promise.race([promise, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
