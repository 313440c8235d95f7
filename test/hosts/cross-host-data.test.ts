/**
 * Two SoftRoCE hosts on one virtual Ethernet, over the IPv4 RoCE v2 GIDs of their NICs: a 64 MiB
 * RDMA WRITE arrives intact at path MTU 1024 and 4096, and a region that host 0 deregisters is
 * out of host 1's reach (the write is refused at host 1, host 0's bytes do not change, a read on a
 * fresh queue pair is refused too, and the refused queue pairs flush what follows).
 */

import { type RunHostsResult } from '../../lib';
import {
  LATE_BYTE,
  PATH_MTUS,
  type RevocationReport,
  type TransferReport,
  WRITTEN_BYTE,
} from './guests/data-plan';
import { type Pair, startPair } from './support/pair';

const NOTHING_LEFT = { mr: 0, qp: 0, cq: 0, pd: 0 };
let pair: Pair;
let result: RunHostsResult;

beforeAll(async () => {
  pair = startPair(['data-server', 'data-client']);
  result = await pair.run.done;
}, 900_000);

afterAll(() => pair?.remove());

const report = <T>(name: string): T => pair.report<T>(name);

test('both hosts exit 0', () => {
  pair.expectSuccess(result, [0, 1]);
});

describe.each(PATH_MTUS)('a 64 MiB RDMA WRITE at path MTU %i', (pathMtu) => {
  test('completes with STATUS_SUCCESS and arrives intact (SHA-256 of both ends)', () => {
    const client = report<TransferReport>(`mtu${pathMtu}-client`);
    const server = report<{ sha256: string }>(`mtu${pathMtu}-server`);
    expect(client.status).toBe('STATUS_SUCCESS');
    expect(server.sha256).toBe(client.sha256);
    console.log(
      `64 MiB at path MTU ${pathMtu}: ${(client.ms / 1000).toFixed(2)} s, ` +
        `${(64 / (client.ms / 1000)).toFixed(1)} MiB/s`,
    );
  });
});

describe('cross-host revocation', () => {
  test('before: host 1 writes and reads back host 0 region', () => {
    const client = report<RevocationReport>('revocation-client');
    const server = report<{ seenBeforeRevocation: string }>('revocation-server');
    expect(client.writeBefore).toBe('STATUS_SUCCESS');
    expect(client.readBefore).toBe('STATUS_SUCCESS');
    expect(client.readBackMatches).toBe(true);
    expect(server.seenBeforeRevocation).toBe(WRITTEN_BYTE.toString(16).repeat(8));
  });

  test('after deregistration: the write is STATUS_ACCESS_VIOLATION at host 1, then flushed', () => {
    const client = report<RevocationReport>('revocation-client');
    expect(client.writeAfter).toBe('STATUS_ACCESS_VIOLATION');
    expect(client.writeAfterThat).toBe('STATUS_CANCELLED');
  });

  test(`host 0's bytes are unchanged (host 1 tried to write 0x${LATE_BYTE.toString(16)})`, () => {
    expect(report<{ unchanged: boolean }>('revocation-server').unchanged).toBe(true);
  });

  test('a read on a fresh queue pair is STATUS_ACCESS_VIOLATION too, then flushed', () => {
    const client = report<RevocationReport>('revocation-client');
    expect(client.readOnFreshQp).toBe('STATUS_ACCESS_VIOLATION');
    expect(client.readAfterThat).toBe('STATUS_CANCELLED');
  });

  test('each host kernel holds nothing of the test process after it closed its adapter', () => {
    expect(report<{ leftovers: unknown }>('revocation-server').leftovers).toEqual(NOTHING_LEFT);
    expect(report<{ leftovers: unknown }>('revocation-client').leftovers).toEqual(NOTHING_LEFT);
  });
});
