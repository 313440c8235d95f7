import { HOSTS_RANGE } from '../vm/limits';
import { UsageError } from './usage-error';

/** Whether `argv[i]` starts a host's command: `--host`, a whole number, then `--`. */
function startsHost(argv: readonly string[], i: number): boolean {
  return argv[i] === '--host' && /^\d+$/.test(argv[i + 1] ?? '') && argv[i + 2] === '--';
}

/**
 * Parses the per-host form of `ndk-verbs vm`: `--host 0 -- <command> --host 1 -- <command> …`.
 * A command runs to the next `--host <i> --` (so a command may have a `--host` argument of its
 * own, as long as it is not followed by a number and `--`). Every host from 0 to N-1 needs exactly
 * one command; N is `--hosts` when given, else the highest index plus one.
 *
 * @param argv - The arguments from the first `--host` on.
 * @param hosts - The `--hosts` value, if one was given.
 * @returns Each host's command, by host index.
 * @throws UsageError for a malformed `--host`, a missing or repeated host, or an empty command.
 */
export function parseHostCommands(argv: readonly string[], hosts: number | undefined): string[][] {
  const commands = new Map<number, string[]>();
  let i = 0;
  while (i < argv.length) {
    if (!startsHost(argv, i)) {
      throw new UsageError(
        `expected "--host <index> -- <command>", not "${argv[i]} ${argv[i + 1] ?? ''}"`,
      );
    }
    const host = Number(argv[i + 1]);
    let end = i + 3;
    while (end < argv.length && !startsHost(argv, end)) end++;
    const command = argv.slice(i + 3, end);
    if (command.length === 0) throw new UsageError(`--host ${host} has no command after --`);
    if (commands.has(host)) throw new UsageError(`--host ${host} is given twice`);
    commands.set(host, command);
    i = end;
  }
  const count = hosts ?? Math.max(...commands.keys()) + 1;
  if (count < HOSTS_RANGE.min || count > HOSTS_RANGE.max) {
    throw new UsageError(
      `the per-host form needs ${HOSTS_RANGE.min} to ${HOSTS_RANGE.max} hosts, not ${count}`,
    );
  }
  const beyond = [...commands.keys()].find((host) => host >= count);
  if (beyond !== undefined) throw new UsageError(`--host ${beyond} is not below --hosts ${count}`);
  return Array.from({ length: count }, (_, host) => {
    const command = commands.get(host);
    if (command === undefined) {
      throw new UsageError(`host ${host} has no command (give --host ${host} -- <command>)`);
    }
    return command;
  });
}
