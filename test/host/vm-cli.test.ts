// The `ndk-verbs` CLI and the SoftRoCE VM, end to end on this host: each `vm` test boots a real QEMU
// guest (~10 s under TCG), so there are only five full boots, plus two runs stopped during boot.
// Every CLI run carries a unique NDK_VERBS_TEST_TAG in its environment, which QEMU inherits: that is how
// the tests find the QEMU processes they started (other VMs may be running on this machine).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { formatDevicesTable } from '../../lib/cli/devices-table';
import { parseVmArgs, UsageError } from '../../lib/cli/vm-args';
import { chooseAccelerator, type HostProbe } from '../../lib/vm/accel';
import { buildCommandScript, shellQuote } from '../../lib/vm/command-script';
import { cacheDir, packageRoot, vmCacheDir } from '../../lib/vm/paths';
import { hiddenFromGuest } from '../../lib/vm/visibility';

const ROOT = path.resolve(__dirname, '../../..');
const CLI = path.join(ROOT, 'dist', 'lib', 'cli', 'main.js');
const BOOT_TEST_MS = 120_000;

interface Chunk {
  at: number;
  stream: 'stdout' | 'stderr';
  text: string;
}

interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  chunks: Chunk[];
  ms: number;
  tag: string;
}

let runCount = 0;

/** Runs the compiled CLI; `whileRunning` may act on the child (e.g. signal it). */
function runCli(
  args: string[],
  options: {
    env?: NodeJS.ProcessEnv;
    whileRunning?: (child: ChildProcess, tag: string) => void;
  } = {},
): Promise<CliRun> {
  const tag = `vm-cli-test-${process.pid}-${++runCount}`;
  const started = Date.now();
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...options.env, NDK_VERBS_TEST_TAG: tag },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const chunks: Chunk[] = [];
  for (const stream of ['stdout', 'stderr'] as const) {
    child[stream].setEncoding('utf8').on('data', (text: string) => {
      chunks.push({ at: Date.now() - started, stream, text });
    });
  }
  options.whileRunning?.(child, tag);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      const text = (s: Chunk['stream']): string =>
        chunks
          .filter((c) => c.stream === s)
          .map((c) => c.text)
          .join('');
      resolve({
        code,
        signal,
        stdout: text('stdout'),
        stderr: text('stderr'),
        chunks,
        ms: Date.now() - started,
        tag,
      });
    });
  });
}

/** Pids of live QEMU processes (or setpriv about to exec QEMU) started by the run tagged `tag`. */
function qemuPids(tag: string): number[] {
  const pids: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (!fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').includes('qemu-system')) continue;
      const env = fs.readFileSync(`/proc/${name}/environ`, 'utf8').split('\0');
      if (env.includes(`NDK_VERBS_TEST_TAG=${tag}`)) pids.push(Number(name));
    } catch {
      // The process went away while we looked.
    }
  }
  return pids;
}

/** Polls until `check` holds or `ms` pass; returns whether it held. */
async function waitFor(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Fails when a QEMU process of this run is still alive (after a short grace for dying ones). */
async function expectNoQemuLeft(run: CliRun): Promise<void> {
  await waitFor(() => qemuPids(run.tag).length === 0, 5000);
  expect(qemuPids(run.tag)).toEqual([]);
}

/** Sends `signal` to the CLI as soon as its QEMU is running. */
function signalOnceQemuRuns(signal: NodeJS.Signals, seen: { qemu: number[] }) {
  return (child: ChildProcess, tag: string): void => {
    void waitFor(() => (seen.qemu = qemuPids(tag)).length > 0, 30_000).then(() => {
      child.kill(signal);
    });
  };
}

describe('ndk-verbs vm (boots the SoftRoCE VM)', () => {
  test(
    'vm -- ibv_devices lists rxe0 and rxe1 and exits 0',
    async () => {
      const run = await runCli(['vm', '--', 'ibv_devices']);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^\s*rxe0\s+[0-9a-f]{16}\s*$/m);
      expect(run.stdout).toMatch(/^\s*rxe1\s+[0-9a-f]{16}\s*$/m);
      await expectNoQemuLeft(run);
    },
    BOOT_TEST_MS,
  );

  test(
    'vm -- false exits 1',
    async () => {
      const run = await runCli(['vm', '--', 'false']);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      await expectNoQemuLeft(run);
    },
    BOOT_TEST_MS,
  );

  test(
    'vm --timeout 20 -- sleep 600 is stopped within ~30 s and says so',
    async () => {
      const run = await runCli(['vm', '--timeout', '20', '--', 'sleep', '600']);
      expect(run.code).toBe(124);
      expect(run.stderr).toContain('ndk-verbs vm: timed out after 20 s; the VM was stopped');
      expect(run.ms).toBeGreaterThanOrEqual(20_000);
      expect(run.ms).toBeLessThan(30_000);
      await expectNoQemuLeft(run);
    },
    BOOT_TEST_MS,
  );

  test(
    'stdout and stderr stay apart and stream live; cwd, environment and exit status carry over',
    async () => {
      const value = `it's a "test" with $HOME, \`back\\ticks\`, spaces  and\na newline`;
      const script = [
        'printf "out:%s:%s\\n" "$PWD" "$NDK_VERBS_TEST_VALUE"',
        'echo err-1 >&2',
        'sleep 4',
        'echo err-2 >&2',
        'exit 3',
      ].join('; ');
      const run = await runCli(['vm', '--', 'sh', '-c', script], {
        env: { NDK_VERBS_TEST_VALUE: value, 'NOT-AN-IDENTIFIER': 'x' },
      });
      expect(run.code).toBe(3);
      expect(run.stdout).toBe(`out:${ROOT}:${value}\n`);
      expect(run.stderr).toBe('err-1\nerr-2\n');
      // Streamed as it arrives, not when the VM ends: err-1 comes seconds before err-2.
      // (The serial line may split a line over several chunks: look at the text received so far.)
      const at = (text: string): number => {
        let received = '';
        const chunk = run.chunks.find(
          (c) => c.stream === 'stderr' && (received += c.text).includes(text),
        );
        if (!chunk) throw new Error(`"${text}" never arrived on stderr`);
        return chunk.at;
      };
      expect(at('err-2') - at('err-1')).toBeGreaterThanOrEqual(3000);
      await expectNoQemuLeft(run);
    },
    BOOT_TEST_MS,
  );

  test(
    'a closed stdout pipe (like `| head`) stops the VM: exit 141, no QEMU left',
    async () => {
      let firstOutputAt = 0;
      const run = await runCli(['vm', '--', 'seq', '1', '1000000000'], {
        whileRunning: (child) => {
          child.stdout!.once('data', () => {
            firstOutputAt = Date.now();
            child.stdout!.destroy();
          });
        },
      });
      expect(firstOutputAt).toBeGreaterThan(0);
      expect(run.code).toBe(141);
      expect(Date.now() - firstOutputAt).toBeLessThan(10_000);
      expect(run.stderr).not.toMatch(/EPIPE|Error/);
      await expectNoQemuLeft(run);
    },
    BOOT_TEST_MS,
  );

  test(
    'SIGINT stops the VM during boot: exit 130, no QEMU left',
    async () => {
      const seen = { qemu: [] as number[] };
      const run = await runCli(['vm', '--', 'sleep', '600'], {
        whileRunning: signalOnceQemuRuns('SIGINT', seen),
      });
      expect(seen.qemu.length).toBeGreaterThan(0);
      expect(run.code).toBe(130);
      expect(run.stderr).toContain('ndk-verbs vm: interrupted by SIGINT; the VM was stopped');
      expect(run.ms).toBeLessThan(20_000);
      await expectNoQemuLeft(run);
    },
    BOOT_TEST_MS,
  );

  test(
    'a SIGKILLed CLI takes its QEMU down (parent-death signal)',
    async () => {
      const seen = { qemu: [] as number[] };
      const run = await runCli(['vm', '--', 'sleep', '600'], {
        whileRunning: signalOnceQemuRuns('SIGKILL', seen),
      });
      expect(seen.qemu.length).toBeGreaterThan(0);
      expect(run.signal).toBe('SIGKILL');
      await expectNoQemuLeft(run);
    },
    BOOT_TEST_MS,
  );
});

describe('ndk-verbs usage errors exit 2 with the usage text (no VM)', () => {
  test.each([
    [['vm', '--devices', '0', '--', 'true'], '--devices must be a whole number from 1 to 8'],
    [['vm', '--devices=9', '--', 'true'], '--devices must be a whole number from 1 to 8'],
    [['vm', '--mem', 'lots', '--', 'true'], '--mem must be a whole number from 256 to 16384'],
    [['vm', '--mem', '128', '--', 'true'], '--mem must be a whole number from 256 to 16384'],
    [['vm', '--timeout', '0', '--', 'true'], '--timeout must be a whole number'],
    [['vm', '--timeout', '-5', '--', 'true'], '--timeout must be a whole number'],
    [['vm', '--timeout'], '--timeout needs a value'],
    [['vm', '--bogus', '--', 'true'], 'unknown option --bogus'],
    [['vm'], 'no command given'],
    [['vm', '--devices', '2', '--'], 'no command given'],
    [['frobnicate'], 'unknown command "frobnicate"'],
    [['devices', '--all'], 'unexpected argument --all'],
  ])('ndk-verbs %j', async (args, message) => {
    const run = await runCli(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stderr).toContain('Usage: ndk-verbs');
    expect(run.stdout).toBe('');
    expect(qemuPids(run.tag)).toEqual([]);
  });

  test('--help prints the commands and exits 0', async () => {
    const run = await runCli(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('vm [--devices N] [--mem MB] [--timeout S] -- <command...>');
    expect(run.stdout).toContain('devices');
  });

  test('vm --help documents the flags and exits 0', async () => {
    const run = await runCli(['vm', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('--timeout S');
    expect(run.stdout).toContain('NDK_VERBS_VM_ACCEL');
  });
});

describe('ndk-verbs devices on this host', () => {
  test('lists the host devices, or says clearly that there is none and exits 1', async () => {
    const sysfs = fs.existsSync('/sys/class/infiniband')
      ? fs.readdirSync('/sys/class/infiniband')
      : [];
    const run = await runCli(['devices']);
    if (sysfs.length === 0) {
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('no RDMA device found');
      expect(run.stdout).toBe('');
    } else {
      expect(run.code).toBe(0);
      for (const name of sysfs) expect(run.stdout).toContain(name);
    }
  });
});

describe('VM building blocks', () => {
  test('shellQuote survives bash for awkward strings', () => {
    for (const word of [
      '',
      'plain',
      "it's",
      '$HOME `x` \\ "q"',
      'a\nb',
      '  spaced  ',
      '-n',
      "''",
    ]) {
      expect(
        execFileSync('bash', ['-c', `printf %s ${shellQuote(word)}`], { encoding: 'utf8' }),
      ).toBe(word);
    }
  });

  test('command.sh exports the environment, enters cwd and execs the exact argv', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-cli-test-'));
    try {
      const script = buildCommandScript(
        [
          process.execPath,
          '-e',
          'console.log(JSON.stringify([process.cwd(), process.argv.slice(1), process.env]))',
          'a b',
          "c'd",
        ],
        dir,
        {
          PATH: process.env.PATH,
          KEEP: "x'y\n$z",
          'BAD-NAME': 'dropped',
          PWD: '/nowhere',
          OLDPWD: '/nowhere',
          SHLVL: '9',
          _: '/nowhere',
          UID: '12345',
        },
      );
      const [cwd, argv, env] = JSON.parse(
        execFileSync('/bin/bash', ['-c', script], { encoding: 'utf8', env: {} }),
      ) as [string, string[], Record<string, string>];
      expect(cwd).toBe(fs.realpathSync(dir));
      expect(argv).toEqual(['a b', "c'd"]);
      expect(env.KEEP).toBe("x'y\n$z");
      expect(env['BAD-NAME']).toBeUndefined();
      expect(env.SHLVL).not.toBe('9');
      expect(script).not.toMatch(/^export (PWD|OLDPWD|SHLVL|_|UID)=/m);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('command.sh fails with 125 and a message when the directory is missing', () => {
    const script = buildCommandScript(['true'], '/nonexistent/dir', {});
    let status = 0;
    let stderr = '';
    try {
      execFileSync('bash', ['-c', script], { encoding: 'utf8', stdio: 'pipe' });
    } catch (err) {
      ({ status, stderr } = err as { status: number; stderr: string });
    }
    expect(status).toBe(125);
    expect(stderr).toContain('ndk-verbs vm: cannot enter /nonexistent/dir in the VM');
  });

  test('the accelerator is KVM only with vmx/svm AND a usable /dev/kvm; the override wins', () => {
    const probe = (virt: boolean, kvm: boolean): HostProbe => ({
      cpuHasVirtualization: () => virt,
      kvmUsable: () => kvm,
    });
    expect(chooseAccelerator({}, probe(true, true)).qemuArgs).toEqual([
      '-accel',
      'kvm',
      '-cpu',
      'host',
    ]);
    const tcg = ['-accel', 'tcg,thread=multi', '-cpu', 'max'];
    expect(chooseAccelerator({}, probe(false, true)).qemuArgs).toEqual(tcg);
    expect(chooseAccelerator({}, probe(true, false)).qemuArgs).toEqual(tcg);
    expect(chooseAccelerator({ NDK_VERBS_VM_ACCEL: 'tcg' }, probe(true, true)).name).toBe('tcg');
    expect(chooseAccelerator({ NDK_VERBS_VM_ACCEL: 'kvm' }, probe(false, false)).name).toBe('kvm');
    expect(() => chooseAccelerator({ NDK_VERBS_VM_ACCEL: 'hvf' }, probe(true, true))).toThrow(
      'NDK_VERBS_VM_ACCEL must be "kvm" or "tcg"',
    );
  });

  test('vm arguments: --flag N, --flag=N, the command after -- or the first non-option word', () => {
    expect(
      parseVmArgs(['--devices', '4', '--mem=512', '--timeout', '9', '--', 'ls', '--all']),
    ).toEqual({
      help: false,
      devices: 4,
      memoryMb: 512,
      timeoutSeconds: 9,
      command: ['ls', '--all'],
    });
    expect(parseVmArgs(['node', '--version'])).toEqual({
      help: false,
      command: ['node', '--version'],
    });
    expect(parseVmArgs(['--', '--weird-program'])).toEqual({
      help: false,
      command: ['--weird-program'],
    });
    expect(() => parseVmArgs(['--devices', '2.5', '--', 'x'])).toThrow(UsageError);
  });

  test('cache dir: NDK_VERBS_CACHE_DIR, else $XDG_CACHE_HOME/ndk-verbs, else ~/.cache/ndk-verbs', () => {
    expect(cacheDir({ NDK_VERBS_CACHE_DIR: '/c', XDG_CACHE_HOME: '/x' })).toBe('/c');
    expect(cacheDir({ XDG_CACHE_HOME: '/x' })).toBe('/x/ndk-verbs');
    expect(cacheDir({ XDG_CACHE_HOME: 'relative' })).toBe(
      path.join(os.homedir(), '.cache', 'ndk-verbs'),
    );
    expect(cacheDir({})).toBe(path.join(os.homedir(), '.cache', 'ndk-verbs'));
    expect(vmCacheDir({ NDK_VERBS_CACHE_DIR: '/c' })).toBe('/c/vm');
    expect(packageRoot()).toBe(ROOT);
  });

  test('directories the guest mounts afresh are refused as working directories', () => {
    expect(hiddenFromGuest('/run/x')).toBe('/run');
    expect(hiddenFromGuest('/dev/shm/x')).toBe('/dev/shm');
    expect(hiddenFromGuest('/runfoo')).toBeUndefined();
    // /tmp is the host's in the guest: a checkout under /tmp runs in the VM.
    expect(hiddenFromGuest('/tmp/project')).toBeUndefined();
    expect(hiddenFromGuest(ROOT)).toBeUndefined();
  });

  test('the devices table aligns its columns', () => {
    const table = formatDevicesTable([
      {
        name: 'rxe0',
        nodeGuid: '5848e9fffead54f2',
        transport: 'InfiniBand',
        ports: [{ port: 1, state: 'ACTIVE', linkLayer: 'Ethernet', gids: [] }],
      },
      {
        name: 'mlx5_10',
        nodeGuid: '0000000000000001',
        transport: 'InfiniBand',
        ports: [
          { port: 1, state: 'ACTIVE', linkLayer: 'InfiniBand', gids: [] },
          { port: 2, state: 'DOWN', linkLayer: 'InfiniBand', gids: [] },
        ],
      },
    ]);
    expect(table.split('\n')).toEqual([
      'NAME     NODE GUID         TRANSPORT   PORTS',
      'rxe0     5848e9fffead54f2  InfiniBand  1:ACTIVE/Ethernet',
      'mlx5_10  0000000000000001  InfiniBand  1:ACTIVE/InfiniBand 2:DOWN/InfiniBand',
      '',
    ]);
  });
});
