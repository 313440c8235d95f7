/**
 * Where the figures come from: CPU count and model (as `nproc` and `lscpu` show them), kernel, Node
 * version, memory, device, libuv pool size.
 *
 * @packageDocumentation
 */

import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus, release, totalmem } from 'node:os';

import { type MachineInfo } from './result';

/** `lscpu`'s "Model name", or Node's idea of the CPU model when lscpu is missing. */
export function cpuModel(): string {
  try {
    const lscpu = execFileSync('lscpu', { encoding: 'utf8' });
    const line = /^Model name:\s*(.+)$/m.exec(lscpu);
    if (line) return line[1].trim();
  } catch {
    // fall through
  }
  return cpus()[0]?.model ?? 'unknown';
}

/** This machine, as the benchmark reports it. */
export function machineInfo(device: string): MachineInfo {
  return {
    place: process.env.NDK_VERBS_BENCH_PLACE ?? 'this host',
    nproc: availableParallelism(),
    cpuModel: cpuModel(),
    kernel: release(),
    node: process.version,
    memTotalMiB: Math.round(totalmem() / 2 ** 20),
    device,
    uvThreadpoolSize: Number(process.env.UV_THREADPOOL_SIZE ?? 4),
  };
}
