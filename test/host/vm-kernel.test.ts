// Choosing the VM's kernel: the `--kernel` / `--kernel-deb` flags, the environment, and preparing an
// image from a local .deb and from a URL (a small local HTTP server) without apt. The .deb is made
// here from the cached default image's own kernel and the modules the guest needs, so no network is
// used; the default image is prepared by `npm test`'s build stage.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { parseVmArgs, UsageError } from '../../lib/cli/vm-args';
import { prepareImage, type VmImage } from '../../lib/vm/image';
import { imageScriptInput, kernelFromEnv } from '../../lib/vm/kernel';

const quiet = (): Writable => new Writable({ write: (_c, _e, done) => done() });
let scratch: string;
let defaultImage: VmImage;

beforeAll(async () => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ndk-verbs-kernel-test-'));
  defaultImage = await prepareImage({ stderr: quiet() });
});
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** A .deb holding the default image's vmlinuz and the modules `names` need (with dependencies). */
function makeDeb(name: string, parts: { vmlinuz: boolean; modules: string[] }): string {
  const { kver, dir } = defaultImage;
  const src = path.join(dir, 'root');
  const tree = path.join(scratch, name);
  const copy = (rel: string): void => {
    fs.mkdirSync(path.dirname(path.join(tree, rel)), { recursive: true });
    fs.copyFileSync(path.join(src, rel), path.join(tree, rel));
  };
  fs.mkdirSync(path.join(tree, 'DEBIAN'), { recursive: true });
  fs.writeFileSync(
    path.join(tree, 'DEBIAN', 'control'),
    `Package: ${name}\nVersion: 1\nArchitecture: amd64\nMaintainer: test <t@example.org>\nDescription: test kernel\n`,
  );
  if (parts.vmlinuz) copy(`boot/vmlinuz-${kver}`);
  const deps = parts.modules.flatMap((m) =>
    execFileSync('modprobe', ['-d', src, '-S', kver, '--show-depends', m], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.startsWith('insmod '))
      .map((line) => path.relative(src, line.split(' ')[1])),
  );
  for (const rel of new Set(deps)) copy(rel);
  for (const f of ['modules.order', 'modules.builtin', 'modules.builtin.modinfo']) {
    const rel = `lib/modules/${kver}/${f}`;
    if (fs.existsSync(path.join(src, rel))) copy(rel);
  }
  const deb = path.join(scratch, `${name}.deb`);
  execFileSync('dpkg-deb', ['-Znone', '-b', tree, deb], { stdio: 'ignore' });
  return deb;
}

const GUEST_MODULES = ['virtio_pci', '9pnet_virtio', '9p', 'overlay', 'rdma_rxe'];

describe('choosing the kernel', () => {
  it('--kernel takes a package; --kernel-deb repeats; the two do not mix', () => {
    expect(parseVmArgs(['--kernel', 'linux-image-6.12-amd64', '--', 'true'])).toEqual({
      help: false,
      command: ['true'],
      kernel: { package: 'linux-image-6.12-amd64' },
    });
    expect(parseVmArgs(['--kernel-deb=a.deb', '--kernel-deb', 'https://x/b.deb', 'true'])).toEqual({
      help: false,
      command: ['true'],
      kernel: { debs: ['a.deb', 'https://x/b.deb'] },
    });
    expect(() => parseVmArgs(['--kernel', 'a', '--kernel-deb', 'b', 'true'])).toThrow(UsageError);
    expect(() => parseVmArgs(['--kernel-deb', 'b', '--kernel', 'a', 'true'])).toThrow(UsageError);
    expect(() => parseVmArgs(['--kernel', '--', 'true'])).toThrow('--kernel needs a value');
    expect(parseVmArgs(['true'])).toEqual({ help: false, command: ['true'] });
  });

  it('the environment names the kernel; files become absolute, URLs stay; package and .debs exclude each other', () => {
    expect(kernelFromEnv({ NDK_VERBS_VM_KERNEL_PACKAGE: 'linux-image-x' })).toEqual({
      package: 'linux-image-x',
    });
    expect(
      kernelFromEnv({
        NDK_VERBS_VM_KERNEL_DEB: ' a.deb  http://h/b.deb ',
        NDK_VERBS_VM_KERNEL_PACKAGE: 'p',
      }),
    ).toEqual({ debs: ['a.deb', 'http://h/b.deb'] });
    expect(kernelFromEnv({})).toEqual({});
    expect(
      imageScriptInput(
        { debs: ['a.deb', 'https://h/b.deb'] },
        { NDK_VERBS_VM_KERNEL_PACKAGE: 'p', X: '1' },
        '/w',
      ),
    ).toEqual({
      args: ['/w/a.deb', 'https://h/b.deb'],
      env: { X: '1' },
    });
    expect(imageScriptInput({ package: 'linux-image-y' }, { X: '1' })).toEqual({
      args: [],
      env: { X: '1', NDK_VERBS_VM_KERNEL_PACKAGE: 'linux-image-y' },
    });
    expect(() => imageScriptInput({ package: 'p', debs: ['a.deb'] }, {})).toThrow('not both');
  });
});

describe('an image from .deb files, without apt', () => {
  it('a local .deb: prepared once, then reused; the initramfs holds the modules uncompressed', async () => {
    const deb = makeDeb('kernel-local', { vmlinuz: true, modules: GUEST_MODULES });
    const cacheDir = path.join(scratch, 'cache-local');
    const image = await prepareImage({ cacheDir, kernel: { debs: [deb] }, stderr: quiet() });
    expect(image.kver).toBe(defaultImage.kver);
    expect(path.dirname(image.dir)).toBe(cacheDir);
    expect(fs.readFileSync(image.kernel).equals(fs.readFileSync(defaultImage.kernel))).toBe(true);
    const initramfs = execFileSync('sh', ['-c', `zcat '${image.initrd}' | cpio -t --quiet`], {
      encoding: 'utf8',
    });
    expect(initramfs).toMatch(/\/overlay\.ko\n/);
    expect(initramfs).toMatch(/\/9p\.ko\n/);
    expect(fs.existsSync(path.join(image.modules, 'modules.dep'))).toBe(true);

    const started = Date.now();
    expect(await prepareImage({ cacheDir, kernel: { debs: [deb] }, stderr: quiet() })).toEqual(
      image,
    );
    expect(Date.now() - started).toBeLessThan(5000); // warm: no unpacking again
  });

  it('a URL: downloaded and prepared the same way', async () => {
    const deb = makeDeb('kernel-url', { vmlinuz: true, modules: GUEST_MODULES });
    const server = http.createServer((_req, res) => fs.createReadStream(deb).pipe(res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/kernel.deb`;
      const image = await prepareImage({
        cacheDir: path.join(scratch, 'cache-url'),
        kernel: { debs: [url] },
        stderr: quiet(),
      });
      expect(image.kver).toBe(defaultImage.kver);
      expect(fs.existsSync(path.join(image.dir, 'ready'))).toBe(true);
    } finally {
      server.close();
    }
  });

  it('packages that cannot boot the VM are refused with the reason', async () => {
    const errors: string[] = [];
    const collect = new Writable({
      write: (chunk: Buffer, _e, done) => {
        errors.push(chunk.toString());
        done();
      },
    });
    const tryDebs = async (debs: string[]): Promise<string> => {
      errors.length = 0;
      await expect(
        prepareImage({
          cacheDir: path.join(scratch, 'cache-bad'),
          kernel: { debs },
          stderr: collect,
        }),
      ).rejects.toThrow('build-image.sh exited 1');
      return errors.join('');
    };
    const text = path.join(scratch, 'not-a.deb');
    fs.writeFileSync(text, 'hello');
    expect(await tryDebs([text])).toContain('is not a Debian package');
    expect(await tryDebs([path.join(scratch, 'missing.deb')])).toContain(
      'no such kernel package file',
    );
    const modulesOnly = makeDeb('modules-only', { vmlinuz: false, modules: ['overlay'] });
    expect(await tryDebs([modulesOnly])).toContain('exactly one boot/vmlinuz');
    const noRxe = makeDeb('no-rxe', { vmlinuz: true, modules: ['overlay'] });
    expect(await tryDebs([noRxe])).toContain('has no rdma_rxe module');
    expect(
      fs.readdirSync(path.join(scratch, 'cache-bad')).filter((f) => !f.startsWith('.')),
    ).toEqual([]);
  });

  it("a host whose apt has no Debian kernel (as Ubuntu's): the error points to --kernel-deb", async () => {
    // apt-cache and apt-get that know no package, ahead of the real ones on PATH.
    const bin = path.join(scratch, 'no-debian-apt');
    fs.mkdirSync(bin);
    for (const tool of ['apt-cache', 'apt-get']) {
      fs.writeFileSync(path.join(bin, tool), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    }
    let said = '';
    const stderr = new Writable({
      write: (chunk: Buffer, _e, done) => {
        said += chunk.toString();
        done();
      },
    });
    await expect(
      prepareImage({
        cacheDir: path.join(scratch, 'cache-ubuntu'),
        env: {
          ...process.env,
          PATH: `${bin}:${process.env.PATH}`,
          NDK_VERBS_VM_KERNEL_PACKAGE: '',
        },
        stderr,
      }),
    ).rejects.toThrow('build-image.sh exited 1');
    expect(said).toContain("cannot find Debian's kernel package");
    expect(said).toContain('--kernel-deb FILE|URL');
  });
});
