// Bad input to the adapter, protection-domain and memory-region functions on real rxe devices
// (NdkOpenAdapter, NdkCreatePd, NdkCreateMr, NdkRegisterMr, NdkDeregisterMr, the token getters,
// NdkCloseObject): each × every kind of bad argument returns the documented NTSTATUS, never throws,
// never calls a completion for a non-PENDING return, and leaves no registration behind (the kernel
// is the referee). The promise API rejects with an NdkError carrying the same status. Objects of
// two adapters (rxe0, rxe1) are mixed in. The queue-pair, completion-queue and memory-window
// functions have files of their own.
import { constants } from 'node:os';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';

import {
  Adapter,
  MemoryRegion,
  NdkCloseObject,
  NdkCreateMr,
  NdkCreatePd,
  NdkDeregisterMr,
  NdkGetLocalTokenFromMr,
  NdkGetRemoteTokenFromMr,
  NdkMrFlags,
  NdkOpenAdapter,
  type NdkObject,
  type NdkOut,
  NdkRegisterMr,
  NtStatus,
  ntStatusName,
  ObjectState,
  openAdapter,
  ProtectionDomain,
} from '../../lib';
import {
  bad,
  badDeviceNames,
  badFlags,
  badOptions,
  type BadValueRow,
  memoryWithLengthBeyondEnd,
  notCounts,
  notFunctions,
  notObjects,
  notOuts,
  pick,
  rowsOf,
  unregistrableMemory,
} from '../support/bad-values';
import { requireDevices } from '../support/devices';
import { waitFor } from '../support/gc';
import { kernelMrCount, kernelObjects } from '../support/kernel';
import { expectNdkError, expectNdkErrors } from '../support/ndk-error';
import { type AnyCompletion, expectNdkRefusals, type RefusalRow } from '../support/ndk-refusal';

const {
  STATUS_DEVICE_BUSY,
  STATUS_INVALID_HANDLE,
  STATUS_INVALID_PARAMETER,
  STATUS_NO_SUCH_DEVICE,
  STATUS_NOT_SUPPORTED,
  STATUS_INVALID_DEVICE_STATE,
  STATUS_INVALID_BUFFER_SIZE,
} = NtStatus;
const LOCAL_WRITE = NdkMrFlags.NDK_MR_FLAG_ALLOW_LOCAL_WRITE;
const { ENODEV } = constants.errno;
const MEMORY_BYTES = 8192;

// ---- the objects the matrix uses, built once in beforeAll ----

interface Fixture {
  rxe0: string;
  rxe1: string;
  mrBaseline: number;
  mrBaselineIfnames: string[];
  memory: Buffer;
  a0: Adapter;
  a1: Adapter;
  pd0: ProtectionDomain;
  pd1: ProtectionDomain;
  /** rxe0, never registered. */
  mrFresh: MemoryRegion;
  /** rxe0, registered over `memory`. */
  mrReg: MemoryRegion;
  /** rxe1, registered over the same `memory`. */
  mr1Reg: MemoryRegion;
  regTokens: [number, number];
  /** rxe0, closed while unregistered. */
  mrClosed: MemoryRegion;
  /** rxe1, registered and then closed (the close deregistered it). */
  mr1Closed: MemoryRegion;
  pdClosed: ProtectionDomain;
  adapterClosed: Adapter;
  /** rxe1 adapter whose NdkCloseObject is pending: `pdOfClosingAdapter` is alive. */
  closingAdapter: Adapter;
  pdOfClosingAdapter: ProtectionDomain;
  closingAdapterCalls: number;
  /** rxe0 PD whose NdkCloseObject is pending: `mrOfClosingPd` is alive. */
  closingPd: ProtectionDomain;
  mrOfClosingPd: MemoryRegion;
  closingPdCalls: number;
}

const f = {} as Fixture;
/** Completions that were called although their call did not return STATUS_PENDING. */
const strayCompletions: string[] = [];

function neverCalled(label: string): AnyCompletion {
  return () => {
    strayCompletions.push(label);
  };
}

function ndkOpen(name: string): Adapter {
  const out: NdkOut<Adapter> = {};
  expect(ntStatusName(NdkOpenAdapter(name, out, { completionPolicy: 'inline' }))).toBe(
    'STATUS_SUCCESS',
  );
  return out.value!;
}

function ndkPd(adapter: Adapter): ProtectionDomain {
  const out: NdkOut<ProtectionDomain> = {};
  expect(ntStatusName(NdkCreatePd(adapter, neverCalled('setup pd'), null, out))).toBe(
    'STATUS_SUCCESS',
  );
  return out.value!;
}

function ndkMr(pd: ProtectionDomain, policy: 'inline' | 'deferred' = 'inline'): MemoryRegion {
  const out: NdkOut<MemoryRegion> = {};
  const status = NdkCreateMr(pd, false, neverCalled('setup mr'), null, out, {
    completionPolicy: policy,
  });
  expect(ntStatusName(status)).toBe('STATUS_SUCCESS');
  return out.value!;
}

function ndkRegister(mr: MemoryRegion, memory: Buffer): void {
  const status = NdkRegisterMr(mr, memory, memory.length, LOCAL_WRITE, neverCalled('setup reg'));
  expect(ntStatusName(status)).toBe('STATUS_SUCCESS');
}

function ndkClose(object: Adapter | ProtectionDomain | MemoryRegion): void {
  expect(ntStatusName(NdkCloseObject(object, neverCalled('setup close')))).toBe('STATUS_SUCCESS');
}

function tokensOf(mr: MemoryRegion): [number, number] {
  const local: NdkOut<number> = {};
  const remote: NdkOut<number> = {};
  expect(ntStatusName(NdkGetLocalTokenFromMr(mr, local))).toBe('STATUS_SUCCESS');
  expect(ntStatusName(NdkGetRemoteTokenFromMr(mr, remote))).toBe('STATUS_SUCCESS');
  return [local.value!, remote.value!];
}

beforeAll(() => {
  const names = requireDevices();
  if (names.length < 2) {
    throw new Error(
      `bad-input tests need two RDMA devices (rxe0, rxe1); found ${names.join(', ')}`,
    );
  }
  [f.rxe0, f.rxe1] = names;
  f.mrBaselineIfnames = kernelObjects('mr').map((row) => String(row.ifname));
  f.mrBaseline = f.mrBaselineIfnames.length;
  f.memory = Buffer.alloc(MEMORY_BYTES, 0xab);

  f.a0 = ndkOpen(f.rxe0);
  f.a1 = ndkOpen(f.rxe1);
  f.pd0 = ndkPd(f.a0);
  f.pd1 = ndkPd(f.a1);
  f.mrFresh = ndkMr(f.pd0);
  f.mrReg = ndkMr(f.pd0);
  ndkRegister(f.mrReg, f.memory);
  f.regTokens = tokensOf(f.mrReg);
  f.mr1Reg = ndkMr(f.pd1);
  ndkRegister(f.mr1Reg, f.memory);
  f.mrClosed = ndkMr(f.pd0);
  ndkClose(f.mrClosed);
  f.mr1Closed = ndkMr(f.pd1);
  ndkRegister(f.mr1Closed, f.memory);
  ndkClose(f.mr1Closed);
  f.pdClosed = ndkPd(f.a0);
  ndkClose(f.pdClosed);
  f.adapterClosed = ndkOpen(f.rxe0);
  ndkClose(f.adapterClosed);

  f.closingAdapterCalls = 0;
  f.closingAdapter = ndkOpen(f.rxe1);
  f.pdOfClosingAdapter = ndkPd(f.closingAdapter);
  const adapterClose = NdkCloseObject(f.closingAdapter, () => f.closingAdapterCalls++);
  expect(ntStatusName(adapterClose)).toBe('STATUS_PENDING');

  f.closingPdCalls = 0;
  f.closingPd = ndkPd(f.a0);
  f.mrOfClosingPd = ndkMr(f.closingPd);
  expect(ntStatusName(NdkCloseObject(f.closingPd, () => f.closingPdCalls++))).toBe(
    'STATUS_PENDING',
  );
});

afterAll(async () => {
  // Best effort whatever failed; the last test asserts the same cleanup.
  for (const object of [f.closingAdapter, f.closingPd, f.a0, f.a1]) await object?.close();
});

// ---- the matrix ----

type Row = RefusalRow;

type Named = BadValueRow;

const adapterHandles = (): Named[] => [
  ...rowsOf(notObjects),
  ['a ProtectionDomain', () => f.pd0],
  ['a MemoryRegion', () => f.mrFresh],
  ['a closed adapter', () => f.adapterClosed],
  ['an rxe1 adapter whose close is pending', () => f.closingAdapter],
];
const pdHandles = (): Named[] => [
  ...rowsOf(notObjects),
  ['an Adapter', () => f.a0],
  ['a MemoryRegion', () => f.mrFresh],
  ['a closed PD', () => f.pdClosed],
  ['a PD whose close is pending', () => f.closingPd],
];
const mrHandles = (): Named[] => [
  ...rowsOf(notObjects),
  ['an Adapter', () => f.a0],
  ['a ProtectionDomain', () => f.pd0],
  ['a closed MR', () => f.mrClosed],
  ['an rxe1 MR closed while registered', () => f.mr1Closed],
];
const closeTargets = (): Named[] => [
  ...rowsOf(notObjects),
  ['a closed MR', () => f.mrClosed],
  ['an rxe1 MR closed while registered', () => f.mr1Closed],
  ['a closed PD', () => f.pdClosed],
  ['a closed adapter', () => f.adapterClosed],
  ['a PD whose close is pending', () => f.closingPd],
  ['an rxe1 adapter whose close is pending', () => f.closingAdapter],
];

/**
 * Register lengths with the status each deserves: zero and lengths beyond the memory are bad
 * sizes; anything that is no non-negative safe integer is a bad parameter.
 */
const lengthCases = {
  zero: ['0', 0, STATUS_INVALID_BUFFER_SIZE],
  minusZero: ['-0', -0, STATUS_INVALID_BUFFER_SIZE],
  minusBuffer: ['-8192', -MEMORY_BYTES, STATUS_INVALID_PARAMETER],
  fractionNearPage: ['4095.5', 4095.5, STATUS_INVALID_PARAMETER],
  beyondBuffer: ['buffer length + 1', MEMORY_BYTES + 1, STATUS_INVALID_BUFFER_SIZE],
  maxSafe: ['Number.MAX_SAFE_INTEGER', Number.MAX_SAFE_INTEGER, STATUS_INVALID_BUFFER_SIZE],
} as const;
type Length = readonly [label: string, value: unknown, status: number];
const badLengths: Length[] = [
  ...Object.values(lengthCases),
  ...rowsOf(notCounts).map(([label, make]): Length => [label, make(), STATUS_INVALID_PARAMETER]),
];

const stillFresh = (): void => {
  expect(f.mrFresh.state).toBe(ObjectState.Open);
  expect(f.mrFresh.isRegistered).toBe(false);
};
const stillRegistered = (): void => {
  expect(f.mrReg.state).toBe(ObjectState.Open);
  expect(f.mrReg.isRegistered).toBe(true);
  expect(tokensOf(f.mrReg)).toEqual(f.regTokens);
};

const openAdapterRows: Row[] = [
  ...rowsOf(badDeviceNames).map(([label, name]) => ({
    name: `NdkOpenAdapter(deviceName ${label})`,
    expected: STATUS_INVALID_PARAMETER,
    call: (_c: AnyCompletion, out: NdkOut<never>) => NdkOpenAdapter(bad(name()), out),
  })),
  {
    name: "NdkOpenAdapter('no-such-rdma-device')",
    expected: STATUS_NO_SUCH_DEVICE,
    call: (_c, out) => NdkOpenAdapter('no-such-rdma-device', out),
  },
  ...rowsOf(notOuts).map(([label, value]) => ({
    name: `NdkOpenAdapter(rxe0, out ${label})`,
    expected: STATUS_INVALID_PARAMETER,
    call: () => NdkOpenAdapter(f.rxe0, bad(value())),
  })),
  ...rowsOf(badOptions).map(([label, options]) => ({
    name: `NdkOpenAdapter(rxe0, options ${label})`,
    expected: STATUS_INVALID_PARAMETER,
    call: (_c: AnyCompletion, out: NdkOut<never>) => NdkOpenAdapter(f.rxe0, out, bad(options())),
  })),
];

const createPdRows: Row[] = [
  ...adapterHandles().map(([label, adapter]) => ({
    name: `NdkCreatePd(adapter ${label})`,
    expected: STATUS_INVALID_HANDLE,
    call: (c: AnyCompletion, out: NdkOut<never>) => NdkCreatePd(bad(adapter()), c, null, out),
  })),
  ...rowsOf(notFunctions).map(([label, completion]) => ({
    name: `NdkCreatePd(rxe0, createCompletion ${label})`,
    expected: STATUS_INVALID_PARAMETER,
    call: (_c: AnyCompletion, out: NdkOut<never>) =>
      NdkCreatePd(f.a0, bad<AnyCompletion>(completion()), null, out),
  })),
  ...rowsOf(notOuts).map(([label, value]) => ({
    name: `NdkCreatePd(rxe0, out ${label})`,
    expected: STATUS_INVALID_PARAMETER,
    call: (c: AnyCompletion) => NdkCreatePd(f.a0, c, null, bad(value())),
  })),
];

const createMrRows: Row[] = [
  ...pdHandles().map(([label, pd]) => ({
    name: `NdkCreateMr(pd ${label})`,
    expected: STATUS_INVALID_HANDLE,
    call: (c: AnyCompletion, out: NdkOut<never>) => NdkCreateMr(bad(pd()), false, c, null, out),
  })),
  {
    name: 'NdkCreateMr(fastRegister true)',
    expected: STATUS_NOT_SUPPORTED,
    call: (c, out) => NdkCreateMr(f.pd0, true, c, null, out),
  },
  ...[
    ["the string 'false'", 'false'],
    ['0', 0],
    ['1', 1],
    ['null', null],
    ['undefined', undefined],
  ].map(([label, fastRegister]) => ({
    name: `NdkCreateMr(fastRegister ${label})`,
    expected: STATUS_INVALID_PARAMETER,
    call: (c: AnyCompletion, out: NdkOut<never>) =>
      NdkCreateMr(f.pd0, bad(fastRegister), c, null, out),
  })),
  ...rowsOf(notFunctions).map(([label, completion]) => ({
    name: `NdkCreateMr(createCompletion ${label})`,
    expected: STATUS_INVALID_PARAMETER,
    call: (_c: AnyCompletion, out: NdkOut<never>) =>
      NdkCreateMr(f.pd0, false, bad<AnyCompletion>(completion()), null, out),
  })),
  ...rowsOf(notOuts).map(([label, value]) => ({
    name: `NdkCreateMr(out ${label})`,
    expected: STATUS_INVALID_PARAMETER,
    call: (c: AnyCompletion) => NdkCreateMr(f.pd0, false, c, null, bad(value())),
  })),
  ...rowsOf(badOptions).map(([label, options]) => ({
    name: `NdkCreateMr(options ${label})`,
    expected: STATUS_INVALID_PARAMETER,
    call: (c: AnyCompletion, out: NdkOut<never>) =>
      NdkCreateMr(f.pd0, false, c, null, out, bad(options())),
  })),
];

const registerRows: Row[] = [
  ...mrHandles().map(([label, mr]) => ({
    name: `NdkRegisterMr(mr ${label})`,
    expected: STATUS_INVALID_HANDLE,
    call: (c: AnyCompletion) => NdkRegisterMr(bad(mr()), f.memory, 4096, LOCAL_WRITE, c),
  })),
  ...rowsOf(notFunctions).map(([label, completion]) => ({
    name: `NdkRegisterMr(completion ${label})`,
    expected: STATUS_INVALID_PARAMETER,
    call: () =>
      NdkRegisterMr(f.mrFresh, f.memory, 4096, LOCAL_WRITE, bad<AnyCompletion>(completion())),
    after: stillFresh,
  })),
  ...rowsOf(unregistrableMemory).map(([label, memory]) => ({
    name: `NdkRegisterMr(memory ${label})`,
    expected: STATUS_INVALID_PARAMETER,
    call: (c: AnyCompletion) => NdkRegisterMr(f.mrFresh, bad(memory()), 16, LOCAL_WRITE, c),
    after: stillFresh,
  })),
  ...badLengths.map(([label, length, expected]) => ({
    name: `NdkRegisterMr(length ${label} of an 8 KiB Buffer)`,
    expected,
    call: (c: AnyCompletion) => NdkRegisterMr(f.mrFresh, f.memory, bad(length), LOCAL_WRITE, c),
    after: stillFresh,
  })),
  ...Object.values(memoryWithLengthBeyondEnd).map(({ label, make }) => ({
    name: `NdkRegisterMr(${label})`,
    expected: STATUS_INVALID_BUFFER_SIZE,
    call: (c: AnyCompletion) => {
      const [memory, length] = make();
      return NdkRegisterMr(f.mrFresh, memory, length, LOCAL_WRITE, c);
    },
    after: stillFresh,
  })),
  ...rowsOf(badFlags).map(([label, flags]) => ({
    name: `NdkRegisterMr(flags ${label})`,
    expected: STATUS_INVALID_PARAMETER,
    call: (c: AnyCompletion) => NdkRegisterMr(f.mrFresh, f.memory, 4096, bad(flags()), c),
    after: stillFresh,
  })),
  {
    name: 'NdkRegisterMr(an rxe0 MR already registered)',
    expected: STATUS_INVALID_DEVICE_STATE,
    call: (c) => NdkRegisterMr(f.mrReg, f.memory, 4096, LOCAL_WRITE, c),
    after: stillRegistered,
  },
  {
    name: 'NdkRegisterMr(an rxe1 MR already registered, other memory)',
    expected: STATUS_INVALID_DEVICE_STATE,
    call: (c) => NdkRegisterMr(f.mr1Reg, Buffer.alloc(64), 64, LOCAL_WRITE, c),
    after: () => expect(f.mr1Reg.isRegistered).toBe(true),
  },
  {
    name: 'NdkRegisterMr(the MR of a PD whose close is pending, flags 0x10)',
    expected: STATUS_INVALID_PARAMETER,
    call: (c) => NdkRegisterMr(f.mrOfClosingPd, f.memory, 4096, 0x10, c),
    after: () => expect(f.mrOfClosingPd.isRegistered).toBe(false),
  },
];

const deregisterRows: Row[] = [
  ...mrHandles().map(([label, mr]) => ({
    name: `NdkDeregisterMr(mr ${label})`,
    expected: STATUS_INVALID_HANDLE,
    call: (c: AnyCompletion) => NdkDeregisterMr(bad(mr()), c),
  })),
  ...rowsOf(notFunctions).map(([label, completion]) => ({
    name: `NdkDeregisterMr(registered mr, completion ${label})`,
    expected: STATUS_INVALID_PARAMETER,
    call: () => NdkDeregisterMr(f.mrReg, bad<AnyCompletion>(completion())),
    after: stillRegistered,
  })),
  {
    name: 'NdkDeregisterMr(an MR never registered)',
    expected: STATUS_INVALID_DEVICE_STATE,
    call: (c) => NdkDeregisterMr(f.mrFresh, c),
    after: stillFresh,
  },
  {
    name: 'NdkDeregisterMr(the MR of a PD whose close is pending, never registered)',
    expected: STATUS_INVALID_DEVICE_STATE,
    call: (c) => NdkDeregisterMr(f.mrOfClosingPd, c),
  },
];

const tokenRows: Row[] = (
  [
    ['NdkGetLocalTokenFromMr', NdkGetLocalTokenFromMr],
    ['NdkGetRemoteTokenFromMr', NdkGetRemoteTokenFromMr],
  ] as const
).flatMap(([fn, getToken]) => [
  ...mrHandles().map(([label, mr]) => ({
    name: `${fn}(mr ${label})`,
    expected: STATUS_INVALID_HANDLE,
    call: (_c: AnyCompletion, out: NdkOut<never>) => getToken(bad(mr()), bad(out)),
  })),
  ...rowsOf(notOuts).map(([label, value]) => ({
    name: `${fn}(registered mr, out ${label})`,
    expected: STATUS_INVALID_PARAMETER,
    call: () => getToken(f.mrReg, bad(value())),
    after: stillRegistered,
  })),
  {
    name: `${fn}(an MR never registered): no token`,
    expected: STATUS_INVALID_DEVICE_STATE,
    call: (_c: AnyCompletion, out: NdkOut<never>) => getToken(f.mrFresh, bad(out)),
  },
]);

type CloseCompletionCase = readonly [
  kind: string,
  object: () => NdkObject,
  label: string,
  completion: () => unknown,
];
const closeCompletionCases: CloseCompletionCase[] = [
  ...rowsOf(notFunctions).map(([label, completion]): CloseCompletionCase => [
    'MR',
    () => f.mrFresh,
    label,
    completion,
  ]),
  ['PD', () => f.pd0, 'undefined', () => undefined],
  ['adapter', () => f.a0, 'null', () => null],
];
const closeRows: Row[] = [
  ...closeTargets().map(([label, object]) => ({
    name: `NdkCloseObject(${label})`,
    expected: STATUS_INVALID_HANDLE,
    call: (c: AnyCompletion) => NdkCloseObject(bad(object()), c),
  })),
  ...closeCompletionCases.map(([kind, object, label, completion]) => ({
    name: `NdkCloseObject(open ${kind}, closeCompletion ${label})`,
    expected: STATUS_INVALID_PARAMETER,
    call: () => NdkCloseObject(object(), bad<AnyCompletion>(completion())),
    after: () => expect(object().state).toBe(ObjectState.Open),
  })),
];

it.each([
  ['NdkOpenAdapter', openAdapterRows],
  ['NdkCreatePd', createPdRows],
  ['NdkCreateMr', createMrRows],
  ['NdkRegisterMr', registerRows],
  ['NdkDeregisterMr', deregisterRows],
  ['NdkGetLocalTokenFromMr / NdkGetRemoteTokenFromMr', tokenRows],
  ['NdkCloseObject', closeRows],
] as const)('%s refuses every bad input with its documented status', (_fn, rows) =>
  expectNdkRefusals(rows),
);

describe('requests on a region with a request pending (rxe1, deferred)', () => {
  it('answer STATUS_DEVICE_BUSY, tokens STATUS_INVALID_DEVICE_STATE; close waits and is last', async () => {
    const mr = ndkMr(f.pd1, 'deferred');
    const events: string[] = [];
    const record = (context: unknown, status?: number): void => {
      events.push(
        status === undefined ? String(context) : `${String(context)}:${ntStatusName(status)}`,
      );
    };
    const name = (status: number): string => ntStatusName(status);
    const out: NdkOut<number> = {};

    expect(name(NdkRegisterMr(mr, f.memory, 4096, LOCAL_WRITE, record, 'register'))).toBe(
      'STATUS_PENDING',
    );
    // Still pending: nothing below can run before this synchronous code ends.
    expect(name(NdkRegisterMr(mr, f.memory, 4096, LOCAL_WRITE, neverCalled('busy reg')))).toBe(
      'STATUS_DEVICE_BUSY',
    );
    expect(name(NdkDeregisterMr(mr, neverCalled('busy dereg')))).toBe('STATUS_DEVICE_BUSY');
    expect(name(NdkGetLocalTokenFromMr(mr, out))).toBe('STATUS_INVALID_DEVICE_STATE');
    expect(name(NdkGetRemoteTokenFromMr(mr, out))).toBe('STATUS_INVALID_DEVICE_STATE');
    expect(out.value).toBeUndefined();
    // The promise API refuses too (handlers attached now: the rejections are immediate).
    const busyPromises = Promise.all([
      expectNdkError(mr.register(f.memory, { length: 4096 }), STATUS_DEVICE_BUSY),
      expectNdkError(mr.deregister(), STATUS_DEVICE_BUSY),
    ]);
    expect(events).toEqual([]); // a completion never runs inside the call that started it
    expect(await waitFor(() => events.length === 1)).toBe(true);
    expect(events).toEqual(['register:STATUS_SUCCESS']);
    await busyPromises;

    expect(name(NdkDeregisterMr(mr, record, 'deregister'))).toBe('STATUS_PENDING');
    expect(name(NdkDeregisterMr(mr, neverCalled('busy dereg 2')))).toBe('STATUS_DEVICE_BUSY');
    expect(name(NdkRegisterMr(mr, f.memory, 16, 0, neverCalled('busy reg 2')))).toBe(
      'STATUS_DEVICE_BUSY',
    );
    expect(name(NdkCloseObject(mr, record, 'close'))).toBe('STATUS_PENDING');
    // Closing: every further call is on a closed handle.
    expect(name(NdkCloseObject(mr, neverCalled('close twice')))).toBe('STATUS_INVALID_HANDLE');
    expect(name(NdkRegisterMr(mr, f.memory, 16, 0, neverCalled('reg closing')))).toBe(
      'STATUS_INVALID_HANDLE',
    );
    expect(name(NdkGetLocalTokenFromMr(mr, out))).toBe('STATUS_INVALID_HANDLE');
    await expectNdkError(mr.register(f.memory), STATUS_INVALID_HANDLE);
    expect(await waitFor(() => events.length === 3)).toBe(true);
    await sleep(20);
    expect(events).toEqual(['register:STATUS_SUCCESS', 'deregister:STATUS_SUCCESS', 'close']);
    expect(mr.state).toBe(ObjectState.Closed);
    expect(mr.isRegistered).toBe(false);
  });
});

describe('the promise API with bad input rejects with an NdkError', () => {
  interface PromiseRow {
    readonly name: string;
    readonly expected: number;
    readonly code?: string;
    readonly errno?: number;
    readonly call: () => Promise<unknown>;
    readonly after?: () => void;
  }
  const rows: PromiseRow[] = [
    {
      name: 'mr.register() on a closed region',
      expected: STATUS_INVALID_HANDLE,
      call: () => f.mrClosed.register(f.memory),
    },
    {
      name: 'mr.register() on an rxe1 region closed while registered',
      expected: STATUS_INVALID_HANDLE,
      call: () => f.mr1Closed.register(f.memory),
    },
    {
      name: 'mr.register() on a registered region',
      expected: STATUS_INVALID_DEVICE_STATE,
      call: () => f.mrReg.register(f.memory),
      after: stillRegistered,
    },
    // A representative subset (the NDK rows above cover every value). `options.length ??
    // byteLength`: null and undefined mean "all of it", so they are no bad input here.
    ...[
      lengthCases.zero,
      lengthCases.beyondBuffer,
      ...pick(notCounts, 'minusOne', 'nan', 'fraction', 'twoTo53Plus2', 'numericString').map(
        ([label, make]): Length => [label, make(), STATUS_INVALID_PARAMETER],
      ),
    ].map(([label, length, expected]) => ({
      name: `mr.register(8 KiB Buffer, { length: ${label} })`,
      expected,
      call: () => f.mrFresh.register(f.memory, { length: bad(length) }),
      after: stillFresh,
    })),
    ...pick(badFlags, 'bit4', 'bit31', 'minusOne', 'fraction', 'numericString').map(
      ([label, flags]) => ({
        name: `mr.register(8 KiB Buffer, { flags: ${label} })`,
        expected: STATUS_INVALID_PARAMETER,
        call: () => f.mrFresh.register(f.memory, { flags: bad(flags()) }),
        after: stillFresh,
      }),
    ),
    ...pick(unregistrableMemory, 'string', 'plainObject', 'pooledBufferFrom', 'resizable').map(
      ([label, memory]) => ({
        name: `mr.register(${label})`,
        expected: STATUS_INVALID_PARAMETER,
        call: () => f.mrFresh.register(bad(memory())),
        after: stillFresh,
      }),
    ),
    ...[memoryWithLengthBeyondEnd.subarray100, memoryWithLengthBeyondEnd.allocated4096].map(
      ({ label, make }) => ({
        name: `mr.register(${label})`,
        expected: STATUS_INVALID_BUFFER_SIZE,
        call: () => {
          const [memory, length] = make();
          return f.mrFresh.register(memory, { length });
        },
        after: stillFresh,
      }),
    ),
    {
      name: 'mr.register(an empty ArrayBuffer) (default length 0)',
      expected: STATUS_INVALID_BUFFER_SIZE,
      call: () => f.mrFresh.register(new ArrayBuffer(0)),
      after: stillFresh,
    },
    {
      name: 'mr.deregister() on a region never registered',
      expected: STATUS_INVALID_DEVICE_STATE,
      call: () => f.mrFresh.deregister(),
    },
    {
      name: 'mr.deregister() on a closed region',
      expected: STATUS_INVALID_HANDLE,
      call: () => f.mrClosed.deregister(),
    },
    {
      name: 'pd.createMr() on a closed PD',
      expected: STATUS_INVALID_HANDLE,
      call: () => f.pdClosed.createMr(),
    },
    {
      name: 'pd.createMr() on a PD whose close is pending',
      expected: STATUS_INVALID_HANDLE,
      call: () => f.closingPd.createMr(),
    },
    {
      name: "pd.createMr({ completionPolicy: 'eager' })",
      expected: STATUS_INVALID_PARAMETER,
      call: () => f.pd0.createMr({ completionPolicy: bad('eager') }),
    },
    {
      name: 'adapter.createPd() on a closed adapter',
      expected: STATUS_INVALID_HANDLE,
      call: () => f.adapterClosed.createPd(),
    },
    {
      name: 'adapter.createPd() on an rxe1 adapter whose close is pending',
      expected: STATUS_INVALID_HANDLE,
      call: () => f.closingAdapter.createPd(),
    },
    {
      name: "openAdapter('no-such-rdma-device')",
      expected: STATUS_NO_SUCH_DEVICE,
      code: 'ENODEV',
      errno: ENODEV,
      call: () => openAdapter('no-such-rdma-device'),
    },
    {
      name: "openAdapter('')",
      expected: STATUS_INVALID_PARAMETER,
      call: () => openAdapter(''),
    },
    {
      name: 'openAdapter(a number)',
      expected: STATUS_INVALID_PARAMETER,
      call: () => openAdapter(bad(0)),
    },
    {
      name: "openAdapter(rxe0, { completionPolicy: 'eager' })",
      expected: STATUS_INVALID_PARAMETER,
      call: () => openAdapter(f.rxe0, { completionPolicy: bad('eager') }),
    },
    {
      name: 'openAdapter(rxe0, null options)',
      expected: STATUS_INVALID_PARAMETER,
      call: () => openAdapter(f.rxe0, bad(null)),
    },
  ];

  it('rejects every bad input with an NdkError of the documented status, changing nothing', async () => {
    await expectNdkErrors(
      rows.map((row) => ({
        name: row.name,
        call: row.call,
        expected: {
          status: row.expected,
          code: row.code,
          errno: row.errno,
          syscall: row.errno === undefined ? undefined : 'ibv_open_device',
        },
      })),
    );
    for (const row of rows) row.after?.();
  });

  it.each([
    ['localToken', 'a region never registered', () => f.mrFresh, STATUS_INVALID_DEVICE_STATE],
    ['remoteToken', 'a region never registered', () => f.mrFresh, STATUS_INVALID_DEVICE_STATE],
    ['localToken', 'a closed region', () => f.mrClosed, STATUS_INVALID_HANDLE],
    [
      'remoteToken',
      'an rxe1 region closed while registered',
      () => f.mr1Closed,
      STATUS_INVALID_HANDLE,
    ],
  ] as const)('mr.%s on %s throws an NdkError', async (getter, _what, mr, expected) => {
    await expectNdkError(new Promise((resolve) => resolve(mr()[getter])), expected);
  });
});

describe('objects of two adapters (rxe0, rxe1)', () => {
  it('the same memory is registered once per adapter; each adapter answers for its own region', () => {
    expect(f.mrReg.isRegistered).toBe(true);
    expect(f.mr1Reg.isRegistered).toBe(true);
    expect(tokensOf(f.mrReg)).toEqual(f.regTokens);
    const ours = kernelObjects('mr').map((row) => String(row.ifname));
    for (const name of f.mrBaselineIfnames) ours.splice(ours.indexOf(name), 1);
    expect(ours.sort()).toEqual([f.rxe0, f.rxe1].sort());
  });

  it("an adapter's pending close waits for its own children only", async () => {
    // rxe1's closing adapter still waits for its PD; the other rxe1 adapter and rxe0 do not.
    await nextTurn();
    expect(f.closingAdapterCalls).toBe(0);
    expect(f.pdOfClosingAdapter.state).toBe(ObjectState.Open);
    const lone = ndkOpen(f.rxe0);
    expect(ntStatusName(NdkCloseObject(lone, neverCalled('lone close')))).toBe('STATUS_SUCCESS');
    const pd = ndkPd(f.a1);
    expect(ntStatusName(NdkCloseObject(pd, neverCalled('rxe1 pd close')))).toBe('STATUS_SUCCESS');
    // Closing the child lets the parent's close complete, once.
    expect(ntStatusName(NdkCloseObject(f.pdOfClosingAdapter, neverCalled('child')))).toBe(
      'STATUS_SUCCESS',
    );
    expect(f.closingAdapterCalls).toBe(0);
    expect(await waitFor(() => f.closingAdapterCalls > 0, 5000)).toBe(true);
    expect(f.closingAdapter.state).toBe(ObjectState.Closed);
    expect(ntStatusName(NdkCreatePd(f.closingAdapter, neverCalled('late'), null, {}))).toBe(
      'STATUS_INVALID_HANDLE',
    );
  });
});

describe('look-alike objects, detached memory and null options', () => {
  // An object with the right prototype but none of the private state: not an ndk-verbs object.
  const forged = <T extends object>(prototype: T): T => Object.create(prototype) as T;
  const detached = (): ArrayBuffer => {
    const buffer = new ArrayBuffer(64);
    structuredClone(buffer, { transfer: [buffer] });
    return buffer;
  };
  const viewOfDetached = (): Uint8Array => {
    const buffer = new ArrayBuffer(64);
    const view = new Uint8Array(buffer);
    structuredClone(buffer, { transfer: [buffer] });
    return view;
  };
  const rows: Row[] = [
    {
      name: 'NdkRegisterMr(a look-alike MemoryRegion)',
      expected: STATUS_INVALID_HANDLE,
      call: (c) => NdkRegisterMr(forged(MemoryRegion.prototype), Buffer.alloc(64), 64, 1, c),
    },
    {
      name: 'NdkDeregisterMr(a look-alike MemoryRegion)',
      expected: STATUS_INVALID_HANDLE,
      call: (c) => NdkDeregisterMr(forged(MemoryRegion.prototype), c),
    },
    {
      name: 'NdkGetRemoteTokenFromMr(a look-alike MemoryRegion)',
      expected: STATUS_INVALID_HANDLE,
      call: (_c, out) => NdkGetRemoteTokenFromMr(forged(MemoryRegion.prototype), out),
    },
    {
      name: 'NdkCreateMr(a look-alike ProtectionDomain)',
      expected: STATUS_INVALID_HANDLE,
      call: (c, out) => NdkCreateMr(forged(ProtectionDomain.prototype), false, c, 0, out),
    },
    {
      name: 'NdkCreatePd(a look-alike Adapter)',
      expected: STATUS_INVALID_HANDLE,
      call: (c, out) => NdkCreatePd(forged(Adapter.prototype), c, 0, out),
    },
    {
      name: 'NdkCloseObject(a look-alike MemoryRegion)',
      expected: STATUS_INVALID_HANDLE,
      call: (c) => NdkCloseObject(forged(MemoryRegion.prototype), c),
    },
    {
      name: 'NdkRegisterMr(a detached ArrayBuffer)',
      expected: STATUS_INVALID_PARAMETER,
      call: (c) => NdkRegisterMr(f.mrFresh, detached(), 1, 1, c),
      after: () => expect(f.mrFresh.isRegistered).toBe(false),
    },
    {
      name: 'NdkRegisterMr(a view over a detached ArrayBuffer)',
      expected: STATUS_INVALID_PARAMETER,
      call: (c) => NdkRegisterMr(f.mrFresh, viewOfDetached(), 1, 1, c),
    },
  ];
  it('are refused with their documented status', () => expectNdkRefusals(rows));

  it.each([
    ['mr.register(memory, null)', () => f.mrFresh.register(Buffer.alloc(64), bad(null))],
    [
      'mr.register(memory, { length: null })',
      () => f.mrFresh.register(Buffer.alloc(64), { length: bad(null) }),
    ],
    [
      'mr.register(memory, { flags: null })',
      () => f.mrFresh.register(Buffer.alloc(64), { flags: bad(null) }),
    ],
    ['mr.register(a detached ArrayBuffer)', () => f.mrFresh.register(detached())],
    ['pd.createMr(null)', () => f.pd0.createMr(bad(null))],
  ] as const)(
    '%s rejects with STATUS_INVALID_PARAMETER and changes nothing',
    async (_name, call) => {
      await expectNdkError(call, STATUS_INVALID_PARAMETER);
      expect(f.mrFresh.isRegistered).toBe(false);
    },
  );
});

describe('after the matrix', () => {
  it('no completion ran, nothing changed, no registration leaked; cleanup leaves zero MRs', async () => {
    await sleep(50);
    expect(strayCompletions).toEqual([]);
    stillFresh();
    stillRegistered();
    expect(kernelMrCount()).toBe(f.mrBaseline + 2);

    expect(ntStatusName(NdkCloseObject(f.mrOfClosingPd, neverCalled('mr of closing pd')))).toBe(
      'STATUS_SUCCESS',
    );
    expect(await waitFor(() => f.closingPdCalls > 0, 5000)).toBe(true);
    await f.a0.close();
    await f.a1.close();
    await sleep(20);
    expect(f.closingPdCalls).toBe(1);
    expect(f.closingAdapterCalls).toBe(1);
    expect(strayCompletions).toEqual([]);
    for (const object of [f.a0, f.a1, f.pd0, f.pd1, f.mrReg, f.mr1Reg, f.mrFresh]) {
      expect(object.state).toBe(ObjectState.Closed);
    }
    expect(kernelMrCount()).toBe(f.mrBaseline);
  });
});
