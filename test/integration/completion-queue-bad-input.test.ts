/**
 * Bad input to the completion-queue functions on real rxe devices: `NdkCreateCq`, `NdkArmCq`,
 * `NdkGetCqResults`, `NdkCloseObject` on a queue, and `adapter.createCq()`. Each NDK-style call
 * returns its documented NTSTATUS (a count, for `NdkGetCqResults`), never throws, calls no
 * completion; the promise API rejects with an `NdkError` of the same status; the kernel holds no
 * completion queue more than before.
 *
 * One NDK-mode queue holds one result (a receive flushed by its queue pair's close) through the
 * whole file: bad polls must not take it, bad arms must not arm (its notification never runs).
 */

import {
  Adapter,
  type CompletionQueue,
  type MemoryRegion,
  NdkArmCq,
  NdkCqNotifyType,
  NdkCreateCq,
  NdkCreateQp,
  NdkGetCqResults,
  NdkMrFlags,
  type NdkOut,
  NdkReceive,
  type NdkResult,
  NtStatus,
  openAdapter,
  type ProtectionDomain,
  type QueuePair,
} from '../../lib';
import {
  bad,
  type BadValueRow,
  notCounts,
  notFunctions,
  notObjects,
  notOuts,
  pick,
  rowsOf,
} from '../support/bad-values';
import { requireDevices } from '../support/devices';
import { kernelObjects } from '../support/kernel';
import { expectNdkErrors } from '../support/ndk-error';
import {
  type AnyCompletion,
  expectNdkRefusals,
  type RefusalRow,
  closeObjectRows,
} from '../support/ndk-refusal';

const { STATUS_INVALID_DEVICE_STATE, STATUS_INVALID_HANDLE, STATUS_INVALID_PARAMETER } = NtStatus;
const ANY = NdkCqNotifyType.NDK_CQ_NOTIFY_ANY;

interface Fixture {
  cqBaseline: number;
  adapter: Adapter;
  otherAdapter: Adapter;
  closedAdapter: Adapter;
  pd: ProtectionDomain;
  region: MemoryRegion;
  /** NDK mode; holds one result, its notification must never run. */
  ndkCq: CompletionQueue;
  notifications: number;
  /** Made by the promise API: it drains itself. */
  autoCq: CompletionQueue;
  closedCq: CompletionQueue;
  qp: QueuePair;
}
const f = {} as Fixture;

function ndkCq(adapter: Adapter, notify: AnyCompletion = () => {}): CompletionQueue {
  const out: NdkOut<CompletionQueue> = {};
  expect(NdkCreateCq(adapter, 16, notify, null, () => {}, null, out)).toBe(NtStatus.STATUS_SUCCESS);
  return out.value!;
}

beforeAll(async () => {
  const [rxe0, rxe1] = requireDevices();
  if (rxe1 === undefined) throw new Error('these tests need two RDMA devices (rxe0 and rxe1)');
  f.cqBaseline = kernelObjects('cq').length;
  f.adapter = await openAdapter(rxe0);
  f.otherAdapter = await openAdapter(rxe1);
  f.closedAdapter = await openAdapter(rxe0);
  await f.closedAdapter.close();
  f.pd = await f.adapter.createPd();
  f.region = await f.pd.createMr();
  await f.region.register(Buffer.alloc(4096), { flags: NdkMrFlags.NDK_MR_FLAG_ALLOW_LOCAL_WRITE });
  f.notifications = 0;
  f.ndkCq = ndkCq(f.adapter, () => f.notifications++);
  f.autoCq = await f.adapter.createCq();
  f.closedCq = ndkCq(f.adapter);
  await f.closedCq.close();
  f.qp = await f.pd.createQp(f.autoCq);

  // One result for the NDK queue: a receive that its queue pair's close flushes. The queue pair
  // is connected (to a second one on the same adapter) first: rxe refuses receives in RESET.
  const out: NdkOut<QueuePair> = {};
  expect(NdkCreateQp(f.pd, f.ndkCq, f.autoCq, 'flushed', 4, 4, () => {}, null, out)).toBe(
    NtStatus.STATUS_SUCCESS,
  );
  const flushed = out.value!;
  await flushed.connect(f.qp.localAddress());
  await f.qp.connect(flushed.localAddress());
  for (const context of ['first', 'second']) {
    expect(NdkReceive(flushed, context, { mr: f.region, length: 64 })).toBe(
      NtStatus.STATUS_SUCCESS,
    );
  }
  await flushed.close();
});

afterAll(async () => {
  await f.adapter?.close();
  await f.otherAdapter?.close();
});

const lookAlike = (): unknown => Object.create(Adapter.prototype);

/** Everything that is not an open adapter. */
const notAdapters = (): BadValueRow[] => [
  ...rowsOf(notObjects),
  ['a ProtectionDomain', () => f.pd],
  ['a CompletionQueue', () => f.autoCq],
  ['a MemoryRegion', () => f.region],
  ['a closed adapter', () => f.closedAdapter],
  ['a look-alike Adapter', lookAlike],
];

/** Everything that is not an open completion queue. */
const notCqs = (): BadValueRow[] => [
  ...rowsOf(notObjects),
  ['an Adapter', () => f.adapter],
  ['a ProtectionDomain', () => f.pd],
  ['a QueuePair', () => f.qp],
  ['a MemoryRegion', () => f.region],
  ['a closed CompletionQueue', () => f.closedCq],
];

// `{ depth: undefined }` and `{ depth: null }` are the default depth to `createCq`
// (`options.depth ?? 64`), but no depth to `NdkCreateCq`.
const { undefined: _noDepth, null: _nullDepth, ...givenNotCounts } = notCounts;
/** Depths outside 1 … 65536, or no integer, but given. */
const badGivenDepths: BadValueRow[] = [
  ['0', () => 0],
  ['65537', () => 0x10001],
  ...rowsOf(givenNotCounts),
];
/** Depths `NdkCreateCq` refuses. */
const badDepths: BadValueRow[] = [...badGivenDepths, ...pick(notCounts, 'null', 'undefined')];

const createCqRows: RefusalRow[] = [
  ...notAdapters().map(([label, adapter]) => ({
    name: `NdkCreateCq(adapter ${label})`,
    expected: STATUS_INVALID_HANDLE,
    call: (c: AnyCompletion, out: NdkOut<never>) =>
      NdkCreateCq(bad(adapter()), 16, c, null, c, null, out),
  })),
  ...badDepths.map(([label, depth]) => ({
    name: `NdkCreateCq(depth ${label})`,
    expected: STATUS_INVALID_PARAMETER,
    call: (c: AnyCompletion, out: NdkOut<never>) =>
      NdkCreateCq(f.adapter, bad(depth()), c, null, c, null, out),
  })),
  ...rowsOf(notFunctions).map(([label, notify]) => ({
    name: `NdkCreateCq(cqNotification ${label})`,
    expected: STATUS_INVALID_PARAMETER,
    call: (c: AnyCompletion, out: NdkOut<never>) =>
      NdkCreateCq(f.adapter, 16, bad<AnyCompletion>(notify()), null, c, null, out),
  })),
  ...rowsOf(notFunctions).map(([label, completion]) => ({
    name: `NdkCreateCq(createCompletion ${label})`,
    expected: STATUS_INVALID_PARAMETER,
    call: (c: AnyCompletion, out: NdkOut<never>) =>
      NdkCreateCq(f.adapter, 16, c, null, bad(completion()), null, out),
  })),
  ...rowsOf(notOuts).map(([label, out]) => ({
    name: `NdkCreateCq(out ${label})`,
    expected: STATUS_INVALID_PARAMETER,
    call: (c: AnyCompletion) => NdkCreateCq(f.adapter, 16, c, null, c, null, bad(out())),
  })),
];

const armCqRows: RefusalRow[] = [
  ...notCqs().map(([label, cq]) => ({
    name: `NdkArmCq(cq ${label})`,
    expected: STATUS_INVALID_HANDLE,
    call: () => NdkArmCq(bad(cq()), ANY),
  })),
  {
    name: 'NdkArmCq(a queue made by adapter.createCq(), which drains itself)',
    expected: STATUS_INVALID_DEVICE_STATE,
    call: () => NdkArmCq(f.autoCq, ANY),
  },
  ...[
    ['3 (no NDK_CQ_NOTIFY_* value)', () => 3] as const,
    ...pick(notCounts, 'minusOne', 'fraction', 'nan', 'numericString', 'null', 'undefined'),
  ].map(([label, type]) => ({
    name: `NdkArmCq(triggerType ${label})`,
    expected: STATUS_INVALID_PARAMETER,
    call: () => NdkArmCq(f.ndkCq, bad(type())),
  })),
];

const closeRows: RefusalRow[] = closeObjectRows(
  'CompletionQueue',
  () => f.closedCq,
  () => f.ndkCq,
);

it.each([
  ['NdkCreateCq', createCqRows],
  ['NdkArmCq', armCqRows],
  ['NdkCloseObject on a completion queue', closeRows],
] as const)('%s refuses every bad input with its documented status', (_fn, rows) =>
  expectNdkRefusals(rows),
);

/** Makes each call, and checks every one returned 0 without throwing. */
function expectZeroCounts(calls: ReadonlyArray<readonly [string, () => number]>): void {
  const counts: Record<string, string> = {};
  for (const [label, call] of calls) {
    try {
      counts[label] = String(call());
    } catch (error) {
      counts[label] = `threw ${String(error)}`;
    }
  }
  expect(counts).toEqual(Object.fromEntries(calls.map(([label]) => [label, '0'])));
}

/** Polls the NDK queue's next result, which must be the flushed receive posted as `context`. */
function expectNextResult(context: string): void {
  const results: NdkResult[] = [];
  expect(NdkGetCqResults(f.ndkCq, results, 1)).toBe(1);
  expect(results).toMatchObject([
    { requestContext: context, qpContext: 'flushed', type: 'receive' },
  ]);
  expect(results[0].status).toBe(NtStatus.STATUS_CANCELLED);
}

const maxResults = (label: string, max: () => unknown) =>
  [`maxResults ${label}`, () => NdkGetCqResults(f.ndkCq, [], bad(max()))] as const;

it('NdkGetCqResults returns 0 for bad handles, arrays and counts, and takes no result', async () => {
  expectZeroCounts([
    ...notCqs().map(
      ([label, cq]) => [`cq ${label}`, () => NdkGetCqResults(bad(cq()), [], 4)] as const,
    ),
    ...[...rowsOf(notObjects), ['an array-like { length: 4 }', () => ({ length: 4 })] as const].map(
      ([label, results]) =>
        [`results ${label}`, () => NdkGetCqResults(f.ndkCq, bad(results()), 4)] as const,
    ),
    ...[
      ['0', () => 0] as const,
      ...pick(
        notCounts,
        'minusOne',
        'nan',
        'fraction',
        'infinity',
        'minusInfinity',
        'numericString',
        'bigint',
        'null',
        'undefined',
      ),
    ].map(([label, max]) => maxResults(label, max)),
  ]);
  expectNextResult('first');
  // No refused arm armed the queue: its notification never ran.
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(f.notifications).toBe(0);
});

it('NdkGetCqResults returns 0 for counts beyond 2^53, and takes no result', () => {
  expectZeroCounts(
    pick(notCounts, 'twoTo53', 'twoTo53Plus2', 'twoTo64').map(([label, max]) =>
      maxResults(label, max),
    ),
  );
  expectNextResult('second');
});

it('adapter.createCq() rejects every bad input with an NdkError', () =>
  expectNdkErrors([
    ...pick(notObjects, 'null', 'number', 'string').map(([label, options]) => ({
      name: `createCq(options ${label})`,
      call: () => f.adapter.createCq(bad(options())),
      expected: STATUS_INVALID_PARAMETER,
    })),
    ...badGivenDepths.map(([label, depth]) => ({
      name: `createCq({ depth: ${label} })`,
      call: () => f.adapter.createCq({ depth: bad(depth()) }),
      expected: STATUS_INVALID_PARAMETER,
    })),
    {
      name: 'createCq() on a closed adapter',
      call: () => f.closedAdapter.createCq(),
      expected: STATUS_INVALID_HANDLE,
    },
  ]));

it('no refusal left a completion queue in the kernel', () => {
  // The fixture's own: the NDK queue and the self-draining one.
  expect(kernelObjects('cq').length).toBe(f.cqBaseline + 2);
});
