// An install that explains itself. `npm install` runs scripts/check-build-deps.sh before node-gyp:
// with pkg-config or libibverbs' development files hidden, it must stop with one line that names
// the package and the apt-get / dnf command, not a compiler's stack. And `require('ndk-verbs')` on
// a machine without the libibverbs library must say so: proved by loading the package in a mount
// namespace where an overlay hides libibverbs.so* from the dynamic loader, as on such a machine.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
const CHECK = path.join(ROOT, 'scripts', 'check-build-deps.sh');
const LIBDIR = '/usr/lib/x86_64-linux-gnu';
let scratch: string;

beforeAll(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ndk-verbs-install-test-'));
});
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** A PATH directory with every program of /usr/bin except `hidden`. */
function pathWithout(...hidden: string[]): string {
  const dir = fs.mkdtempSync(path.join(scratch, 'bin-'));
  for (const name of fs.readdirSync('/usr/bin')) {
    if (!hidden.includes(name)) fs.symlinkSync(path.join('/usr/bin', name), path.join(dir, name));
  }
  return dir;
}

function check(env: NodeJS.ProcessEnv): { status: number | null; lines: string[] } {
  const run = spawnSync('bash', [CHECK], { env: { ...process.env, ...env }, encoding: 'utf8' });
  return { status: run.status, lines: (run.stdout + run.stderr).split('\n').filter(Boolean) };
}

it('a machine with everything: the check passes silently', () => {
  expect(check({})).toEqual({ status: 0, lines: [] });
});

it('without pkg-config: one line naming it, with the apt-get and dnf commands', () => {
  const result = check({ PATH: pathWithout('pkg-config', 'x86_64-linux-gnu-pkg-config') });
  expect(result).toEqual({
    status: 1,
    lines: [
      'ndk-verbs: cannot build the addon, missing pkg-config (the program). Install: ' +
        'sudo apt-get install -y pkg-config (Debian/Ubuntu) or sudo dnf install -y pkgconf-pkg-config (Fedora/RHEL)',
    ],
  });
});

it('without libibverbs-dev (pkg-config finds no libibverbs): one line naming it', () => {
  const empty = fs.mkdtempSync(path.join(scratch, 'pc-'));
  expect(check({ PKG_CONFIG_LIBDIR: empty, PKG_CONFIG_PATH: '' })).toEqual({
    status: 1,
    lines: [
      'ndk-verbs: cannot build the addon, missing libibverbs-dev (pkg-config finds no libibverbs). Install: ' +
        'sudo apt-get install -y libibverbs-dev (Debian/Ubuntu) or sudo dnf install -y rdma-core-devel (Fedora/RHEL)',
    ],
  });
});

it("npm's install step stops at the check: our line, and no node-gyp output", () => {
  // `npm run install` runs the same lifecycle script `npm install ndk-verbs` runs in a user's project.
  const empty = fs.mkdtempSync(path.join(scratch, 'pc-'));
  const run = spawnSync('npm', ['run', 'install'], {
    cwd: ROOT,
    env: { ...process.env, PKG_CONFIG_LIBDIR: empty, PKG_CONFIG_PATH: '' },
    encoding: 'utf8',
  });
  expect(run.status).not.toBe(0);
  expect(run.stderr).toContain('ndk-verbs: cannot build the addon, missing libibverbs-dev');
  expect(run.stdout + run.stderr).not.toMatch(/gyp (info|ERR!)/);
});

it('require() without the libibverbs library: an error that names it and how to install it', () => {
  const upper = fs.mkdtempSync(path.join(scratch, 'upper-'));
  const work = fs.mkdtempSync(path.join(scratch, 'work-'));
  // A user namespace makes the mount namespace possible without being root on the host.
  const script = [
    `mount -t overlay overlay -o lowerdir=${LIBDIR},upperdir=${upper},workdir=${work} ${LIBDIR}`,
    `rm -f ${LIBDIR}/libibverbs.so*`,
    `test ! -e ${LIBDIR}/libibverbs.so.1`,
    `exec node -e "require('ndk-verbs')"`,
  ].join(' && ');
  const run = spawnSync('unshare', ['--map-root-user', '--mount', 'bash', '-c', script], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  expect(run.stderr).toContain(
    'Error: ndk-verbs needs the libibverbs library (libibverbs.so.1), which is not installed: ' +
      'sudo apt-get install -y libibverbs1 ibverbs-providers (Debian/Ubuntu) or sudo dnf install -y libibverbs (Fedora/RHEL)',
  );
  expect(run.status).toBe(1);
});
