import { runHosts } from '../vm/run-hosts';
import { runInVm } from '../vm/run';
import { EXIT_VM_FAILURE } from '../vm/limits';
import { VM_USAGE } from './usage';
import { UsageError, parseVmArgs } from './vm-args';

/**
 * `ndk-verbs vm [--hosts N] [--devices N] [--mem MB] [--timeout S] -- <command...>`: runs the
 * command in the SoftRoCE VM (or on each of N hosts, or `--host i -- <command>` per host), in the
 * current directory and environment, with live output.
 *
 * @param argv - The arguments after `vm`.
 * @returns The exit status: the command's, 124 (timeout), 125 (VM failure), 130/143 (signals),
 *   2 (usage error).
 */
export async function vmCommand(argv: readonly string[]): Promise<number> {
  let args;
  try {
    args = parseVmArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`ndk-verbs vm: ${err.message}\n\n${VM_USAGE}`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(VM_USAGE);
    return 0;
  }
  try {
    if (args.hosts === undefined) return (await runInVm(args)).exitCode;
    const perHost = args.hostCommands;
    const run = runHosts({
      ...args,
      hosts: args.hosts,
      command: perHost ? (host) => perHost[host] : args.command,
    });
    return (await run.done).exitCode;
  } catch (err) {
    process.stderr.write(`ndk-verbs vm: ${(err as Error).message}\n`);
    return EXIT_VM_FAILURE;
  }
}
