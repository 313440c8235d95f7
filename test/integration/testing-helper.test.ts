/**
 * `ndk-verbs/testing` as a user's test uses it: loaded by the package's name, so through the
 * `exports` of package.json (Node resolves a package's own name from inside it), never by a path
 * into lib/. Its view of the kernel is checked against `ndk-verbs resources`, and each check is
 * shown to fail when it should.
 */

import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';

import { NdkMrFlags, NtStatus } from '../../lib';
// The types come from the source; the code comes from the package's published entry point.
import type * as Testing from '../../lib/testing';

const root = resolve(__dirname, '../../..');
// eslint-disable-next-line @typescript-eslint/no-require-imports -- by name, as a user's test does
const testing = require('ndk-verbs/testing') as typeof Testing;
const { expectNdkError, expectNoLeaks, kernelResources, openFixture } = testing;

const cli = join(root, 'dist/lib/cli/main.js');
const REGION_BYTES = 65536;

/** What `ndk-verbs resources --pid <this process> --json` reports, counted per kind. */
function resourcesCommand(pid: number = process.pid): {
  mrs: number;
  mrBytes: number[];
  pds: number;
  qps: number;
  cqs: number;
} {
  const out = execFileSync(process.execPath, [cli, 'resources', '--pid', String(pid), '--json'], {
    encoding: 'utf8',
  });
  const [entry] = JSON.parse(out) as Array<{
    mrs: Array<{ bytes: number }>;
    pds: unknown[];
    qps: unknown[];
    cqs: unknown[];
  }>;
  return {
    mrs: entry.mrs.length,
    mrBytes: entry.mrs.map((mr) => mr.bytes).sort((a, b) => a - b),
    pds: entry.pds.length,
    qps: entry.qps.length,
    cqs: entry.cqs.length,
  };
}

it("'ndk-verbs/testing' resolves through the package's exports to the compiled helper", () => {
  expect(require.resolve('ndk-verbs/testing')).toBe(join(root, 'dist/lib/testing/index.js'));
  expect(require.resolve('ndk-verbs')).toBe(join(root, 'dist/lib/index.js'));
});

it('a fixture moves data over its connected pair; the helper, the CLI and the kernel agree', async () => {
  const fixture = await openFixture();
  try {
    const { local, remote, localQp, remoteQp } = fixture;
    const target = Buffer.alloc(REGION_BYTES);
    const targetMr = await local.pd.createMr();
    await targetMr.register(target, {
      flags: NdkMrFlags.NDK_MR_FLAG_ALLOW_LOCAL_WRITE | NdkMrFlags.NDK_MR_FLAG_ALLOW_REMOTE_WRITE,
    });
    // Registered on one of the addon's request threads: the kernel records that thread's id.
    const source = Buffer.alloc(4096, 0x5a);
    const sourceMr = await remote.pd.createMr({ completionPolicy: 'deferred' });
    await sourceMr.register(source, { flags: NdkMrFlags.NDK_MR_FLAG_ALLOW_LOCAL_WRITE });

    await remoteQp.write(
      { mr: sourceMr, offset: 0, length: 4096 },
      { address: targetMr.address, token: targetMr.remoteToken },
    );
    expect(target.subarray(0, 4096).equals(source)).toBe(true);
    expect(localQp.state).toBe(remoteQp.state);

    const held = kernelResources();
    const threadsOfRegions = held.mrs.map((mr) => mr.tid);
    expect({
      mrs: held.mrs.length,
      mrBytes: held.mrs.map((mr) => mr.bytes).sort((a, b) => (a ?? 0) - (b ?? 0)),
      pds: held.pds.length,
      qps: held.qps.length,
      cqs: held.cqs.length,
    }).toEqual({ mrs: 2, mrBytes: [4096, REGION_BYTES], pds: 2, qps: 2, cqs: 2 });
    // One region is the main thread's, the other a request thread's: both count for this process.
    expect(threadsOfRegions).toContain(process.pid);
    expect(threadsOfRegions.some((tid) => tid !== process.pid)).toBe(true);
    expect(resourcesCommand()).toEqual({
      mrs: 2,
      mrBytes: [4096, REGION_BYTES],
      pds: 2,
      qps: 2,
      cqs: 2,
    });

    // Before the fixture is closed, the leak check must fail and name what is held.
    expect(() => expectNoLeaks()).toThrow(/2 mrs \(expected at most 0\).*65536 bytes/);
    expect(() => expectNoLeaks({ mrs: 2, pds: 2, qps: 2, cqs: 2 })).not.toThrow();
  } finally {
    await fixture.close();
  }
  expectNoLeaks();
});

it('expectNdkError passes on the expected refusal and fails on any other outcome', async () => {
  await using fixture = await openFixture();
  const mr = await fixture.local.pd.createMr();
  await mr.close();
  const error = await expectNdkError(
    () => mr.register(Buffer.alloc(4096)),
    NtStatus.STATUS_INVALID_HANDLE,
  );
  expect(error.statusName).toBe('STATUS_INVALID_HANDLE');

  await expect(
    expectNdkError(() => mr.register(Buffer.alloc(4096)), NtStatus.STATUS_DEVICE_BUSY),
  ).rejects.toThrow(
    'expected a rejection with NdkError STATUS_DEVICE_BUSY, but the call rejected with NdkError STATUS_INVALID_HANDLE',
  );
  await expect(expectNdkError(Promise.resolve(1), NtStatus.STATUS_DEVICE_BUSY)).rejects.toThrow(
    'but the call resolved',
  );
  await expect(
    expectNdkError(() => {
      throw new TypeError('synchronous');
    }, NtStatus.STATUS_DEVICE_BUSY),
  ).rejects.toThrow('but the call threw TypeError: synchronous');
});
