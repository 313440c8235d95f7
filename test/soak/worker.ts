/**
 * The body of one soak worker (a `worker_threads` Worker): opens its adapters, then runs random
 * operations from the catalogue while the runner says so, and reports its share of the model
 * whenever it is quiesced. It may be terminated at any moment — with regions registered, deferred
 * requests pending and a queue pair connected — and then holds nothing: the addon's environment
 * cleanup must release all of it.
 */

import { parentPort, workerData } from 'node:worker_threads';
import { NdkMrFlags } from '../../lib';
import { collectUntil } from '../support/gc';
import { type FromWorker, type ToWorker, type WorkerStart } from './messages';
import { type WorkerReport } from './model';
import { nextOperation } from './operations';
import { Prng } from './prng';
import { WorkerObjects } from './worker-objects';

const start = workerData as WorkerStart;
const port = parentPort!;
const rng = new Prng(start.seed);
const operations: Record<string, number> = {};
const failures: string[] = [];
// Kept only so the planted leak stays reachable (a collected region would be released).
const planted: unknown[] = [];
let running = false;
let loop: Promise<void> = Promise.resolve();

const post = (message: FromWorker) => port.postMessage(message);

/** Where the facade's own view of a region differs from the model's (a region changed unasked). */
function crossCheck(objects: WorkerObjects): void {
  for (const region of objects.regions) {
    if (region.mr.isRegistered !== region.registered) {
      failures.push(
        `a ${region.side} ${region.policy} region the model says is ${region.registered ? '' : 'not '}registered ` +
          `reports isRegistered ${region.mr.isRegistered} (state ${region.mr.state}, windows ${region.windows})`,
      );
    }
  }
}

function report(objects: WorkerObjects, closed = false): WorkerReport {
  if (!closed) crossCheck(objects);
  return {
    serial: start.serial,
    alive: closed ? { mr: 0, qp: 0, pd: 0, cq: 0 } : objects.alive(),
    uncountedMrs: closed ? 0 : objects.uncounted(),
    operations: { ...operations },
    failures: failures.splice(0),
  };
}

async function runOperations(objects: WorkerObjects): Promise<void> {
  const context = { objects, rng, fail: (message: string) => failures.push(message) };
  while (running) {
    const operation = nextOperation(objects, rng);
    operations[operation.name] = (operations[operation.name] ?? 0) + 1;
    try {
      await operation.run(context);
    } catch (error) {
      failures.push(`${operation.name} threw: ${(error as Error).stack ?? String(error)}`);
    }
  }
}

/** The region `--inject-leak mr` plants in every worker as it starts: the model is not told. */
async function plantLeak(objects: WorkerObjects): Promise<void> {
  if (start.injectLeak !== 'mr') return;
  const mr = await objects.local.pd.createMr();
  await mr.register(Buffer.alloc(4096), { flags: NdkMrFlags.NDK_MR_FLAG_ALLOW_LOCAL_WRITE });
  planted.push(mr);
}

const postError = (error: unknown) =>
  post({ type: 'error', message: (error as Error).stack ?? String(error) });

async function main(): Promise<void> {
  const objects = await WorkerObjects.open(start.localDevice, start.remoteDevice);
  await plantLeak(objects);
  port.on('message', (message: ToWorker) => {
    if (message.type === 'run') {
      running = true;
      loop = runOperations(objects);
    } else if (message.type === 'quiesce') {
      running = false;
      void loop
        .then(() => collectUntil(() => true, 1)) // collected regions' releases run now
        .then(() => post({ type: 'report', report: report(objects) }))
        .catch(postError);
    } else {
      running = false;
      void loop
        .then(() => objects.closeAll())
        .then(() => {
          post({ type: 'closed', report: report(objects, true) });
          port.close(); // nothing else keeps the worker alive: it exits
        })
        .catch(postError);
    }
  });
  post({ type: 'ready' });
}

main().catch(postError);
