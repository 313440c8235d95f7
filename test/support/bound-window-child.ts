/**
 * Child process for the bound-window teardown tests: a type 2 window bound through a queue pair,
 * and an end without closing anything, in the way the stage names.
 * - `exit`: the main thread binds, prints `ready at <Date.now()>` and returns, so the process ends
 *   once its event loop is empty; the parent times the rest.
 * - `worker`: a worker thread binds; this thread times `worker.terminate()` and prints
 *   `terminated {"ms":…,"left":{…}}`, `left` being what the kernel gained meanwhile.
 * Run as a worker (not the main thread), this file is that worker.
 */

import { isMainThread, parentPort, Worker } from 'node:worker_threads';

import { bindWindowThroughQp, openWindowPeers } from './bound-window';
import { kernelGrowth, kernelTotals } from './kernel-totals';

async function bindAndKeep(): Promise<void> {
  const peers = await openWindowPeers();
  await bindWindowThroughQp(peers);
  (globalThis as { kept?: unknown }).kept = peers; // nothing is closed, nothing is collected
}

async function main(stage: string): Promise<void> {
  switch (stage) {
    case 'exit':
      // Ends as a process does when its event loop runs dry (the environment's cleanup hook runs
      // then; process.exit() skips it and leaves everything to the kernel).
      await bindAndKeep();
      console.log(`ready at ${Date.now()}`);
      break;
    case 'worker': {
      const before = kernelTotals();
      const worker = new Worker(__filename);
      await new Promise((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      const started = performance.now();
      await worker.terminate();
      const ms = Math.round(performance.now() - started);
      console.log(
        `terminated ${JSON.stringify({ ms, left: kernelGrowth(before, kernelTotals()) })}`,
      );
      break;
    }
    default:
      throw new Error(`unknown stage ${stage}`);
  }
}

if (isMainThread) {
  void main(process.argv[2] ?? '');
} else {
  void bindAndKeep().then(() => {
    setInterval(() => {}, 1000); // stays alive until terminated
    parentPort?.postMessage('bound');
  });
}
