/**
 * The NDK-style function of a memory window (NDK's MW dispatch table): `NdkGetRemoteTokenFromMw`.
 * Windows are bound and invalidated through a queue pair (`NdkBind`, `NdkInvalidate`).
 *
 * @packageDocumentation
 */

import { NtStatus } from '../../status/nt-status';
import { kToken } from '../internal';
import { MemoryWindow } from '../memory-window';
import { guarded } from '../outcome';
import { isOut, type NdkOut } from './types';

/**
 * The window's remote token into `out.value`, while it is bound.
 * @returns `STATUS_SUCCESS`; `STATUS_INVALID_DEVICE_STATE` when not bound; `STATUS_INVALID_HANDLE`;
 *   `STATUS_INVALID_PARAMETER` for a bad `out`.
 */
export function NdkGetRemoteTokenFromMw(mw: MemoryWindow, out: NdkOut<number>): number {
  return guarded(() => {
    if (!MemoryWindow.is(mw)) return NtStatus.STATUS_INVALID_HANDLE;
    if (!isOut(out)) return NtStatus.STATUS_INVALID_PARAMETER;
    const outcome = mw[kToken]();
    if (outcome.token !== undefined) out.value = outcome.token;
    return outcome.status;
  });
}
