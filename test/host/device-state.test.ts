/**
 * What a removed device means for the results the facade reports (`DeviceState`): the rules that
 * rxe cannot exercise, because rxe never disassociates a device. On hardware that does, rdma-core
 * with `RDMAV_ALLOW_DISASSOC_DESTROY` (set by the addon) frees what it can, and a destroy may still
 * answer `EIO`; these tests inject that errno into the facade's mapping.
 */

import { NtStatus } from '../../lib';
import { DeviceState } from '../../lib/ndk/device-state';
import { fromNative, SUCCESS } from '../../lib/ndk/outcome';

const EIO = 5;
const EBUSY = 16;

it('counts an EIO from a release as released only after the device was removed', () => {
  const device = new DeviceState();
  const eio = fromNative(EIO, 'ibv_dereg_mr', true);
  expect(eio.status).toBe(NtStatus.STATUS_DEVICE_REMOVED);
  expect(device.releaseOutcome(eio)).toBe(eio);
  device.removed = true;
  expect(device.releaseOutcome(eio)).toBe(SUCCESS);
  // Other errnos keep their meaning: the errno table stands.
  const busy = fromNative(EBUSY, 'ibv_dealloc_pd', true);
  expect(device.releaseOutcome(busy)).toBe(busy);
});

it('completes pending requests with STATUS_DEVICE_REMOVED once the objects were released', () => {
  const device = new DeviceState();
  expect(device.completion(SUCCESS)).toBe(SUCCESS);
  device.removed = true; // onRemoval: 'hold' — requests complete as verbs says
  expect(device.completion(SUCCESS)).toBe(SUCCESS);
  device.released = true;
  expect(device.completion(SUCCESS).status).toBe(NtStatus.STATUS_DEVICE_REMOVED);
});

it('refuses requests on released objects with STATUS_DEVICE_REMOVED, on closed ones with STATUS_INVALID_HANDLE', () => {
  const device = new DeviceState();
  expect(device.refusal(true, 'the region')).toBeUndefined();
  expect(device.refusal(false, 'the region')?.status).toBe(NtStatus.STATUS_INVALID_HANDLE);
  device.released = true;
  expect(device.refusal(true, 'the region')?.status).toBe(NtStatus.STATUS_DEVICE_REMOVED);
  expect(device.closedRefusal('the region').status).toBe(NtStatus.STATUS_DEVICE_REMOVED);
});
