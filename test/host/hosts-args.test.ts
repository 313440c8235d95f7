// The multi-host pieces that need no VM: `ndk-verbs vm --hosts` / `--host i --` parsing, the
// switch between the hosts (with real UDP sockets standing in for the guests' NICs), the
// line prefixes of their output, and the choice of a GID in a port's table.
import * as dgram from 'node:dgram';
import { Writable } from 'node:stream';
import { parseVmArgs, UsageError } from '../../lib/cli/vm-args';
import {
  chooseGidIndex,
  connectOptions,
  gidChoice,
  type RawGidEntry,
} from '../../lib/ndk/gid-choice';
import { EthernetHub } from '../../lib/vm/ethernet-hub';
import { hostAddress, hostDeviceName, hostQemuExtras } from '../../lib/vm/host-network';
import { LinePrefixer } from '../../lib/vm/line-prefix';
import { runHosts } from '../../lib/vm/run-hosts';

describe('ndk-verbs vm --hosts', () => {
  test('--hosts N with one command: every host runs it', () => {
    expect(parseVmArgs(['--hosts', '2', '--timeout=60', '--', 'node', 'a.js'])).toEqual({
      help: false,
      hosts: 2,
      timeoutSeconds: 60,
      command: ['node', 'a.js'],
    });
  });

  test('the per-host form gives each host its command; the count comes from the commands', () => {
    const args = parseVmArgs([
      '--host',
      '0',
      '--',
      'node',
      'server.js',
      '--host',
      '1',
      '--',
      'node',
      'client.js',
    ]);
    expect(args).toEqual({
      help: false,
      command: [],
      hosts: 2,
      hostCommands: [
        ['node', 'server.js'],
        ['node', 'client.js'],
      ],
    });
  });

  test('hosts may come in any order, and a command may have a --host argument of its own', () => {
    const args = parseVmArgs([
      '--hosts',
      '2',
      '--host',
      '1',
      '--',
      'b',
      '--host',
      'x',
      '--host',
      '0',
      '--',
      'a',
    ]);
    expect(args).toMatchObject({ hosts: 2, hostCommands: [['a'], ['b', '--host', 'x']] });
  });

  test.each([
    [['--hosts', '1', '--', 'x'], /--hosts must be a whole number from 2 to 4/],
    [['--hosts', '5', '--', 'x'], /--hosts must be a whole number from 2 to 4/],
    [['--host', '0', '--', 'a'], /needs 2 to 4 hosts, not 1/],
    [['--host', '0', '--', 'a', '--host', '2', '--', 'b'], /host 1 has no command/],
    [
      ['--hosts', '2', '--host', '0', '--', 'a', '--host', '2', '--', 'b'],
      /--host 2 is not below --hosts 2/,
    ],
    [['--host', '0', '--', 'a', '--host', '0', '--', 'b'], /--host 0 is given twice/],
    [['--host', '0', '--', '--host', '1', '--', 'b'], /--host 0 has no command/],
    [['--host', 'a', '--', 'x'], /expected "--host <index> -- <command>"/],
    [['--hosts', '3', '--host', '0', '--', 'a', '--host', '1', '--', 'b'], /host 2 has no command/],
  ])('%j is a usage error', (argv, message) => {
    expect(() => parseVmArgs(argv)).toThrow(UsageError);
    expect(() => parseVmArgs(argv)).toThrow(message);
  });

  test('runHosts refuses bad settings before booting anything', () => {
    expect(() => runHosts({ hosts: 1, command: ['true'] })).toThrow(RangeError);
    expect(() => runHosts({ hosts: 2, command: [] })).toThrow(/no command to run on host 0/);
    expect(() => runHosts({ hosts: 2, command: (h) => (h === 1 ? [] : ['true']) })).toThrow(
      /no command to run on host 1/,
    );
  });
});

describe('host network settings', () => {
  test('addresses are link-local, the NIC device comes after the veth devices', () => {
    expect([0, 1, 3].map(hostAddress)).toEqual(['169.254.0.1', '169.254.0.2', '169.254.0.4']);
    expect(hostDeviceName(2)).toBe('rxe2');
  });

  test("each host's QEMU gets a NIC towards its hub port without an option ROM, and the share", () => {
    const extra = hostQemuExtras({
      index: 1,
      addresses: ['169.254.0.1', '169.254.0.2'],
      hubPort: 40000,
      sharedDir: '/tmp/a,b',
    });
    expect(extra.args.join(' ')).toContain('remote.port=40000');
    expect(extra.args).toContain('virtio-net-pci,netdev=segment,mac=52:54:00:4e:44:02,romfile=');
    expect(extra.args).toContain('local,path=/tmp/a,,b,mount_tag=shared,security_model=none');
    expect(extra.append).toContain('ndkv_host_index=1');
    expect(extra.append).toContain('ndkv_host_mtu=9000');
    expect(() =>
      hostQemuExtras({ index: 0, addresses: [], hubPort: 1, sharedDir: '/tmp/a b' }),
    ).toThrow(/whitespace/);
  });
});

describe('the switch between the hosts', () => {
  let hub: EthernetHub;
  let guests: dgram.Socket[];
  const received: Buffer[][] = [[], [], []];

  /** An Ethernet frame from MAC …:0<from> to `to` (a MAC's last byte, or 0xff for broadcast). */
  const frame = (from: number, to: number, payload: string): Buffer =>
    Buffer.concat([
      Buffer.from(
        to === 0xff ? 'ffffffffffff' : `5254004e44${to.toString(16).padStart(2, '0')}`,
        'hex',
      ),
      Buffer.from(`5254004e44${from.toString(16).padStart(2, '0')}`, 'hex'),
      Buffer.from('0800', 'hex'),
      Buffer.from(payload),
    ]);
  const send = (host: number, data: Buffer): void =>
    guests[host].send(data, hub.portOf(host), '127.0.0.1');
  const settle = (ms = 100): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
  const payloads = (host: number): string[] => received[host].map((f) => f.subarray(14).toString());

  beforeAll(async () => {
    hub = await EthernetHub.open(3);
    guests = await Promise.all(
      [0, 1, 2].map(
        (host) =>
          new Promise<dgram.Socket>((resolve) => {
            const socket = dgram.createSocket('udp4');
            socket.on('message', (data) => received[host].push(data));
            socket.bind(0, '127.0.0.1', () => resolve(socket));
          }),
      ),
    );
    // Each guest speaks first (as a booting guest does), so the switch learns its port and MAC.
    for (const host of [0, 1, 2]) send(host, frame(host + 1, 0xff, `hello ${host}`));
    await settle();
  });

  beforeEach(() => received.forEach((list) => list.splice(0)));

  afterAll(() => {
    hub.close();
    for (const socket of guests) socket.close();
  });

  test('broadcasts reach every other host; a learned MAC only its own host', async () => {
    send(0, frame(1, 0xff, 'to all'));
    send(0, frame(1, 3, 'to host 2'));
    await settle();
    expect(payloads(1)).toEqual(['to all']);
    expect(payloads(2)).toEqual(['to all', 'to host 2']);
    expect(payloads(0)).toEqual([]);
  });

  test('a link that is down drops frames both ways, and carries them again once up', async () => {
    hub.setLink(1, 'down');
    send(0, frame(1, 2, 'lost'));
    send(1, frame(2, 1, 'lost too'));
    await settle();
    expect(payloads(1)).toEqual([]);
    expect(payloads(0)).toEqual([]);
    hub.setLink(1, 'up');
    send(0, frame(1, 2, 'back'));
    await settle();
    expect(payloads(1)).toEqual(['back']);
  });

  test('100 % loss drops everything; a delay holds frames back', async () => {
    hub.setConditions(2, { lossPercent: 100 });
    send(0, frame(1, 3, 'lost'));
    await settle();
    expect(payloads(2)).toEqual([]);
    hub.setConditions(2, { delayMs: 300 });
    send(0, frame(1, 3, 'late'));
    await settle(100);
    expect(payloads(2)).toEqual([]);
    await settle(400);
    expect(payloads(2)).toEqual(['late']);
    hub.setConditions(2, {});
  });
});

describe('output prefixes', () => {
  test('every line gets the prefix once, also across chunks and at the end without a newline', async () => {
    let text = '';
    const prefixer = new LinePrefixer('[host 1] ');
    prefixer.pipe(
      new Writable({ write: (c: Buffer, _e, done) => ((text += c.toString()), done()) }),
    );
    prefixer.write('one\ntw');
    prefixer.write('o\n\nthr');
    // A character cut in two by the chunks is decoded whole.
    const euro = Buffer.from('€');
    prefixer.write(Buffer.concat([Buffer.from('ee '), euro.subarray(0, 1)]));
    prefixer.write(euro.subarray(1));
    await new Promise((resolve) => prefixer.end(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(text).toBe('[host 1] one\n[host 1] two\n[host 1] \n[host 1] three €\n');
  });
});

describe('GID choice', () => {
  const gid = (hex: string): Uint8Array => Buffer.from(hex.replace(/:/g, ''), 'hex');
  const LINK_LOCAL = gid('fe80:0000:0000:0000:5054:00ff:fe4e:4401');
  const IPV4 = gid('0000:0000:0000:0000:0000:ffff:a9fe:0001');
  const rxe: RawGidEntry[] = [
    { index: 0, gid: LINK_LOCAL, type: 'RoCE v2' },
    { index: 1, gid: IPV4, type: 'RoCE v2' },
  ];
  // An RNIC lists each address twice, RoCE v1 first.
  const rnic: RawGidEntry[] = [
    { index: 0, gid: LINK_LOCAL, type: 'RoCE v1' },
    { index: 1, gid: LINK_LOCAL, type: 'RoCE v2' },
    { index: 2, gid: IPV4, type: 'RoCE v1' },
    { index: 3, gid: IPV4, type: 'RoCE v2' },
  ];

  test('by family: the RoCE v2 GID of that family', () => {
    expect(chooseGidIndex(rxe, { gidFamily: 'ipv4' })).toEqual({ index: 1 });
    expect(chooseGidIndex(rxe, { gidFamily: 'ipv6' })).toEqual({ index: 0 });
    expect(chooseGidIndex(rnic, { gidFamily: 'ipv4' })).toEqual({ index: 3 });
    expect(chooseGidIndex(rnic, { gidFamily: 'ipv6' })).toEqual({ index: 1 });
    expect(chooseGidIndex(rnic.slice(0, 3), { gidFamily: 'ipv4' })).toEqual({ index: 2 });
  });

  test('a GID that does not exist is STATUS_INVALID_PARAMETER', () => {
    expect(chooseGidIndex(rxe, { gidIndex: 2 })).toMatchObject({ status: 0xc000000d });
    expect(chooseGidIndex(rxe.slice(0, 1), { gidFamily: 'ipv4' })).toMatchObject({
      status: 0xc000000d,
    });
    expect(chooseGidIndex(rxe, { gidIndex: 1 })).toEqual({ index: 1 });
  });

  test.each([
    [null],
    [5],
    [{ gidIndex: -1 }],
    [{ gidIndex: 1.5 }],
    [{ gidIndex: 256 }],
    [{ gidFamily: 'ipx' }],
    [{ gidIndex: 1, gidFamily: 'ipv4' }],
  ])('bad options %j are STATUS_INVALID_PARAMETER', (options) => {
    expect(gidChoice(options)).toMatchObject({ status: 0xc000000d });
  });

  test('connect options: path MTU 1024 by default, only the RoCE sizes', () => {
    expect(connectOptions(undefined)).toEqual({ pathMtu: 1024 });
    expect(connectOptions({ pathMtu: 4096, gidFamily: 'ipv4' })).toEqual({
      gidFamily: 'ipv4',
      pathMtu: 4096,
    });
    expect(connectOptions({ pathMtu: 1500 })).toMatchObject({ status: 0xc000000d });
  });
});
