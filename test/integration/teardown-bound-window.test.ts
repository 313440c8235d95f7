/**
 * Teardown with a type 2 window still bound through a queue pair: rxe's ibv_destroy_qp waits
 * ~50 s for such a window, so the environment's teardown releases windows before queue pairs. A
 * worker terminated, or a process that exits, with everything open ends at once and leaves nothing
 * in the kernel.
 */

import { runChild } from '../support/child';
import { requireDevices } from '../support/devices';
import { kernelGrowth, kernelTotals } from '../support/kernel-totals';

const NOTHING = { mr: 0, qp: 0, cq: 0, pd: 0 };
// Generous for an emulated VM; a queue pair destroyed before its window takes ~50 s.
const QUICK_MS = 2000;

beforeAll(() => {
  requireDevices();
});

it('a terminated worker with a window bound through its queue pair ends at once, leaving nothing', async () => {
  const end = await runChild('bound-window-child', ['worker']);
  expect(end.stderr).not.toMatch(/terminate called|Segmentation|Assertion|FATAL/i);
  expect(end.code).toBe(0);
  const line = /terminated (\{.*\})/.exec(end.stdout)?.[1];
  expect(line).toBeDefined();
  const { ms, left } = JSON.parse(line ?? '{}') as { ms: number; left: unknown };
  expect(ms).toBeLessThan(QUICK_MS);
  expect(left).toEqual(NOTHING);
});

it('a process that exits with a window bound through its queue pair ends at once, leaving nothing', async () => {
  const before = kernelTotals();
  const end = await runChild('bound-window-child', ['exit']);
  const exitMs = Date.now() - Number(/ready at (\d+)/.exec(end.stdout)?.[1]);
  expect(end.stderr).not.toMatch(/Segmentation|Assertion|FATAL|double free|corrupt/i);
  expect(end.code).toBe(0);
  expect(exitMs).toBeLessThan(QUICK_MS); // NaN (no "ready") fails too
  expect(kernelGrowth(before, kernelTotals())).toEqual(NOTHING);
});
