// `ndk-verbs vm --icount` and `runInVm({ icount })` without booting a VM: the flag's parsing, the
// counted accelerator's QEMU arguments and the one-vCPU rule that the QEMU command line enforces.
import { parseVmArgs, UsageError } from '../../lib/cli/vm-args';
import { VM_USAGE } from '../../lib/cli/usage';
import { chooseAccelerator, countedAccelerator } from '../../lib/vm/accel';
import { buildQemuArgs, type QemuArgsInput } from '../../lib/vm/qemu-args';

describe('ndk-verbs vm --icount', () => {
  test('is a bare flag that sets icount and leaves the command alone', () => {
    expect(parseVmArgs(['--icount', '--mem', '4096', '--', 'node', 'b.js'])).toEqual({
      help: false,
      icount: true,
      memoryMb: 4096,
      command: ['node', 'b.js'],
    });
    expect(parseVmArgs(['--timeout=60', '--icount', 'node', '--icount'])).toEqual({
      help: false,
      icount: true,
      timeoutSeconds: 60,
      command: ['node', '--icount'],
    });
  });

  test('is absent unless given', () => {
    expect(parseVmArgs(['--', 'node'])).toEqual({ help: false, command: ['node'] });
  });

  test('takes no value and does not combine with several hosts', () => {
    expect(() => parseVmArgs(['--icount=1', '--', 'node'])).toThrow(UsageError);
    expect(() => parseVmArgs(['--icount', '--hosts', '2', '--', 'node'])).toThrow(/--hosts/);
    expect(() => parseVmArgs(['--icount', '--host', '0', '--', 'node'])).toThrow(/--host/);
  });

  test('is in the usage text', () => {
    expect(VM_USAGE).toMatch(/--icount +count guest time in instructions/);
  });
});

describe('the counted accelerator', () => {
  const input = (cpus: number, counted: boolean): QemuArgsInput => ({
    image: { kver: '6.1', dir: '/d', kernel: '/d/k', initrd: '/d/i', modules: '/m' },
    accel: counted ? countedAccelerator({}) : chooseAccelerator({ NDK_VERBS_VM_ACCEL: 'tcg' }),
    guestScript: '/g.sh',
    xferDir: '/x',
    stderrSocket: '/s',
    kernelLog: '/l',
    devices: 2,
    memoryMb: 2048,
    cpus,
    stdoutTty: false,
    stderrTty: false,
  });

  test('is single-threaded TCG with the instruction counter', () => {
    const accel = countedAccelerator({});
    expect(accel).toMatchObject({ name: 'tcg', counted: true });
    expect(accel.qemuArgs).toEqual([
      '-accel',
      'tcg',
      '-icount',
      'shift=0,sleep=off',
      '-cpu',
      'max',
    ]);
    expect(countedAccelerator({ NDK_VERBS_VM_ACCEL: 'tcg' }).counted).toBe(true);
    expect(chooseAccelerator({ NDK_VERBS_VM_ACCEL: 'tcg' }).counted).toBe(false);
  });

  test('refuses KVM, which cannot count instructions', () => {
    expect(() => countedAccelerator({ NDK_VERBS_VM_ACCEL: 'kvm' })).toThrow(/needs TCG/);
  });

  test('goes on the QEMU command line with exactly one vCPU', () => {
    const args = buildQemuArgs(input(1, true));
    expect(args.slice(0, 6)).toEqual([
      '-accel',
      'tcg',
      '-icount',
      'shift=0,sleep=off',
      '-cpu',
      'max',
    ]);
    expect(args[args.indexOf('-smp') + 1]).toBe('1');
    expect(() => buildQemuArgs(input(2, true))).toThrow(/one vCPU, not 2/);
    expect(buildQemuArgs(input(2, false))).not.toContain('-icount');
  });

  test('every TCG guest reads time from the TSC (no emulated HPET per clock read); KVM guests choose', () => {
    const kernelLine = (args: string[]): string[] => args[args.indexOf('-append') + 1].split(' ');
    for (const args of [buildQemuArgs(input(1, true)), buildQemuArgs(input(2, false))]) {
      expect(kernelLine(args)).toEqual(expect.arrayContaining(['tsc=reliable', 'clocksource=tsc']));
    }
    const kvm = { ...input(2, false), accel: chooseAccelerator({ NDK_VERBS_VM_ACCEL: 'kvm' }) };
    expect(kernelLine(buildQemuArgs(kvm)).join(' ')).not.toMatch(/tsc|clocksource/);
  });
});
