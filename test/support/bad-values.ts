/**
 * The shared tables of bad arguments. Each table is an object keyed by a short identifier; each
 * entry has the label a test name shows and a `make()` that builds a fresh value (some values, such
 * as Buffers, must not be shared between calls). A test takes a whole table with {@link rowsOf} or
 * some of its entries by key with {@link pick}: a misspelt key is a compile error, and relabelling
 * an entry changes no test's selection.
 *
 * The statuses the values deserve are the tests' business: the same value may be a bad length
 * (`STATUS_INVALID_BUFFER_SIZE`) to one function and a bad parameter to another.
 */

import { allocate, NdkMrFlags } from '../../lib';

/** One bad value: how a test name shows it, and how to make it. */
export interface BadValue<T = unknown> {
  readonly label: string;
  readonly make: () => T;
}

/** A table of bad values by key. */
export type BadValueTable = Readonly<Record<string, BadValue>>;

/** `[label, make]` pairs, the shape `it.each` / `describe.each` and row builders take. */
export type BadValueRow = readonly [label: string, make: () => unknown];

const value = <T>(label: string, make: () => T): BadValue<T> => ({ label, make });
const constant = <T>(label: string, v: T): BadValue<T> => ({ label, make: () => v });

/** Every entry of `table`, in its order. */
export function rowsOf(table: BadValueTable): BadValueRow[] {
  return Object.values(table).map((entry) => [entry.label, entry.make] as const);
}

/** The entries of `table` named by `keys`, in the order given. */
export function pick<Table extends BadValueTable>(
  table: Table,
  ...keys: Array<keyof Table>
): BadValueRow[] {
  return keys.map((key) => [table[key].label, table[key].make] as const);
}

/** Passes a deliberately ill-typed value through the type checker. */
export function bad<T>(v: unknown): T {
  return v as T;
}

/** Values that are no object at all, or an object of no ndk-verbs kind: bad handles everywhere. */
export const notObjects = {
  null: constant('null', null),
  undefined: constant('undefined', undefined),
  number: constant('a number', 42),
  string: constant('a string', 'rxe0'),
  plainObject: value('a plain {}', () => ({})),
  buffer: value('a Buffer', () => Buffer.alloc(16)),
} satisfies BadValueTable;

/** Values that are not functions: bad completions and notification callbacks. */
export const notFunctions = {
  null: constant('null', null),
  undefined: constant('undefined', undefined),
  string: constant('a string', 'callback'),
  plainObject: value('a plain {}', () => ({})),
} satisfies BadValueTable;

/** Values that are not an out-parameter object (`NdkOut<T>`). */
export const notOuts = {
  null: constant('null', null),
  undefined: constant('undefined', undefined),
  number: constant('a number', 7),
  string: constant('a string', 'out'),
} satisfies BadValueTable;

/**
 * Values that are not a non-negative safe integer: bad counts, depths, lengths and offsets. Zero
 * and sizes beyond a buffer are left out: whether they are bad, and how, depends on the function.
 */
export const notCounts = {
  minusOne: constant('-1', -1),
  nan: constant('NaN', NaN),
  fraction: constant('1.5', 1.5),
  infinity: constant('Infinity', Infinity),
  minusInfinity: constant('-Infinity', -Infinity),
  twoTo53: constant('2^53', 2 ** 53),
  twoTo53Plus2: constant('2^53 + 2', 2 ** 53 + 2),
  twoTo64: constant('2^64', 2 ** 64),
  numericString: constant("the string '16'", '16'),
  bigint: constant('the bigint 16n', 16n),
  null: constant('null', null),
  undefined: constant('undefined', undefined),
} satisfies BadValueTable;

/** Flag words with a bit no `NdkMrFlags` defines, or that are no flag word at all. */
export const badFlags = {
  bit4: constant('0x10', 0x10),
  bit8: constant('0x100', 0x100),
  localWriteAndBit6: constant(
    'LOCAL_WRITE | 0x40',
    NdkMrFlags.NDK_MR_FLAG_ALLOW_LOCAL_WRITE | 0x40,
  ),
  bit31: constant('0x80000000', 0x80000000),
  allOnes: constant('0xffffffff', 0xffffffff),
  twoTo32: constant('2^32', 2 ** 32),
  minusOne: constant('-1', -1),
  fraction: constant('1.5', 1.5),
  nan: constant('NaN', NaN),
  numericString: constant("the string '1'", '1'),
  true: constant('true', true),
  null: constant('null', null),
  undefined: constant('undefined', undefined),
} satisfies BadValueTable;

/** Options arguments that are refused: not an object, or a `completionPolicy` no one defined. */
export const badOptions = {
  null: constant('null', null),
  number: constant('a number', 5),
  string: constant("the string 'inline'", 'inline'),
  unknownPolicy: value("{ completionPolicy: 'eager' }", () => ({ completionPolicy: 'eager' })),
  numericPolicy: value('{ completionPolicy: 1 }', () => ({ completionPolicy: 1 })),
} satisfies BadValueTable;

/**
 * Queue-pair retry options (`retryCount` 0–6, `rnrRetryCount` 0–7, `timeoutExponent` 0–31) that
 * are refused: one option out of its range or no integer; `make()` gives the options object.
 */
export const badRetryOptions = {
  retryCountSeven: value('{ retryCount: 7 } (retry forever on rxe)', () => ({ retryCount: 7 })),
  retryCountMinusOne: value('{ retryCount: -1 }', () => ({ retryCount: -1 })),
  retryCountFraction: value('{ retryCount: 2.5 }', () => ({ retryCount: 2.5 })),
  retryCountString: value("{ retryCount: '3' }", () => ({ retryCount: '3' })),
  retryCountNull: value('{ retryCount: null }', () => ({ retryCount: null })),
  rnrRetryCountEight: value('{ rnrRetryCount: 8 }', () => ({ rnrRetryCount: 8 })),
  rnrRetryCountMinusOne: value('{ rnrRetryCount: -1 }', () => ({ rnrRetryCount: -1 })),
  rnrRetryCountNaN: value('{ rnrRetryCount: NaN }', () => ({ rnrRetryCount: NaN })),
  rnrRetryCountBigint: value('{ rnrRetryCount: 3n }', () => ({ rnrRetryCount: 3n })),
  timeoutExponent32: value('{ timeoutExponent: 32 }', () => ({ timeoutExponent: 32 })),
  timeoutExponentMinusOne: value('{ timeoutExponent: -1 }', () => ({ timeoutExponent: -1 })),
  timeoutExponentFraction: value('{ timeoutExponent: 14.5 }', () => ({ timeoutExponent: 14.5 })),
  timeoutExponentInfinity: value('{ timeoutExponent: Infinity }', () => ({
    timeoutExponent: Infinity,
  })),
  timeoutExponent2To32: value('{ timeoutExponent: 2^32 + 14 }', () => ({
    timeoutExponent: 2 ** 32 + 14,
  })),
} satisfies BadValueTable;

/** Device names `NdkOpenAdapter` refuses as parameters (not as unknown devices). */
export const badDeviceNames = {
  null: constant('null', null),
  undefined: constant('undefined', undefined),
  number: constant('a number', 0),
  empty: constant("''", ''),
  plainObject: value('a plain {}', () => ({})),
} satisfies BadValueTable;

/** Memory that cannot be registered at all, whatever the length (16 bytes are asked for). */
export const unregistrableMemory = {
  null: constant('null', null),
  undefined: constant('undefined', undefined),
  string: constant('a string', 'sixteen bytes...'),
  number: constant('a number', 4096),
  plainObject: value('a plain {}', () => ({})),
  numberArray: value('an array of numbers', () => [1, 2, 3, 4]),
  arrayBufferLookAlike: value('an ArrayBuffer look-alike', () => ({
    byteLength: 16,
    buffer: new ArrayBuffer(16),
  })),
  pooledBufferFrom: value("a slice of Node's Buffer pool (Buffer.from)", () =>
    Buffer.from('pooled bytes and more'),
  ),
  pooledAllocUnsafe: value("a slice of Node's Buffer pool (allocUnsafe)", () =>
    Buffer.allocUnsafe(64),
  ),
  resizable: value('a resizable ArrayBuffer', () => new ArrayBuffer(4096, { maxByteLength: 8192 })),
} satisfies BadValueTable;

/**
 * Registrable memory, each with the length just beyond its end (views count, not the buffers under
 * them): `make()` gives `[memory, length]`.
 */
export const memoryWithLengthBeyondEnd = {
  arrayBuffer16: value('an ArrayBuffer(16), length 17', () => [new ArrayBuffer(16), 17] as const),
  allocated4096: value('allocate(4096), length 4097', () => [allocate(4096), 4097] as const),
  subarray100: value(
    'a 100-byte subarray of an 8 KiB Buffer, length 101',
    () => [Buffer.alloc(8192).subarray(4096, 4196), 101] as const,
  ),
  uint32Array16: value(
    'a Uint32Array(16) (64 bytes), length 65',
    () => [new Uint32Array(16), 65] as const,
  ),
  dataView10: value(
    'a DataView over 10 bytes, length 11',
    () => [new DataView(new ArrayBuffer(64), 8, 10), 11] as const,
  ),
  emptyBuffer: value('an empty Buffer, length 1', () => [Buffer.alloc(0), 1] as const),
} satisfies BadValueTable;

/** Scatter/gather lists that are malformed whatever the fixtures (no region involved). */
export const malformedSgls = {
  null: constant('null', null),
  undefined: constant('undefined', undefined),
  number: constant('a number', 4096),
  string: constant('a string', 'sge'),
  emptyList: value('an empty list', () => []),
  plainObject: value('{} (no mr, no length)', () => ({})),
  listOfNull: value('[null]', () => [null]),
  mrNull: value('{ mr: null, length: 16 }', () => ({ mr: null, length: 16 })),
  mrNumber: value('{ mr: 1, length: 16 } (a token in place of the region)', () => ({
    mr: 1,
    length: 16,
  })),
} satisfies BadValueTable;

/**
 * Remote addresses that are no 64-bit address (`NdkWrite` / `NdkRead` take a bigint or a safe
 * non-negative integer).
 */
export const badRemoteAddresses = {
  minusOne: constant('-1', -1),
  minusOneBigint: constant('-1n', -1n),
  twoTo64Bigint: constant('2n ** 64n', 2n ** 64n),
  fraction: constant('4096.5', 4096.5),
  nan: constant('NaN', NaN),
  twoTo53: constant('2^53 (not a safe integer)', 2 ** 53),
  numericString: constant("the string '4096'", '4096'),
  null: constant('null', null),
  undefined: constant('undefined', undefined),
} satisfies BadValueTable;

/** Remote tokens that are no 32-bit unsigned integer. */
export const badTokens = {
  minusOne: constant('-1', -1),
  twoTo32: constant('2^32', 2 ** 32),
  fraction: constant('1.5', 1.5),
  nan: constant('NaN', NaN),
  numericString: constant("the string '1'", '1'),
  bigint: constant('the bigint 1n', 1n),
  null: constant('null', null),
  undefined: constant('undefined', undefined),
} satisfies BadValueTable;

/**
 * Peer addresses `connect` refuses, each made from a valid one (`{ gid, qpn, psn, port }`) with one
 * part spoiled, or no address at all.
 */
export function badPeerAddresses(valid: {
  gid: string | Uint8Array;
  qpn: number;
  psn: number;
  port: number;
}) {
  const spoil = (label: string, change: Record<string, unknown>) =>
    value(label, () => ({ ...valid, ...change }));
  return {
    null: constant('null', null),
    undefined: constant('undefined', undefined),
    string: constant('a string', 'fe80::1'),
    plainObject: value('a plain {}', () => ({})),
    gidMissing: spoil('no gid', { gid: undefined }),
    gidShortBytes: spoil('a 15-byte gid', { gid: new Uint8Array(15) }),
    gidNotIpv6: spoil("gid 'not-an-address'", { gid: 'not-an-address' }),
    gidTwoDoubleColons: spoil("gid 'fe80::1::2'", { gid: 'fe80::1::2' }),
    gidNumber: spoil('gid a number', { gid: 1 }),
    qpnNegative: spoil('qpn -1', { qpn: -1 }),
    qpnTooBig: spoil('qpn 2^24', { qpn: 2 ** 24 }),
    qpnFraction: spoil('qpn 1.5', { qpn: 1.5 }),
    qpnString: spoil("qpn '17'", { qpn: '17' }),
    psnTooBig: spoil('psn 2^24', { psn: 2 ** 24 }),
    psnNaN: spoil('psn NaN', { psn: NaN }),
    portZero: spoil('port 0', { port: 0 }),
    portTooBig: spoil('port 256', { port: 256 }),
    portMissing: spoil('no port', { port: undefined }),
  } satisfies BadValueTable;
}
