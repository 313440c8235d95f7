/**
 * The NDK rules, one by one, on a real device: SUCCESS means no callback, PENDING means exactly one
 * callback in a later turn, errors mean none; busy and state answers; close ordering; re-entrancy.
 */

import {
  allocate,
  type MemoryRegion,
  NdkCloseObject,
  NdkCreateMr,
  NdkCreatePd,
  NdkDeregisterMr,
  NdkGetLocalTokenFromMr,
  NdkGetRemoteTokenFromMr,
  NdkMrFlags,
  type NdkOut,
  NdkRegisterMr,
  NtStatus,
  ntStatusName,
  ObjectState,
  type ProtectionDomain,
} from '../../lib';
import { runChild } from '../support/child';
import { useDomainFixture } from '../support/domain-fixture';
import { waitFor } from '../support/gc';
import { kernelMrCount } from '../support/kernel';

const { STATUS_SUCCESS, STATUS_PENDING } = NtStatus;
const LOCAL_WRITE = NdkMrFlags.NDK_MR_FLAG_ALLOW_LOCAL_WRITE;

const fixture = useDomainFixture();

/** Records completions, and whether each arrived after the call that started it had returned. */
function recorder() {
  const calls: Array<{ context: unknown; status: number; afterReturn: boolean }> = [];
  let returned = false;
  return {
    calls,
    completion: (context: unknown, status: number) => {
      calls.push({ context, status, afterReturn: returned });
    },
    returned: () => {
      returned = true;
    },
  };
}

function createMr(policy: 'inline' | 'deferred' | 'auto', domain = fixture.pd): MemoryRegion {
  const out: NdkOut<MemoryRegion> = {};
  expect(NdkCreateMr(domain, false, () => {}, undefined, out, { completionPolicy: policy })).toBe(
    STATUS_SUCCESS,
  );
  return out.value!;
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('request completions', () => {
  it('STATUS_SUCCESS (inline): done, the completion is never called', async () => {
    const mr = createMr('inline');
    const rec = recorder();
    expect(NdkRegisterMr(mr, Buffer.alloc(4096), 4096, LOCAL_WRITE, rec.completion, 'r')).toBe(
      STATUS_SUCCESS,
    );
    expect(kernelMrCount()).toBe(1);
    expect(NdkDeregisterMr(mr, rec.completion, 'd')).toBe(STATUS_SUCCESS);
    expect(kernelMrCount()).toBe(0);
    await settle();
    await settle();
    expect(rec.calls).toEqual([]);
    expect(
      NdkCloseObject(
        mr,
        () => rec.calls.push({ context: 'close', status: -1, afterReturn: false }),
        0,
      ),
    ).toBe(STATUS_SUCCESS);
    await settle();
    expect(rec.calls).toEqual([]);
  });

  it('STATUS_PENDING (deferred): exactly one completion, later, with the context', async () => {
    const mr = createMr('deferred');
    const rec = recorder();
    const context = { id: 7 };
    expect(NdkRegisterMr(mr, Buffer.alloc(8192), 8192, LOCAL_WRITE, rec.completion, context)).toBe(
      STATUS_PENDING,
    );
    rec.returned();
    expect(await waitFor(() => rec.calls.length > 0)).toBe(true);
    expect(rec.calls).toEqual([{ context, status: STATUS_SUCCESS, afterReturn: true }]);
    expect(kernelMrCount()).toBe(1);

    const dereg = recorder();
    expect(NdkDeregisterMr(mr, dereg.completion)).toBe(STATUS_PENDING);
    dereg.returned();
    expect(await waitFor(() => dereg.calls.length > 0)).toBe(true);
    await settle();
    expect(dereg.calls).toEqual([
      { context: undefined, status: STATUS_SUCCESS, afterReturn: true },
    ]);
    expect(rec.calls).toHaveLength(1);
    expect(kernelMrCount()).toBe(0);
    await mr.close();
  });

  it('an error status: nothing done, the completion is never called', async () => {
    const mr = createMr('deferred');
    const rec = recorder();
    expect(ntStatusName(NdkDeregisterMr(mr, rec.completion, 1))).toBe(
      'STATUS_INVALID_DEVICE_STATE',
    );
    expect(
      ntStatusName(NdkRegisterMr(mr, Buffer.alloc(16), 0, LOCAL_WRITE, rec.completion, 2)),
    ).toBe('STATUS_INVALID_BUFFER_SIZE');
    await settle();
    expect(rec.calls).toEqual([]);
    await mr.close();
  });
});

describe('state rules', () => {
  it('a second request while one is pending is STATUS_DEVICE_BUSY (0x80000011)', async () => {
    const mr = createMr('deferred');
    const rec = recorder();
    expect(NdkRegisterMr(mr, Buffer.alloc(4096), 4096, LOCAL_WRITE, rec.completion, 1)).toBe(
      STATUS_PENDING,
    );
    expect(NdkRegisterMr(mr, Buffer.alloc(4096), 4096, LOCAL_WRITE, rec.completion, 2)).toBe(
      0x80000011,
    );
    expect(NdkDeregisterMr(mr, rec.completion, 3)).toBe(NtStatus.STATUS_DEVICE_BUSY);
    const token: NdkOut<number> = {};
    expect(NdkGetLocalTokenFromMr(mr, token)).toBe(NtStatus.STATUS_INVALID_DEVICE_STATE);
    await waitFor(() => rec.calls.length > 0);
    await settle();
    expect(rec.calls.map((call) => call.context)).toEqual([1]);
    expect(NdkDeregisterMr(mr, rec.completion, 4)).toBe(STATUS_PENDING);
    await waitFor(() => rec.calls.length > 1);
    expect(rec.calls.map((call) => call.status)).toEqual([STATUS_SUCCESS, STATUS_SUCCESS]);
    await mr.close();
  });

  it('registering twice is STATUS_INVALID_DEVICE_STATE and keeps the first registration', async () => {
    const mr = createMr('inline');
    const memory = Buffer.alloc(4096);
    expect(NdkRegisterMr(mr, memory, 4096, LOCAL_WRITE, () => {}, 0)).toBe(STATUS_SUCCESS);
    const before: NdkOut<number> = {};
    NdkGetRemoteTokenFromMr(mr, before);
    expect(NdkRegisterMr(mr, memory, 4096, LOCAL_WRITE, () => {}, 0)).toBe(
      NtStatus.STATUS_INVALID_DEVICE_STATE,
    );
    const after: NdkOut<number> = {};
    expect(NdkGetRemoteTokenFromMr(mr, after)).toBe(STATUS_SUCCESS);
    expect(after.value).toBe(before.value);
    expect(kernelMrCount()).toBe(1);
    await mr.close();
    expect(kernelMrCount()).toBe(0);
  });

  it('a closed region answers STATUS_INVALID_HANDLE to everything, close included', () => {
    const mr = createMr('inline');
    expect(NdkCloseObject(mr, () => {}, 0)).toBe(STATUS_SUCCESS);
    const out: NdkOut<number> = {};
    expect(NdkRegisterMr(mr, Buffer.alloc(8), 8, 0, () => {}, 0)).toBe(
      NtStatus.STATUS_INVALID_HANDLE,
    );
    expect(NdkDeregisterMr(mr, () => {}, 0)).toBe(NtStatus.STATUS_INVALID_HANDLE);
    expect(NdkGetLocalTokenFromMr(mr, out)).toBe(NtStatus.STATUS_INVALID_HANDLE);
    expect(NdkCloseObject(mr, () => {}, 0)).toBe(NtStatus.STATUS_INVALID_HANDLE);
    expect(out.value).toBeUndefined();
  });

  it('fast-register regions are refused with STATUS_NOT_SUPPORTED', () => {
    const out: NdkOut<MemoryRegion> = {};
    expect(NdkCreateMr(fixture.pd, true, () => {}, 0, out)).toBe(NtStatus.STATUS_NOT_SUPPORTED);
    expect(out.value).toBeUndefined();
  });
});

describe('close ordering', () => {
  it('a close issued while a request is pending completes after it, and is the last callback', async () => {
    const mr = createMr('deferred');
    const order: string[] = [];
    expect(
      NdkRegisterMr(
        mr,
        allocate(64 * 1024),
        64 * 1024,
        LOCAL_WRITE,
        (_c, s) => order.push(`register ${ntStatusName(s)}`),
        0,
      ),
    ).toBe(STATUS_PENDING);
    expect(NdkCloseObject(mr, () => order.push('close'), 0)).toBe(STATUS_PENDING);
    expect(mr.state).toBe(ObjectState.Closing);
    expect(await waitFor(() => order.includes('close'))).toBe(true);
    await settle();
    await settle();
    expect(order).toEqual(['register STATUS_SUCCESS', 'close']);
    expect(kernelMrCount()).toBe(0);
  });

  it('closing a parent with live children stays PENDING until the children are closed', async () => {
    const out: NdkOut<ProtectionDomain> = {};
    expect(NdkCreatePd(fixture.adapter, () => {}, 0, out)).toBe(STATUS_SUCCESS);
    const domain = out.value!;
    const mr = createMr('inline', domain);
    expect(NdkRegisterMr(mr, Buffer.alloc(4096), 4096, LOCAL_WRITE, () => {}, 0)).toBe(
      STATUS_SUCCESS,
    );
    const closed: unknown[] = [];
    expect(NdkCloseObject(domain, (context) => closed.push(context), 'pd')).toBe(STATUS_PENDING);
    // A closing parent takes no new children.
    expect(NdkCreateMr(domain, false, () => {}, 0, {})).toBe(NtStatus.STATUS_INVALID_HANDLE);
    await settle();
    expect(closed).toEqual([]);
    expect(NdkCloseObject(mr, () => closed.push('mr'), 'mr')).toBe(STATUS_SUCCESS);
    expect(closed).toEqual([]); // never inside the call that closed the child
    expect(await waitFor(() => closed.length > 0)).toBe(true);
    expect(closed).toEqual(['pd']);
    expect(domain.state).toBe(ObjectState.Closed);
    expect(kernelMrCount()).toBe(0);
  });
});

describe('re-entrancy', () => {
  it('a completion may call anything, including closing its own region', async () => {
    const mr = createMr('deferred');
    const seen: string[] = [];
    const status = NdkRegisterMr(
      mr,
      Buffer.alloc(4096),
      4096,
      LOCAL_WRITE,
      () => {
        const token: NdkOut<number> = {};
        seen.push(ntStatusName(NdkGetLocalTokenFromMr(mr, token)));
        seen.push(ntStatusName(NdkCloseObject(mr, () => seen.push('closed'), 0)));
      },
      0,
    );
    expect(status).toBe(STATUS_PENDING);
    expect(await waitFor(() => seen.includes('closed'))).toBe(true);
    expect(seen).toEqual(['STATUS_SUCCESS', 'STATUS_PENDING', 'closed']);
    expect(kernelMrCount()).toBe(0);
  });

  it('an exception thrown by a completion is an uncaught exception; the library stays consistent', async () => {
    const { code, stdout: output } = await runChild('throwing-completion');
    expect(code).toBe(0);
    expect(output).toContain('uncaught: boom from the completion');
    expect(output).toContain('after: deregister STATUS_SUCCESS, kernel MRs 0');
  });
});
