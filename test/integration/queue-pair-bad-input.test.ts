/**
 * Bad input to the queue-pair functions on real rxe devices: `NdkCreateQp`, `NdkGetQpAddress`,
 * `NdkConnectQp`, `NdkWrite`, `NdkRead`, `NdkSend`, `NdkReceive`, `NdkCloseObject` on a queue pair,
 * and their promise-API counterparts (`pd.createQp`, `qp.localAddress`, `qp.connect`,
 * `qp.write` / `read` / `send` / `receive`). Each NDK-style call returns its documented NTSTATUS,
 * never throws and calls no completion; a refused request never reaches its completion queue; the
 * promise API rejects with an `NdkError` of the same status. Objects of both adapters are mixed in:
 * the queue pair under test is on rxe0, its connected peer on rxe1.
 *
 * The bad requests go to one connected pair, which must still carry a write afterwards: a refusal
 * posts nothing, so it cannot put the queue pair in the error state.
 */

import {
  NdkConnectQp,
  NdkCreateQp,
  NdkGetQpAddress,
  type NdkOut,
  NdkRead,
  NdkReceive,
  type NdkSge,
  NdkSend,
  NdkWrite,
  NtStatus,
  ntStatusName,
  type QpAddress,
  QueuePair,
} from '../../lib';
import {
  bad,
  type BadValueRow,
  badPeerAddresses,
  badRemoteAddresses,
  badRetryOptions,
  badTokens,
  malformedSgls,
  notCounts,
  notFunctions,
  notObjects,
  notOuts,
  pick,
  rowsOf,
} from '../support/bad-values';
import { REGION_BYTES, useDataPathFixture } from '../support/data-path-fixture';
import { kernelLeftovers } from '../support/kernel';
import { expectNdkError, expectNdkErrors } from '../support/ndk-error';
import {
  type AnyCompletion,
  expectNdkRefusals,
  type RefusalRow,
  closeObjectRows,
} from '../support/ndk-refusal';

const {
  STATUS_INVALID_BUFFER_SIZE,
  STATUS_INVALID_DEVICE_STATE,
  STATUS_INVALID_HANDLE,
  STATUS_INVALID_PARAMETER,
  STATUS_NOT_SUPPORTED,
} = NtStatus;

const f = useDataPathFixture();

// ---- the bad values that need the fixture ----

/** Everything that is not an open queue pair. */
const notQps = (): BadValueRow[] => [
  ...rowsOf(notObjects),
  ['an Adapter', () => f.local.adapter],
  ['a ProtectionDomain', () => f.local.pd],
  ['a CompletionQueue', () => f.local.cq],
  ['a MemoryRegion', () => f.region],
  ['a closed QueuePair', () => f.closedQp],
  ['a look-alike QueuePair', () => Object.create(QueuePair.prototype) as unknown],
];

/** Everything that is not an open protection domain. */
const notPds = (): BadValueRow[] => [
  ...rowsOf(notObjects),
  ['an Adapter', () => f.local.adapter],
  ['a CompletionQueue', () => f.local.cq],
  ['a MemoryRegion', () => f.region],
  ['a closed ProtectionDomain', () => f.closedPd],
];

/** Everything that is not an open completion queue of the PD's adapter. */
const notCqs = (): BadValueRow[] => [
  ...rowsOf(notObjects),
  ['a ProtectionDomain', () => f.local.pd],
  ['a QueuePair', () => f.qp],
  ['a MemoryRegion', () => f.region],
  ['a closed CompletionQueue', () => f.closedCq],
];

/** Queue depths outside 1 … 16384, or no integer. */
const badDepths: BadValueRow[] = [['0', () => 0], ['16385', () => 0x4001], ...rowsOf(notCounts)];

// `offset: undefined` is offset 0.
const { undefined: _offsetZero, ...definedNotCounts } = notCounts;

/** Scatter/gather lists the rxe0 queue pair refuses, with the status each deserves. */
const badSgls = (): Array<readonly [string, () => unknown, number]> => [
  ...rowsOf(malformedSgls).map(([label, sgl]) => [label, sgl, STATUS_INVALID_PARAMETER] as const),
  ...rowsOf(notCounts).map(
    ([label, length]) =>
      [
        `{ mr, length: ${label} }`,
        () => ({ mr: f.region, length: length() }),
        STATUS_INVALID_PARAMETER,
      ] as const,
  ),
  ...rowsOf(definedNotCounts).map(
    ([label, offset]) =>
      [
        `{ mr, offset: ${label}, length: 16 }`,
        () => ({ mr: f.region, offset: offset(), length: 16 }),
        STATUS_INVALID_PARAMETER,
      ] as const,
  ),
  [
    'a length of 2^31 + 1 (over the verbs limit)',
    () => ({ mr: f.region, length: 2 ** 31 + 1 }),
    STATUS_INVALID_PARAMETER,
  ],
  [
    'one byte beyond the region',
    () => ({ mr: f.region, length: REGION_BYTES + 1 }),
    STATUS_INVALID_BUFFER_SIZE,
  ],
  [
    'an offset at the end of the region',
    () => ({ mr: f.region, offset: REGION_BYTES, length: 1 }),
    STATUS_INVALID_BUFFER_SIZE,
  ],
  [
    'a safe-integer offset far beyond the region',
    () => ({ mr: f.region, offset: Number.MAX_SAFE_INTEGER - 16, length: 16 }),
    STATUS_INVALID_BUFFER_SIZE,
  ],
  ['two entries', () => [sge(), sge()], STATUS_NOT_SUPPORTED],
  [
    'a region never registered',
    () => ({ mr: f.freshRegion, length: 16 }),
    STATUS_INVALID_DEVICE_STATE,
  ],
  ['a closed region', () => ({ mr: f.closedRegion, length: 16 }), STATUS_INVALID_DEVICE_STATE],
  [
    'a ProtectionDomain in place of the region',
    () => ({ mr: f.local.pd, length: 16 }),
    STATUS_INVALID_PARAMETER,
  ],
  [
    'a region of another PD of the same adapter',
    () => ({ mr: f.otherPdRegion, length: 16 }),
    STATUS_INVALID_PARAMETER,
  ],
  [
    'a region of the other adapter (rxe1)',
    () => ({ mr: f.peerRegion, length: 16 }),
    STATUS_INVALID_PARAMETER,
  ],
];

const sge = (): NdkSge => ({ mr: f.region, length: 16 });
const peerAddress = (): bigint => f.peerRegion.address;
const peerToken = (): number => f.peerRegion.remoteToken;

// ---- NDK style ----

const createQpRows: RefusalRow[] = [
  ...notPds().map(([label, pd]) => ({
    name: `NdkCreateQp(pd ${label})`,
    expected: STATUS_INVALID_HANDLE,
    call: (c: AnyCompletion, out: NdkOut<never>) =>
      NdkCreateQp(bad(pd()), f.local.cq, f.local.cq, null, 4, 4, c, null, out),
  })),
  ...(['receiveCq', 'initiatorCq'] as const).flatMap((which) => [
    ...[
      ...notCqs(),
      // Documented as STATUS_INVALID_HANDLE: "closed or foreign PD or CQ".
      ['a CompletionQueue of the other adapter (rxe1)', () => f.remote.cq] as const,
    ].map(([label, cq]) => ({
      name: `NdkCreateQp(${which} ${label})`,
      expected: STATUS_INVALID_HANDLE,
      call: (c: AnyCompletion, out: NdkOut<never>) => {
        const receive = which === 'receiveCq' ? cq() : f.local.cq;
        const initiator = which === 'initiatorCq' ? cq() : f.local.cq;
        return NdkCreateQp(f.local.pd, bad(receive), bad(initiator), null, 4, 4, c, null, out);
      },
    })),
    ...badDepths.map(([label, depth]) => ({
      name: `NdkCreateQp(${which === 'receiveCq' ? 'receive' : 'initiator'}QueueDepth ${label})`,
      expected: STATUS_INVALID_PARAMETER,
      call: (c: AnyCompletion, out: NdkOut<never>) => {
        const receive = which === 'receiveCq' ? depth() : 4;
        const initiator = which === 'initiatorCq' ? depth() : 4;
        const { cq, pd } = f.local;
        return NdkCreateQp(pd, cq, cq, null, bad(receive), bad(initiator), c, null, out);
      },
    })),
  ]),
  ...rowsOf(notFunctions).map(([label, completion]) => ({
    name: `NdkCreateQp(createCompletion ${label})`,
    expected: STATUS_INVALID_PARAMETER,
    call: (_c: AnyCompletion, out: NdkOut<never>) =>
      NdkCreateQp(f.local.pd, f.local.cq, f.local.cq, null, 4, 4, bad(completion()), null, out),
  })),
  ...[...pick(notObjects, 'null', 'number', 'string'), ...rowsOf(badRetryOptions)].map(
    ([label, options]) => ({
      name: `NdkCreateQp(retryOptions ${label})`,
      expected: STATUS_INVALID_PARAMETER,
      call: (c: AnyCompletion, out: NdkOut<never>) =>
        NdkCreateQp(f.local.pd, f.local.cq, f.local.cq, null, 4, 4, c, null, out, bad(options())),
    }),
  ),
  ...rowsOf(notOuts).map(([label, out]) => ({
    name: `NdkCreateQp(out ${label})`,
    expected: STATUS_INVALID_PARAMETER,
    call: (c: AnyCompletion) =>
      NdkCreateQp(f.local.pd, f.local.cq, f.local.cq, null, 4, 4, c, null, bad(out())),
  })),
];

const addressRows: RefusalRow[] = [
  ...notQps().map(([label, qp]) => ({
    name: `NdkGetQpAddress(qp ${label})`,
    expected: STATUS_INVALID_HANDLE,
    call: (_c: AnyCompletion, out: NdkOut<never>) => NdkGetQpAddress(bad(qp()), out),
  })),
  ...rowsOf(notOuts).map(([label, out]) => ({
    name: `NdkGetQpAddress(out ${label})`,
    expected: STATUS_INVALID_PARAMETER,
    call: () => NdkGetQpAddress(f.qp, bad(out())),
  })),
];

const connectRows = (): RefusalRow[] => [
  ...notQps().map(([label, qp]) => ({
    name: `NdkConnectQp(qp ${label})`,
    expected: STATUS_INVALID_HANDLE,
    call: () => NdkConnectQp(bad(qp()), f.peer.localAddress()),
  })),
  ...rowsOf(badPeerAddresses(validPeer)).map(([label, peer]) => ({
    name: `NdkConnectQp(an unconnected QP, peer ${label})`,
    expected: STATUS_INVALID_PARAMETER,
    call: () => NdkConnectQp(f.unconnected, bad(peer())),
  })),
  {
    name: 'NdkConnectQp(a connected QP, its peer again)',
    expected: STATUS_INVALID_DEVICE_STATE,
    call: () => NdkConnectQp(f.qp, f.peer.localAddress()),
  },
];
// A valid address of the right shape, for the spoiled variants (not used before beforeAll ran).
const validPeer: QpAddress = { gid: 'fe80::1', qpn: 17, psn: 0, port: 1 };

type Post = (qp: QueuePair, sgl: unknown) => number;
/** The four posting functions, with good remote arguments where they take them. */
const posts: ReadonlyArray<readonly [string, Post]> = [
  ['NdkWrite', (qp, sgl) => NdkWrite(qp, 'ctx', bad(sgl), peerAddress(), peerToken())],
  ['NdkRead', (qp, sgl) => NdkRead(qp, 'ctx', bad(sgl), peerAddress(), peerToken())],
  ['NdkSend', (qp, sgl) => NdkSend(qp, 'ctx', bad(sgl))],
  ['NdkReceive', (qp, sgl) => NdkReceive(qp, 'ctx', bad(sgl))],
];

const postRows = (): RefusalRow[] =>
  posts.flatMap(([fn, post]) => [
    ...notQps().map(([label, qp]) => ({
      name: `${fn}(qp ${label})`,
      expected: STATUS_INVALID_HANDLE,
      call: () => post(bad(qp()), sge()),
    })),
    ...badSgls().map(([label, sgl, expected]) => ({
      name: `${fn}(sgl ${label})`,
      expected,
      call: () => post(f.qp, sgl()),
    })),
    ...(fn === 'NdkReceive'
      ? [] // a receive may be posted before connecting
      : [
          {
            name: `${fn}(a queue pair never connected)`,
            expected: STATUS_INVALID_DEVICE_STATE,
            call: () => post(f.unconnected, sge()),
          },
        ]),
  ]);

const flagRows: RefusalRow[] = [
  ...[
    ['1', () => 1] as const,
    ['-1', () => -1] as const,
    ["the string '0'", () => '0'] as const,
    ['null', () => null] as const,
    ['NaN', () => NaN] as const,
  ].flatMap(([label, flags]) => [
    {
      name: `NdkWrite(flags ${label})`,
      expected: STATUS_INVALID_PARAMETER,
      call: () => NdkWrite(f.qp, 'ctx', sge(), peerAddress(), peerToken(), bad(flags())),
    },
    {
      name: `NdkRead(flags ${label})`,
      expected: STATUS_INVALID_PARAMETER,
      call: () => NdkRead(f.qp, 'ctx', sge(), peerAddress(), peerToken(), bad(flags())),
    },
    {
      name: `NdkSend(flags ${label})`,
      expected: STATUS_INVALID_PARAMETER,
      call: () => NdkSend(f.qp, 'ctx', sge(), bad(flags())),
    },
  ]),
];

const remoteRows: RefusalRow[] = (
  [
    ['NdkWrite', NdkWrite],
    ['NdkRead', NdkRead],
  ] as const
).flatMap(([fn, rdma]) => [
  ...rowsOf(badRemoteAddresses).map(([label, address]) => ({
    name: `${fn}(remoteAddress ${label})`,
    expected: STATUS_INVALID_PARAMETER,
    call: () => rdma(f.qp, 'ctx', sge(), bad(address()), peerToken()),
  })),
  ...rowsOf(badTokens).map(([label, token]) => ({
    name: `${fn}(remoteToken ${label})`,
    expected: STATUS_INVALID_PARAMETER,
    call: () => rdma(f.qp, 'ctx', sge(), peerAddress(), bad(token())),
  })),
]);

const closeRows: RefusalRow[] = closeObjectRows(
  'QueuePair',
  () => f.closedQp,
  () => f.unconnected,
);

it.each([
  ['NdkCreateQp', () => createQpRows],
  ['NdkGetQpAddress', () => addressRows],
  ['NdkConnectQp', connectRows],
  ['NdkWrite / NdkRead / NdkSend / NdkReceive', postRows],
  ['NdkWrite / NdkRead / NdkSend flags', () => flagRows],
  ['NdkWrite / NdkRead remote address and token', () => remoteRows],
  ['NdkCloseObject on a queue pair', () => closeRows],
] as const)('%s refuses every bad input with its documented status', (_fn, rows) =>
  expectNdkRefusals(rows()),
);

// ---- promise API ----

describe('the promise API', () => {
  const rejections = (): Array<readonly [string, () => Promise<unknown>, number]> => [
    ['pd.createQp() on a closed PD', () => f.closedPd.createQp(f.local.cq), STATUS_INVALID_HANDLE],
    ...notCqs().map(
      ([label, cq]) =>
        [
          `pd.createQp(${label})`,
          () => f.local.pd.createQp(bad(cq())),
          STATUS_INVALID_HANDLE,
        ] as const,
    ),
    [
      'pd.createQp(a CompletionQueue of the other adapter (rxe1))',
      () => f.local.pd.createQp(f.remote.cq),
      STATUS_INVALID_HANDLE,
    ],
    [
      'pd.createQp(cq, { receiveCq: a CompletionQueue of rxe1 })',
      () => f.local.pd.createQp(f.local.cq, { receiveCq: f.remote.cq }),
      STATUS_INVALID_HANDLE,
    ],
    ...pick(notObjects, 'null', 'number', 'string').map(
      ([label, options]) =>
        [
          `pd.createQp(cq, options ${label})`,
          () => f.local.pd.createQp(f.local.cq, bad(options())),
          STATUS_INVALID_PARAMETER,
        ] as const,
    ),
    ...(['receiveDepth', 'initiatorDepth'] as const).flatMap((key) =>
      [
        ['0', () => 0] as const,
        ...pick(notCounts, 'minusOne', 'fraction', 'nan', 'numericString', 'twoTo53'),
      ].map(
        ([label, depth]) =>
          [
            `pd.createQp(cq, { ${key}: ${label} })`,
            () => f.local.pd.createQp(f.local.cq, { [key]: bad(depth()) }),
            STATUS_INVALID_PARAMETER,
          ] as const,
      ),
    ),
    ...rowsOf(badRetryOptions).map(
      ([label, options]) =>
        [
          `pd.createQp(cq, ${label})`,
          () => f.local.pd.createQp(f.local.cq, bad(options())),
          STATUS_INVALID_PARAMETER,
        ] as const,
    ),
    ...rowsOf(badPeerAddresses(validPeer)).map(
      ([label, peer]) =>
        [
          `qp.connect(peer ${label})`,
          () => f.unconnected.connect(bad(peer())),
          STATUS_INVALID_PARAMETER,
        ] as const,
    ),
    [
      'qp.connect() on a connected QP',
      () => f.qp.connect(f.peer.localAddress()),
      STATUS_INVALID_DEVICE_STATE,
    ],
    [
      'qp.connect() on a closed QP',
      () => f.closedQp.connect(f.peer.localAddress()),
      STATUS_INVALID_HANDLE,
    ],
    ...(
      [
        ['write', (qp: QueuePair, local: unknown) => qp.write(bad(local), remoteOf())],
        ['read', (qp: QueuePair, local: unknown) => qp.read(bad(local), remoteOf())],
        ['send', (qp: QueuePair, local: unknown) => qp.send(bad(local))],
        ['receive', (qp: QueuePair, local: unknown) => qp.receive(bad(local))],
      ] as const
    ).flatMap(([method, call]) => [
      [
        `qp.${method}() on a closed QP`,
        () => call(f.closedQp, sge()),
        STATUS_INVALID_HANDLE,
      ] as const,
      ...badSgls().map(
        ([label, local, expected]) =>
          [`qp.${method}(${label})`, () => call(f.qp, local()), expected] as const,
      ),
    ]),
    ...(['write', 'read'] as const).flatMap((method) => [
      [
        `qp.${method}() on a QP never connected`,
        () => f.unconnected[method](sge(), remoteOf()),
        STATUS_INVALID_DEVICE_STATE,
      ] as const,
      ...pick(badRemoteAddresses, 'minusOne', 'twoTo64Bigint', 'fraction', 'numericString').map(
        ([label, address]) =>
          [
            `qp.${method}(sge, { address: ${label} })`,
            () => f.qp[method](sge(), { address: bad(address()), token: peerToken() }),
            STATUS_INVALID_PARAMETER,
          ] as const,
      ),
      ...pick(badTokens, 'minusOne', 'twoTo32', 'numericString').map(
        ([label, token]) =>
          [
            `qp.${method}(sge, { token: ${label} })`,
            () => f.qp[method](sge(), { address: peerAddress(), token: bad(token()) }),
            STATUS_INVALID_PARAMETER,
          ] as const,
      ),
      // The remote side is an argument like any other: refused, not a TypeError thrown.
      ...pick(notObjects, 'null', 'undefined', 'number').map(
        ([label, remote]) =>
          [
            `qp.${method}(sge, remote ${label})`,
            () => f.qp[method](sge(), bad(remote())),
            STATUS_INVALID_PARAMETER,
          ] as const,
      ),
    ]),
    [
      'qp.send() on a QP never connected',
      () => f.unconnected.send(sge()),
      STATUS_INVALID_DEVICE_STATE,
    ],
  ];
  const remoteOf = () => ({ address: peerAddress(), token: peerToken() });

  it('reject every bad input with an NdkError of the documented status', () =>
    expectNdkErrors(rejections().map(([name, call, expected]) => ({ name, call, expected }))));

  it('qp.localAddress() on a closed QP throws an NdkError STATUS_INVALID_HANDLE', async () => {
    await expectNdkError(
      new Promise((resolve) => resolve(f.closedQp.localAddress())),
      STATUS_INVALID_HANDLE,
    );
  });
});

it('a receive may be posted before connecting, as NdkReceive documents', async () => {
  const qp = await f.local.pd.createQp(f.local.cq);
  try {
    const status = NdkReceive(qp, 'early', { mr: f.region, length: 64 });
    expect(ntStatusName(status)).toBe('STATUS_SUCCESS');
  } finally {
    await qp.close();
  }
});

describe('after the bad input', () => {
  it('nothing was posted: the pair has no request outstanding and still carries a write', async () => {
    expect(f.qp.outstanding).toBe(0);
    expect(f.unconnected.outstanding).toBe(0);
    const result = await f.qp.write(sge(), { address: peerAddress(), token: peerToken() });
    expect(result.status).toBe(NtStatus.STATUS_SUCCESS);
  });

  it('the refusals left nothing in the kernel', () => {
    expect(kernelLeftovers()).toEqual(f.kernelAfterSetUp);
  });
});
