/**
 * RLIMIT_MEMLOCK exhausted in the middle of a stream of registrations, as an unprivileged process
 * (root ignores the limit): the registration that would pass it is refused with
 * STATUS_INSUFFICIENT_RESOURCES (ENOMEM) and leaves nothing in the kernel; the regions registered
 * before are intact and keep taking writes; once two are deregistered the refused one registers.
 * The kernel is asked at every step (the unprivileged child may not run `rdma` itself).
 */

import { NtStatus } from '../../lib';
import { runSteppedChild } from '../support/stepped-child';

const LIMIT_KIB = 1024;
const MEMLOCK_REGION_BYTES = 128 << 10;

test('memlock exhausted mid-stream: refused with STATUS_INSUFFICIENT_RESOURCES, earlier regions intact, recovery after deregistration', async () => {
  const { code, signal, stderr, steps } = await runSteppedChild(
    `ulimit -l ${LIMIT_KIB}`,
    'memlock-child',
    [String(MEMLOCK_REGION_BYTES)],
  );
  expect({ code, signal, stderr }).toEqual({ code: 0, signal: null, stderr: '' });

  // As many 128 KiB regions as 1 MiB holds with the 4 KiB source beside them, give or take what
  // else the process pins: some, and never beyond the limit.
  const registered = Number(steps[0]?.registered ?? 0);
  expect(registered).toBeGreaterThan(0);
  expect(registered * MEMLOCK_REGION_BYTES).toBeLessThanOrEqual(LIMIT_KIB << 10);
  // Kernel regions: the source and the stream's; the refused one is not among them.
  expect(steps).toEqual([
    {
      step: 'refused',
      registered,
      status: NtStatus.STATUS_INSUFFICIENT_RESOURCES,
      code: 'ENOMEM',
      refusedIsRegistered: false,
      kernelMrs: registered + 1,
    },
    { step: 'intact', held: true, tookMore: true, failedWrites: 0, kernelMrs: registered + 1 },
    {
      step: 'recovered',
      registered: true,
      status: NtStatus.STATUS_SUCCESS,
      landed: true,
      kernelMrs: registered,
    },
    { step: 'closed', kernelMrs: 0 },
  ]);
  console.log(
    `RLIMIT_MEMLOCK ${LIMIT_KIB} KiB: ${registered} regions of ${MEMLOCK_REGION_BYTES >> 10} KiB registered before the refusal`,
  );
});
