import * as fs from 'node:fs';

const KERNEL_LOG_TAIL_LINES = 40;

/**
 * The exit status the guest recorded in its share (`status`), written only once the command ended.
 *
 * @param file - Path of the `status` file.
 * @returns The status, or `undefined` when the guest wrote none (it stopped before the end).
 */
export function readStatus(file: string): number | undefined {
  try {
    const text = fs.readFileSync(file, 'utf8').trim();
    return /^\d+$/.test(text) ? Number(text) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The last lines of a guest's kernel log, indented, for the message of a VM that failed.
 *
 * @param file - Path of the kernel log.
 * @returns The lines, each ending with a newline, or a note that the log is empty.
 */
export function tail(file: string): string {
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    // No log: QEMU did not get far enough to create it.
  }
  const lines = text.replace(/\r/g, '').trimEnd().split('\n').filter(Boolean);
  if (lines.length === 0) return '  (the kernel log is empty)\n';
  return lines
    .slice(-KERNEL_LOG_TAIL_LINES)
    .map((l) => `  ${l}\n`)
    .join('');
}
