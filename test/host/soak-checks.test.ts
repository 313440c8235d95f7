/**
 * The soak's checks are armed: its verdict (`judge`) fails a synthetic leak of each kind it
 * watches — a kernel object the model does not know, on the devices or listed for this process; a
 * file descriptor or thread left after a drain; RSS beyond the warm-up tolerance — and passes the
 * same observation without it. The VM run proves the rest (`npm run soak -- --inject-leak mr`).
 */

import { type Baseline, judge, type Observation } from '../soak/checks';
import { type Counts, NONE, ProcessModel } from '../soak/model';

const MIB = 1024 * 1024;
const baseline: Baseline = { devices: { mr: 0, qp: 2, pd: 2, cq: 2 }, fds: 19, threads: 11 };
const live: Counts = { mr: 5, qp: 2, pd: 4, cq: 4 };
const observed = (overrides: Partial<Observation> = {}): Observation => ({
  process: live,
  devices: live,
  rssBytes: 80 * MIB,
  fds: 40,
  threads: 20,
  ...overrides,
});
const drained = (overrides: Partial<Observation> = {}): Observation =>
  observed({
    process: NONE,
    devices: NONE,
    fds: 19,
    threads: 11,
    rssBytes: 60 * MIB,
    ...overrides,
  });
const rss = { bytes: 60 * MIB, toleranceBytes: 48 * MIB };

it('passes an observation that matches the model', () => {
  expect(judge(live, observed(), baseline, { drained: false })).toEqual([]);
  expect(judge(NONE, drained(), baseline, { drained: true, rss })).toEqual([]);
});

it('fails a kernel object the model does not know, on the devices or for this process', () => {
  const leak = { ...live, mr: live.mr + 1 };
  expect(judge(live, observed({ devices: leak }), baseline, { drained: false })).toEqual([
    'kernel mr count on the devices is 6, the model says 5',
  ]);
  expect(judge(live, observed({ process: leak }), baseline, { drained: false })).toEqual([
    'kernel lists 6 mr(s) for this process, the model says 5',
  ]);
  expect(
    judge(NONE, drained({ devices: { ...NONE, qp: 1 } }), baseline, { drained: true }),
  ).toEqual(['kernel qp count on the devices is 1, the model says 0']);
});

it('fails a model that expects an object the kernel no longer holds', () => {
  expect(judge({ ...live, pd: 5 }, observed(), baseline, { drained: false })).toEqual([
    'kernel pd count on the devices is 4, the model says 5',
  ]);
});

it('fails a drained process with a file descriptor or a thread more than at the start', () => {
  expect(judge(NONE, drained({ fds: 20 }), baseline, { drained: true, rss })).toEqual([
    '20 open file descriptors, 19 at the start',
  ]);
  const start = { '0': '/dev/null', '1': 'pipe:[7]' };
  const now = { ...start, '1': 'pipe:[8]', '5': 'anon_inode:[eventfd]' };
  expect(
    judge(
      NONE,
      drained({ fds: 20, fdTargets: now }),
      { ...baseline, fdTargets: start },
      { drained: true, rss },
    ),
  ).toEqual([
    '20 open file descriptors, 19 at the start (new: 1 → pipe:[8], 5 → anon_inode:[eventfd])',
  ]);
  expect(judge(NONE, drained({ threads: 12 }), baseline, { drained: true, rss })).toEqual([
    '12 threads, 11 at the start',
  ]);
});

it('fails a drained process whose RSS grew beyond the tolerance, not one within it', () => {
  expect(judge(NONE, drained({ rssBytes: 108 * MIB }), baseline, { drained: true, rss })).toEqual(
    [],
  );
  expect(judge(NONE, drained({ rssBytes: 109 * MIB }), baseline, { drained: true, rss })).toEqual([
    'RSS 109.0 MiB grew beyond 60.0 MiB + 48.0 MiB (after warm-up)',
  ]);
});

it('models a terminated worker as holding nothing', () => {
  const model = new ProcessModel();
  model.update(0, live);
  model.update(1, { mr: 1, qp: 0, pd: 2, cq: 2 });
  expect(model.expected()).toEqual({ mr: 6, qp: 2, pd: 6, cq: 6 });
  model.forget(0);
  expect(model.expected()).toEqual({ mr: 1, qp: 0, pd: 2, cq: 2 });
  // The leak that worker 0's environment cleanup failed to release now fails the check.
  expect(
    judge(model.expected(), observed({ devices: live, process: NONE }), baseline, {
      drained: false,
    }),
  ).toHaveLength(4);
});
