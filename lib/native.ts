/**
 * The native addon's surface, declared once. Only this module loads the addon; everything else in
 * the package goes through {@link native}. Handles are opaque, type-tagged externals: passing one
 * kind where another is expected makes the addon throw a TypeError (the facade never does).
 *
 * @packageDocumentation
 */

import bindings from 'bindings';

/** What `listDevices()` reports for one RDMA device. */
export interface NativeDeviceInfo {
  readonly name: string;
  readonly nodeGuid: string;
  readonly transport: string;
  readonly ports: ReadonlyArray<{ port: number; state: string; linkLayer: string }>;
}

declare const deviceBrand: unique symbol;
declare const pdBrand: unique symbol;
declare const mrBrand: unique symbol;
/** An open verbs device context (`ibv_open_device`). */
export type DeviceHandle = { readonly [deviceBrand]: true };
/** A protection domain (`ibv_alloc_pd`). */
export type PdHandle = { readonly [pdBrand]: true };
/** A memory region object; registered or not. */
export type MrHandle = { readonly [mrBrand]: true };

/**
 * The addon's own answers, beside 0 (done) and positive errno values. Mirrors native/result_codes.h.
 */
export const NativeResult = {
  Done: 0,
  Pending: -1,
  Busy: -2,
  WrongState: -3,
  Gone: -4,
  BadArgument: -5,
} as const;

/** The registration state of a native memory region. Mirrors MrState in native/verbs_objects.h. */
export const NativeMrState = {
  Unregistered: 0,
  Registering: 1,
  Registered: 2,
  Deregistering: 3,
  Destroyed: 4,
} as const;

/** The functions the addon exports. Results are 0, an errno (> 0) or a {@link NativeResult}. */
export interface NativeAddon {
  listDevices(): NativeDeviceInfo[];
  openDevice(name: string): DeviceHandle | number;
  closeDevice(device: DeviceHandle): number;
  allocPd(device: DeviceHandle): PdHandle | number;
  deallocPd(pd: PdHandle): number;
  createMr(pd: PdHandle): MrHandle | number;
  /** Registers `view`'s bytes; when `deferred`, returns Pending and calls `done(errno)` later. */
  mrRegister(
    mr: MrHandle,
    view: Uint8Array,
    access: number,
    deferred: boolean,
    done?: (errno: number) => void,
  ): number;
  /** Deregisters; when `deferred`, returns Pending and calls `done(errno)` later. */
  mrDeregister(mr: MrHandle, deferred: boolean, done?: (errno: number) => void): number;
  /** `[lkey, rkey]` while a verbs registration exists, else null. */
  mrKeys(mr: MrHandle): [number, number] | null;
  mrState(mr: MrHandle): number;
  /** Page-aligned, natively owned memory, or an errno. */
  allocateMemory(length: number): ArrayBuffer | number;
  readonly pageSize: number;
}

/** The addon, loaded for this environment (each worker thread gets its own instance). */
export const native = bindings('ndk_verbs') as NativeAddon;
