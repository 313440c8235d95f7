#!/usr/bin/env node
/**
 * The `ndk-verbs` command: `vm` (run a command in the SoftRoCE VM), `devices` (list RDMA devices)
 * and `resources` (what processes hold in the kernel).
 *
 * @packageDocumentation
 */
import { MAIN_USAGE } from './usage';

/**
 * Runs the CLI.
 *
 * @param argv - The arguments after the program name.
 * @returns The process exit status.
 */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    // Each command is loaded on demand: `resources` needs neither the addon nor the VM's code, and
    // a CLI start inside the emulated VM pays for every module it loads.
    case 'vm':
      return (await import('./vm-command')).vmCommand(rest);
    case 'devices':
      return (await import('./devices-command')).devicesCommand(rest);
    case 'resources':
      return (await import('./resources-command')).resourcesCommand(rest);
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(MAIN_USAGE);
      return 0;
    case undefined:
      process.stderr.write(MAIN_USAGE);
      return 2;
    default:
      process.stderr.write(`ndk-verbs: unknown command "${command}"\n\n${MAIN_USAGE}`);
      return 2;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`ndk-verbs: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
