/**
 * Child process for the thread-limit test. Started as root under a low RLIMIT_NPROC (which root
 * ignores), it opens its region, then drops to an unprivileged uid, for which the limit holds: no
 * thread can be started any more. A deferred registration then needs a request thread the addon
 * cannot start. Prints one JSON line per step and waits for a line on stdin after each, so the
 * parent can ask the kernel (this process may not fork `rdma` itself).
 */

import { readFile } from 'node:fs/promises';

import { NdkError, openAdapter } from '../../lib';
import { requireDevices } from './devices';
import { dropPrivileges, stepReporter } from './stepped-child';

const report = stepReporter();

async function main(): Promise<void> {
  // libuv's pool starts its threads on first use and aborts if it cannot: start them now.
  await readFile('/proc/self/status');
  const [device] = requireDevices();
  const adapter = await openAdapter(device);
  const pd = await adapter.createPd();
  // 'auto': 16 MiB and more register on a request thread, smaller regions inline.
  const mr = await pd.createMr({ completionPolicy: 'auto' });
  dropPrivileges();

  const refusal = await mr.register(new Uint8Array(16 << 20)).then(
    () => undefined,
    (error: unknown) => error,
  );
  await report('deferred', {
    status: refusal instanceof NdkError ? refusal.status : String(refusal),
    code: refusal instanceof NdkError ? refusal.code : undefined,
    registered: mr.isRegistered,
    state: mr.state,
  });
  await mr.register(new Uint8Array(4096));
  await report('inline', { registered: mr.isRegistered });
  await mr.close();
  await report('closed', { state: mr.state });
  await adapter.close();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
