/**
 * The SoftRoCE VM: a throw-away QEMU guest with real `rdma_rxe` devices that runs host commands.
 *
 * @packageDocumentation
 */
export { chooseAccelerator, countedAccelerator, realHostProbe } from './accel';
export type { Accelerator, AcceleratorName, HostProbe } from './accel';
export { buildCommandScript, shellQuote } from './command-script';
export { prepareImage } from './image';
export type { PrepareImageOptions, VmImage } from './image';
export { imageScriptInput, kernelFromEnv } from './kernel';
export type { VmKernel } from './kernel';
export * from './limits';
export { cacheDir, packageRoot, vmCacheDir } from './paths';
export { buildQemuArgs, qemuOptValue } from './qemu-args';
export type { QemuArgsInput } from './qemu-args';
export { runInVm } from './run';
export type { RunInVmOptions, RunInVmResult } from './run';
export { GUEST_PRIVATE_DIRS, hiddenFromGuest } from './visibility';
export { OutputRouter } from './output';
export { superviseQemu } from './supervise';
export type { QemuOutcome, SuperviseOptions } from './supervise';
export { listenForGuestStderr } from './guest-stderr';
export type { GuestStderr } from './guest-stderr';
export { createWorkDir } from './work-dir';
export type { WorkDir } from './work-dir';
export { runHosts } from './run-hosts';
export type { HostResult, HostsRun, RunHostsOptions, RunHostsResult } from './run-hosts';
export type { LinkConditions } from './ethernet-hub';
