/**
 * Bad input to the memory-window functions on real rxe devices: `NdkCreateMw`, `NdkBind`,
 * `NdkInvalidate`, `NdkGetRemoteTokenFromMw`, `NdkCloseObject` on a window, and their promise-API
 * counterparts (`pd.createMw`, `qp.bind`, `qp.invalidate`, `mw.remoteToken`). Each NDK-style call
 * returns its documented NTSTATUS, never throws and calls no completion; the promise API rejects
 * with an `NdkError` of the same status. The window under test is in rxe0's PD and binds through
 * the rxe0 side of a pair connected to rxe1; rxe1's objects stand in for foreign ones.
 *
 * Windows are closed before queue pairs: rxe holds a queue pair's destroy while a window is still
 * bound through it.
 */

import {
  MemoryWindow,
  NdkBind,
  NdkCloseObject,
  NdkCreateMw,
  NdkGetRemoteTokenFromMw,
  NdkInvalidate,
  NdkMrFlags,
  type NdkOut,
  NtStatus,
  ntStatusName,
} from '../../lib';
import {
  bad,
  type BadValueRow,
  badFlags,
  notCounts,
  notFunctions,
  notObjects,
  notOuts,
  rowsOf,
} from '../support/bad-values';
import { REGION_BYTES, useDataPathFixture } from '../support/data-path-fixture';
import { waitFor } from '../support/gc';
import { kernelLeftovers } from '../support/kernel';
import { expectNdkError, expectNdkErrors } from '../support/ndk-error';
import {
  type AnyCompletion,
  expectNdkRefusal,
  expectNdkRefusals,
  type RefusalRow,
} from '../support/ndk-refusal';
import { connectedPair } from '../support/peers';

const {
  STATUS_DEVICE_BUSY,
  STATUS_INVALID_BUFFER_SIZE,
  STATUS_INVALID_DEVICE_STATE,
  STATUS_INVALID_HANDLE,
  STATUS_INVALID_PARAMETER,
} = NtStatus;
const REMOTE_READ = NdkMrFlags.NDK_MR_FLAG_ALLOW_REMOTE_READ;

const f = useDataPathFixture({
  // Windows first: rxe holds a queue pair's destroy while a window is still bound through it.
  beforeClose: async () => {
    for (const mw of [w.window, w.otherPdWindow, w.peerWindow]) await mw?.close();
  },
});

/** The windows, beside the shared fixture's objects. */
interface Windows {
  /** rxe0, local PD, unbound: every refused bind names it. */
  window: MemoryWindow;
  closedWindow: MemoryWindow;
  /** Of another PD of rxe0, and of rxe1. */
  otherPdWindow: MemoryWindow;
  peerWindow: MemoryWindow;
}
const w = {} as Windows;

beforeAll(async () => {
  w.window = await f.local.pd.createMw();
  w.closedWindow = await f.local.pd.createMw();
  await w.closedWindow.close();
  w.otherPdWindow = await f.otherPd.createMw();
  w.peerWindow = await f.remote.pd.createMw();
});

// ---- the bad values that need the fixture ----

const notQps = (): BadValueRow[] => [
  ...rowsOf(notObjects),
  ['a ProtectionDomain', () => f.local.pd],
  ['a MemoryRegion', () => f.region],
  ['a MemoryWindow', () => w.window],
  ['a closed QueuePair', () => f.closedQp],
];

const notWindows = (): BadValueRow[] => [
  ...rowsOf(notObjects),
  ['a MemoryRegion', () => f.region],
  ['a QueuePair', () => f.qp],
  ['a closed MemoryWindow', () => w.closedWindow],
  ['a look-alike MemoryWindow', () => Object.create(MemoryWindow.prototype) as unknown],
];

const notPds = (): BadValueRow[] => [
  ...rowsOf(notObjects),
  ['an Adapter', () => f.local.adapter],
  ['a MemoryWindow', () => w.window],
  ['a closed ProtectionDomain', () => f.closedPd],
];

// `offset: undefined` is offset 0 to NdkBind; to qp.bind (`local.offset ?? 0`) so is null.
const { undefined: _offsetZero, ...definedNotCounts } = notCounts;
const { null: _nullOffsetZero, ...presentNotCounts } = definedNotCounts;

/** `[label, mr, offset, length, status]`: a bind of the unbound window over them is refused. */
type Slice = readonly [string, () => unknown, () => unknown, () => unknown, number];
const badSlices = (badOffsets: BadValueRow[]): Slice[] => [
  ...rowsOf(notObjects).map(([label, mr]): Slice => [
    `mr ${label}`,
    mr,
    () => 0,
    () => 64,
    STATUS_INVALID_PARAMETER,
  ]),
  ['mr a ProtectionDomain', () => f.local.pd, () => 0, () => 64, STATUS_INVALID_PARAMETER],
  ['mr a MemoryWindow', () => w.window, () => 0, () => 64, STATUS_INVALID_PARAMETER],
  ['mr never registered', () => f.freshRegion, () => 0, () => 64, STATUS_INVALID_DEVICE_STATE],
  ['mr closed', () => f.closedRegion, () => 0, () => 64, STATUS_INVALID_DEVICE_STATE],
  [
    'mr of another PD of the same adapter',
    () => f.otherPdRegion,
    () => 0,
    () => 64,
    STATUS_INVALID_PARAMETER,
  ],
  [
    'mr of the other adapter (rxe1)',
    () => f.peerRegion,
    () => 0,
    () => 64,
    STATUS_INVALID_PARAMETER,
  ],
  ...badOffsets.map(([label, offset]): Slice => [
    `offset ${label}`,
    () => f.region,
    offset,
    () => 64,
    STATUS_INVALID_PARAMETER,
  ]),
  ...rowsOf(notCounts).map(([label, length]): Slice => [
    `length ${label}`,
    () => f.region,
    () => 0,
    length,
    STATUS_INVALID_PARAMETER,
  ]),
  [
    'one byte beyond the region',
    () => f.region,
    () => 0,
    () => REGION_BYTES + 1,
    STATUS_INVALID_BUFFER_SIZE,
  ],
  [
    'offset at the end of the region',
    () => f.region,
    () => REGION_BYTES,
    () => 1,
    STATUS_INVALID_BUFFER_SIZE,
  ],
];

/** Bind flags that grant no remote access, or are no flag word. */
const badBindFlags: BadValueRow[] = [
  ['0', () => 0],
  ['LOCAL_WRITE only', () => NdkMrFlags.NDK_MR_FLAG_ALLOW_LOCAL_WRITE],
  ...rowsOf(badFlags),
];

// ---- NDK style ----

const createMwRows = (): RefusalRow[] => [
  ...notPds().map(([label, pd]) => ({
    name: `NdkCreateMw(pd ${label})`,
    expected: STATUS_INVALID_HANDLE,
    call: (c: AnyCompletion, out: NdkOut<never>) => NdkCreateMw(bad(pd()), c, null, out),
  })),
  ...rowsOf(notFunctions).map(([label, completion]) => ({
    name: `NdkCreateMw(createCompletion ${label})`,
    expected: STATUS_INVALID_PARAMETER,
    call: (_c: AnyCompletion, out: NdkOut<never>) =>
      NdkCreateMw(f.local.pd, bad(completion()), null, out),
  })),
  ...rowsOf(notOuts).map(([label, out]) => ({
    name: `NdkCreateMw(out ${label})`,
    expected: STATUS_INVALID_PARAMETER,
    call: (c: AnyCompletion) => NdkCreateMw(f.local.pd, c, null, bad(out())),
  })),
];

const bindRows = (): RefusalRow[] => [
  ...notQps().map(([label, qp]) => ({
    name: `NdkBind(qp ${label})`,
    expected: STATUS_INVALID_HANDLE,
    call: () => NdkBind(bad(qp()), 'ctx', f.region, w.window, 0, 64, REMOTE_READ),
  })),
  ...notWindows().map(([label, mw]) => ({
    name: `NdkBind(mw ${label})`,
    expected: STATUS_INVALID_HANDLE,
    call: () => NdkBind(f.qp, 'ctx', f.region, bad(mw()), 0, 64, REMOTE_READ),
  })),
  ...badSlices(rowsOf(definedNotCounts)).map(([label, mr, offset, length, expected]) => ({
    name: `NdkBind(${label})`,
    expected,
    call: () =>
      NdkBind(f.qp, 'ctx', bad(mr()), w.window, bad(offset()), bad(length()), REMOTE_READ),
  })),
  ...badBindFlags.map(([label, flags]) => ({
    name: `NdkBind(flags ${label})`,
    expected: STATUS_INVALID_PARAMETER,
    call: () => NdkBind(f.qp, 'ctx', f.region, w.window, 0, 64, bad(flags())),
  })),
  {
    name: 'NdkBind(a window of another PD of the same adapter)',
    expected: STATUS_INVALID_PARAMETER,
    call: () => NdkBind(f.qp, 'ctx', f.region, w.otherPdWindow, 0, 64, REMOTE_READ),
  },
  {
    name: 'NdkBind(a window of the other adapter (rxe1))',
    expected: STATUS_INVALID_PARAMETER,
    call: () => NdkBind(f.qp, 'ctx', f.region, w.peerWindow, 0, 64, REMOTE_READ),
  },
  {
    name: 'NdkBind(a queue pair of the other adapter (rxe1))',
    expected: STATUS_INVALID_PARAMETER,
    call: () => NdkBind(f.peer, 'ctx', f.region, w.window, 0, 64, REMOTE_READ),
  },
  {
    name: 'NdkBind(a queue pair never connected)',
    expected: STATUS_INVALID_DEVICE_STATE,
    call: () => NdkBind(f.unconnected, 'ctx', f.region, w.window, 0, 64, REMOTE_READ),
  },
];

const invalidateRows = (): RefusalRow[] => [
  ...notQps().map(([label, qp]) => ({
    name: `NdkInvalidate(qp ${label})`,
    expected: STATUS_INVALID_HANDLE,
    call: () => NdkInvalidate(bad(qp()), 'ctx', w.window),
  })),
  ...notWindows().map(([label, mw]) => ({
    name: `NdkInvalidate(mw ${label})`,
    expected: STATUS_INVALID_HANDLE,
    call: () => NdkInvalidate(f.qp, 'ctx', bad(mw())),
  })),
  {
    name: 'NdkInvalidate(a window never bound)',
    expected: STATUS_INVALID_DEVICE_STATE,
    call: () => NdkInvalidate(f.qp, 'ctx', w.window),
  },
];

const tokenRows = (): RefusalRow[] => [
  ...notWindows().map(([label, mw]) => ({
    name: `NdkGetRemoteTokenFromMw(mw ${label})`,
    expected: STATUS_INVALID_HANDLE,
    call: (_c: AnyCompletion, out: NdkOut<never>) => NdkGetRemoteTokenFromMw(bad(mw()), out),
  })),
  ...rowsOf(notOuts).map(([label, out]) => ({
    name: `NdkGetRemoteTokenFromMw(out ${label})`,
    expected: STATUS_INVALID_PARAMETER,
    call: () => NdkGetRemoteTokenFromMw(w.window, bad(out())),
  })),
  {
    name: 'NdkGetRemoteTokenFromMw(a window never bound)',
    expected: STATUS_INVALID_DEVICE_STATE,
    call: (_c: AnyCompletion, out: NdkOut<never>) => NdkGetRemoteTokenFromMw(w.window, out),
  },
];

const closeRows = (): RefusalRow[] => [
  {
    name: 'NdkCloseObject(a closed MemoryWindow)',
    expected: STATUS_INVALID_HANDLE,
    call: (c) => NdkCloseObject(w.closedWindow, c),
  },
  ...rowsOf(notFunctions).map(([label, completion]) => ({
    name: `NdkCloseObject(an open MemoryWindow, closeCompletion ${label})`,
    expected: STATUS_INVALID_PARAMETER,
    call: () => NdkCloseObject(w.window, bad<AnyCompletion>(completion())),
  })),
];

it.each([
  ['NdkCreateMw', createMwRows],
  ['NdkBind', bindRows],
  ['NdkInvalidate', invalidateRows],
  ['NdkGetRemoteTokenFromMw', tokenRows],
  ['NdkCloseObject on a memory window', closeRows],
] as const)('%s refuses every bad input with its documented status', (_fn, rows) =>
  expectNdkRefusals(rows()),
);

// ---- promise API ----

describe('the promise API', () => {
  const rejections = (): Array<readonly [string, () => Promise<unknown>, number]> => [
    ['pd.createMw() on a closed PD', () => f.closedPd.createMw(), STATUS_INVALID_HANDLE],
    ...notWindows().map(
      ([label, mw]) =>
        [
          `qp.bind(${label}, …)`,
          () => f.qp.bind(bad(mw()), { mr: f.region, length: 64 }, REMOTE_READ),
          STATUS_INVALID_HANDLE,
        ] as const,
    ),
    [
      'qp.bind() on a closed QP',
      () => f.closedQp.bind(w.window, { mr: f.region, length: 64 }, REMOTE_READ),
      STATUS_INVALID_HANDLE,
    ],
    ...badSlices(rowsOf(presentNotCounts)).map(
      ([label, mr, offset, length, expected]) =>
        [
          `qp.bind(mw, { ${label} })`,
          () =>
            f.qp.bind(w.window, bad({ mr: mr(), offset: offset(), length: length() }), REMOTE_READ),
          expected,
        ] as const,
    ),
    ...badBindFlags.map(
      ([label, flags]) =>
        [
          `qp.bind(mw, sge, flags ${label})`,
          () => f.qp.bind(w.window, { mr: f.region, length: 64 }, bad(flags())),
          STATUS_INVALID_PARAMETER,
        ] as const,
    ),
    [
      'qp.bind(a window of rxe1, …)',
      () => f.qp.bind(w.peerWindow, { mr: f.region, length: 64 }, REMOTE_READ),
      STATUS_INVALID_PARAMETER,
    ],
    [
      'qp.bind() on a QP never connected',
      () => f.unconnected.bind(w.window, { mr: f.region, length: 64 }, REMOTE_READ),
      STATUS_INVALID_DEVICE_STATE,
    ],
    // The scatter/gather entry is an argument like any other: refused, not a TypeError thrown.
    ...rowsOf(notObjects).map(
      ([label, local]) =>
        [
          `qp.bind(mw, sge ${label}, flags)`,
          () => f.qp.bind(w.window, bad(local()), REMOTE_READ),
          STATUS_INVALID_PARAMETER,
        ] as const,
    ),
    ...notWindows().map(
      ([label, mw]) =>
        [
          `qp.invalidate(${label})`,
          () => f.qp.invalidate(bad(mw())),
          STATUS_INVALID_HANDLE,
        ] as const,
    ),
    [
      'qp.invalidate(a window never bound)',
      () => f.qp.invalidate(w.window),
      STATUS_INVALID_DEVICE_STATE,
    ],
    [
      'qp.invalidate() on a closed QP',
      () => f.closedQp.invalidate(w.window),
      STATUS_INVALID_HANDLE,
    ],
  ];

  it('reject every bad input with an NdkError of the documented status', () =>
    expectNdkErrors(rejections().map(([name, call, expected]) => ({ name, call, expected }))));

  it.each([
    ['a window never bound', () => w.window, STATUS_INVALID_DEVICE_STATE],
    ['a closed window', () => w.closedWindow, STATUS_INVALID_HANDLE],
  ] as const)('mw.remoteToken of %s throws an NdkError', async (_what, mw, expected) => {
    await expectNdkError(new Promise((resolve) => resolve(mw().remoteToken)), expected);
  });
});

// ---- refusals that depend on a binding ----

describe('a bound window', () => {
  it('refuses a second bind and a request while one is pending; the refusals change nothing', async () => {
    const bound = f.qp.bind(w.window, { mr: f.region, length: 4096 }, REMOTE_READ);
    // The bind is posted, not complete: a second bind or an invalidation is busy.
    await expectNdkRefusal(
      () => NdkBind(f.qp, 'ctx', f.region, w.window, 0, 64, REMOTE_READ),
      STATUS_DEVICE_BUSY,
    );
    await bound;
    const token = w.window.remoteToken;
    await expectNdkRefusal(
      () => NdkBind(f.qp, 'ctx', f.region, w.window, 0, 64, REMOTE_READ),
      STATUS_INVALID_DEVICE_STATE,
    );
    await expectNdkError(
      () => f.qp.bind(w.window, { mr: f.region, length: 64 }, REMOTE_READ),
      STATUS_INVALID_DEVICE_STATE,
    );
    expect(w.window.isBound).toBe(true);
    expect(w.window.remoteToken).toBe(token);

    const invalidated = f.qp.invalidate(w.window);
    await expectNdkRefusal(() => NdkInvalidate(f.qp, 'ctx', w.window), STATUS_DEVICE_BUSY);
    await invalidated;
    expect(w.window.isBound).toBe(false);
  });

  it('is not invalidated through a queue pair of the other adapter (rxe1)', async () => {
    // A pair of its own: if the request were posted, its failure would leave the pair in error.
    const pair = await connectedPair(f.local, f.remote);
    await pair.responder.bind(w.window, { mr: f.region, length: 4096 }, REMOTE_READ);
    const token = w.window.remoteToken;
    const status = NdkInvalidate(pair.requester, 'foreign', w.window);
    // Whatever the answer, once any request posted has completed the window must still be bound.
    expect(await waitFor(() => pair.requester.outstanding === 0, 5000)).toBe(true);
    const after = {
      bound: w.window.isBound,
      sameToken: w.window.isBound && w.window.remoteToken === token,
    };
    await pair.responder.invalidate(w.window).catch(() => undefined);
    expect({ status: ntStatusName(status), ...after }).toEqual({
      status: 'STATUS_INVALID_PARAMETER',
      bound: true,
      sameToken: true,
    });
  });
});

it('the refusals left nothing in the kernel', () => {
  // Beyond the set-up's: the pair the last test connected, closed in afterAll.
  expect(kernelLeftovers()).toEqual({ ...f.kernelAfterSetUp, qp: f.kernelAfterSetUp.qp + 2 });
});
