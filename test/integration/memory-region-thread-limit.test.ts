/**
 * A deferred registration when no request thread can be started (RLIMIT_NPROC reached, as an
 * unprivileged user: root ignores the limit). The addon must answer STATUS_INSUFFICIENT_RESOURCES
 * instead of ending the process in std::terminate, and leave the region usable and closable, with
 * nothing left in the kernel.
 */

import { NtStatus, ObjectState } from '../../lib';
import { runSteppedChild } from '../support/stepped-child';

test('a registration that needs a thread the process may not start is refused, and the region still works', async () => {
  const { code, signal, stderr, steps } = await runSteppedChild(
    'ulimit -u 1',
    'thread-limit-child',
  );
  expect({ code, signal, stderr }).toEqual({ code: 0, signal: null, stderr: '' });
  expect(steps).toEqual([
    {
      step: 'deferred',
      status: NtStatus.STATUS_INSUFFICIENT_RESOURCES,
      code: 'ENOMEM',
      registered: false,
      state: ObjectState.Open,
      kernelMrs: 0,
    },
    { step: 'inline', registered: true, kernelMrs: 1 },
    { step: 'closed', state: ObjectState.Closed, kernelMrs: 0 },
  ]);
});
