/**
 * GID choice against real devices: the GID tables `listDevices()` (and `ndk-verbs devices`) report
 * are the kernel's (sysfs), `localAddress()` picks by index or family, a GID that does not exist
 * is STATUS_INVALID_PARAMETER (NDK style: returned, not thrown), and a pair connected from chosen
 * GIDs carries data. On the VM's veth devices the table holds only IPv6 GIDs.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import { listDevices, NdkError, NdkGetQpAddress, NtStatus, type QpAddress } from '../../lib';
import { closePeers, openPeers, REMOTE_ACCESS, remoteBuffer, type Side } from '../support/peers';

const SYSFS = '/sys/class/infiniband';
const ZERO = '0000:0000:0000:0000:0000:0000:0000:0000';

/** The valid GIDs of a port as sysfs shows them: index → [gid, type]. */
function sysfsGids(device: string, port: number): Array<[number, string, string]> {
  const dir = path.join(SYSFS, device, 'ports', String(port));
  const found: Array<[number, string, string]> = [];
  for (const name of fs.readdirSync(path.join(dir, 'gids'))) {
    const gid = fs.readFileSync(path.join(dir, 'gids', name), 'utf8').trim();
    if (gid === ZERO) continue;
    let type: string;
    try {
      type = fs.readFileSync(path.join(dir, 'gid_attrs', 'types', name), 'utf8').trim();
    } catch {
      continue; // an entry being removed: sysfs no longer has its type
    }
    found.push([Number(name), gid, type === 'IB/RoCE v1' ? 'RoCE v1' : type]);
  }
  return found.sort((a, b) => a[0] - b[0]);
}

describe('GID tables', () => {
  test('listDevices() reports every port GID table as sysfs shows it', () => {
    const devices = listDevices();
    expect(devices.length).toBeGreaterThan(0);
    for (const device of devices) {
      for (const port of device.ports) {
        const reported = port.gids.map((g) => [g.index, g.gid, g.type]);
        expect({ device: device.name, gids: reported }).toEqual({
          device: device.name,
          gids: sysfsGids(device.name, port.port),
        });
        if (device.ports[0].linkLayer === 'Ethernet') expect(port.gids.length).toBeGreaterThan(0);
      }
    }
  });
});

describe('localAddress() and connect() with a GID choice', () => {
  let local: Side;
  let remote: Side;

  beforeEach(async () => {
    ({ local, remote } = await openPeers());
  });

  afterEach(async () => {
    await closePeers(local, remote);
  });

  test('by index and by family: index 0 is the default and the IPv6 RoCE v2 GID on rxe', async () => {
    const qp = await local.pd.createQp(local.cq);
    const plain = qp.localAddress();
    expect(qp.localAddress({ gidIndex: 0 })).toEqual(plain);
    expect(qp.localAddress({ gidFamily: 'ipv6' }).gid).toBe(plain.gid);
    expect(plain.gid).toMatch(/^fe80:/);
    await qp.close();
  });

  test('a GID that does not exist is STATUS_INVALID_PARAMETER, thrown by localAddress, returned by NdkGetQpAddress', async () => {
    const qp = await local.pd.createQp(local.cq);
    const missing = [{ gidIndex: 200 }, { gidFamily: 'ipv4' as const }];
    for (const options of missing) {
      let error: unknown;
      try {
        qp.localAddress(options);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(NdkError);
      expect((error as NdkError).status).toBe(NtStatus.STATUS_INVALID_PARAMETER);
      const out: { value?: QpAddress } = {};
      expect(NdkGetQpAddress(qp, out, options)).toBe(NtStatus.STATUS_INVALID_PARAMETER);
      expect(out.value).toBeUndefined();
    }
    const peer = (await remote.pd.createQp(remote.cq)).localAddress();
    await expect(qp.connect(peer, { gidIndex: 200 })).rejects.toMatchObject({
      status: NtStatus.STATUS_INVALID_PARAMETER,
    });
    await expect(qp.connect(peer, { pathMtu: 1500 as 1024 })).rejects.toMatchObject({
      status: NtStatus.STATUS_INVALID_PARAMETER,
    });
    await qp.close();
  });

  test('a pair connected from GIDs chosen by family (path MTU 1024) carries an RDMA WRITE', async () => {
    const responder = await local.pd.createQp(local.cq);
    const requester = await remote.pd.createQp(remote.cq);
    await responder.connect(requester.localAddress({ gidFamily: 'ipv6' }), { pathMtu: 1024 });
    await requester.connect(responder.localAddress({ gidIndex: 0 }), { gidFamily: 'ipv6' });
    const memory = Buffer.alloc(4096);
    const mr = await local.pd.createMr();
    await mr.register(memory, { flags: REMOTE_ACCESS });
    const source = await remoteBuffer(remote, 4096, 0x42);
    const result = await requester.write(
      { mr: source.mr, length: 4096 },
      { address: mr.address, token: mr.remoteToken },
    );
    expect(result.verbsStatus).toBe('IBV_WC_SUCCESS');
    expect(memory.equals(Buffer.alloc(4096, 0x42))).toBe(true);
    await Promise.all([responder.close(), requester.close()]);
  });
});
