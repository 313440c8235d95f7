import { formatDevicesTable, formatGidTables } from './devices-table';
import { DEVICES_USAGE } from './usage';

/**
 * `ndk-verbs devices`: prints the RDMA devices libibverbs sees as a table, then each port's GID
 * table (index, GID, type) after a blank line, then libibverbs' fork support; exits 1 when there is
 * none, or when the addon cannot list them.
 *
 * @param argv - The arguments after `devices` (only `--help` is accepted).
 * @returns The exit status: 0 (devices listed), 1 (no device, or an error), 2 (usage error).
 */
export async function devicesCommand(argv: readonly string[]): Promise<number> {
  if (argv.length === 1 && (argv[0] === '-h' || argv[0] === '--help')) {
    process.stdout.write(DEVICES_USAGE);
    return 0;
  }
  if (argv.length > 0) {
    process.stderr.write(`ndk-verbs devices: unexpected argument ${argv[0]}\n\n${DEVICES_USAGE}`);
    return 2;
  }
  let devices;
  let forkLine;
  try {
    // Loaded here, not at start-up: `ndk-verbs vm` must work without the addon.
    const { listDevices } = await import('../devices');
    const { diagnostics, formatForkLine } = await import('../diagnostics');
    devices = listDevices();
    forkLine = formatForkLine(diagnostics());
  } catch (err) {
    process.stderr.write(
      `ndk-verbs devices: cannot list RDMA devices: ${(err as Error).message}\n`,
    );
    return 1;
  }
  if (devices.length === 0) {
    process.stderr.write(
      'ndk-verbs devices: no RDMA device found on this machine.\n' +
        'Try the SoftRoCE VM, which has rxe0 and rxe1: ndk-verbs vm -- ndk-verbs devices\n',
    );
    return 1;
  }
  process.stdout.write(`${formatDevicesTable(devices)}\n${formatGidTables(devices)}${forkLine}`);
  return 0;
}
