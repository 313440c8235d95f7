/**
 * A peer process killed (SIGKILL) in the middle of a stream of writes to its region: the
 * survivor's requests complete with an error status within its queue pair's retry time (the first
 * with retry-exceeded or a remote access error, the rest flushed), never hang; its regions deregister normally; and the
 * kernel holds nothing of the dead process, nor of the survivor once it has closed.
 */

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { NtStatus, ntStatusName, openAdapter, type QpAddress } from '../../lib';
import { requireDevices } from '../support/devices';
import { waitFor } from '../support/gc';
import { kernelLeftovers } from '../support/kernel';
import { kernelObjectsOfTasks } from '../support/kernel-of-tasks';
import { ackTimeoutMs } from '../support/option-pairs';
import { slotPattern, streamWrites } from '../support/write-stream';

const { STATUS_SUCCESS, STATUS_IO_TIMEOUT, STATUS_ACCESS_VIOLATION, STATUS_CANCELLED } = NtStatus;

const RETRY = { retryCount: 2, timeoutExponent: 14 };
/** Slow VM, completion thread, shared cores: what may come on top of the retry time. */
const MARGIN_MS = 5000;
const SLOT = 512;
const WRITES = 2000; // 1 MiB: the child's region
const KILL_AFTER = 200;

interface PeerInfo {
  tasks: number[];
  address: QpAddress;
  region: { address: string; token: number };
}

it('a peer killed mid-stream: requests fail within the retry time, regions deregister, nothing is left', async () => {
  const [device] = requireDevices();
  const child = spawn(process.execPath, [join(__dirname, '../support/stream-peer-child.js')], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('exit', (_code, signal) => resolve(signal)),
  );
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const first = await lines.next();
  expect({ stderr, line: typeof first.value }).toEqual({ stderr: '', line: 'string' });
  const peer = JSON.parse(first.value as string) as PeerInfo;

  const adapter = await openAdapter(device);
  const pd = await adapter.createPd();
  const cq = await adapter.createCq();
  const qp = await pd.createQp(cq, RETRY);
  await qp.connect(peer.address);
  child.stdin.write(`${JSON.stringify(qp.localAddress())}\n`);
  expect((await lines.next()).value).toBe('connected');

  const source = await pd.createMr();
  await source.register(slotPattern(WRITES, SLOT));
  let killedAt = 0;
  const stream = streamWrites(
    qp,
    source,
    { address: BigInt(peer.region.address), token: peer.region.token },
    {
      count: WRITES,
      slot: SLOT,
      window: 8,
      stopAfterFailure: true,
      afterWrite: (index) => {
        if (index === KILL_AFTER) {
          killedAt = performance.now();
          child.kill('SIGKILL');
        }
      },
    },
  );
  // A hang is this test's failure, reported as such rather than as jest's timeout.
  const retryMs = (RETRY.retryCount + 1) * ackTimeoutMs(RETRY.timeoutExponent);
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), retryMs + 30000);
  });
  const ended = await Promise.race([stream, hung]);
  clearTimeout(timer);
  expect(ended).toBeDefined();
  const { statuses, completedAt } = ended!;
  expect(await exited).toBe('SIGKILL');

  // Every write posted completed: successes until the peer died, then errors only.
  expect(statuses.slice(0, KILL_AFTER + 1).every((status) => status === STATUS_SUCCESS)).toBe(true);
  const failures = statuses
    .map((status, index) => ({ status, at: completedAt[index] }))
    .filter(({ status }) => status !== STATUS_SUCCESS)
    .sort((a, b) => a.at - b.at);
  expect(failures.length).toBeGreaterThan(0);
  // The oldest request outstanding fails: with retry-exceeded when the dead process's queue pair
  // went first, or with a remote access error when its region did (the kernel releases a killed
  // process's objects one by one, and the queue pair may still answer meanwhile). The rest flush.
  expect([STATUS_IO_TIMEOUT, STATUS_ACCESS_VIOLATION]).toContain(failures[0].status);
  for (const { status } of failures.slice(1)) {
    expect([STATUS_IO_TIMEOUT, STATUS_ACCESS_VIOLATION, STATUS_CANCELLED]).toContain(status);
  }
  const lastFailureMs = failures[failures.length - 1].at - killedAt;
  expect(lastFailureMs).toBeLessThan(retryMs + MARGIN_MS);
  const succeededAfterKill = statuses.filter(
    (status, index) => status === STATUS_SUCCESS && completedAt[index] > killedAt,
  ).length;
  console.log(
    `peer killed after write ${KILL_AFTER}: ${statuses.length} writes posted, ${succeededAfterKill} ` +
      `completed after the kill successfully (sent before it), ${failures.length} failed ` +
      `(${failures.map(({ status }) => ntStatusName(status)).join(', ')}); the last ` +
      `failure ${lastFailureMs.toFixed(0)} ms after the kill (retry time ${retryMs.toFixed(0)} ms)`,
  );

  // The survivor's region deregisters normally; then everything closes.
  await source.deregister();
  expect(source.isRegistered).toBe(false);
  await adapter.close();
  expect(kernelLeftovers()).toEqual({ mr: 0, qp: 0, cq: 0, pd: 0 });
  // The dead process's objects are gone from the kernel (its exit closed its uverbs file).
  const clean = () => Object.values(kernelObjectsOfTasks(peer.tasks)).every((n) => n === 0);
  await waitFor(clean, 5000);
  expect(kernelObjectsOfTasks(peer.tasks)).toEqual({ mr: 0, qp: 0, cq: 0, pd: 0 });
});
