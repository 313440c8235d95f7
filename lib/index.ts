/**
 * ndk-verbs: RDMA memory regions for Node.js on libibverbs, with the contract of the Windows NDK
 * (NDKPI) memory-region calls. Two API styles over the same objects:
 * - NDK-style functions (`NdkOpenAdapter` … `NdkCloseObject`) that return an NTSTATUS and never throw;
 * - a promise API (`openAdapter()`, `adapter.createPd()`, `pd.createMr()`, `mr.register()`, …) that
 *   rejects with {@link NdkError}.
 *
 * @packageDocumentation
 */

export * from './status';
export { listDevices, type DeviceInfo, type PortInfo } from './devices';
export { diagnostics, type Diagnostics, type ForkSupport } from './diagnostics';
export {
  Adapter,
  openAdapter,
  type AdapterEvent,
  type AdapterEvents,
  type AdapterOptions,
  type AdapterStats,
  type CompletionQueueOptions,
  type PortEvent,
} from './ndk/adapter';
export {
  ADAPTER_EVENT_CHANNEL,
  VERBS_EVENT_TYPES,
  type AdapterEventMessage,
  type AdapterEventType,
  type ObjectEvent,
  type ObjectEvents,
} from './ndk/adapter-events';
export { ProtectionDomain } from './ndk/protection-domain';
export { type DeregistrationResult } from './ndk/batch-deregistration';
export { MemoryRegion, type MemoryRegionOptions, type RegisterOptions } from './ndk/memory-region';
export { ObjectState } from './ndk/lifecycle';
export {
  CompletionQueue,
  NdkCqNotifyType,
  type NdkCqNotificationCallback,
} from './ndk/completion-queue';
export { QueuePair, type QueuePairOptions, type QueuePairRetryOptions } from './ndk/queue-pair';
export { MemoryWindow } from './ndk/memory-window';
export { type QpAddress } from './ndk/qp-address';
export {
  type ConnectOptions,
  type GidChoice,
  type GidEntry,
  type GidFamily,
  type GidType,
  type PathMtu,
} from './ndk/gid-choice';
export { type NdkSge } from './ndk/work-request';
export { type NdkResult, type NdkRequestType } from './ndk/work-result';
export { NdkMrFlags } from './ndk/flags';
export { AUTO_INLINE_LIMIT_BYTES, type CompletionPolicy } from './ndk/completion-policy';
export { allocate, pageSize, type RegistrableMemory } from './ndk/memory';
export * from './ndk/functions';
export { runInVm, type RunInVmOptions, type RunInVmResult, type VmKernel } from './vm';
export {
  runHosts,
  type HostResult,
  type HostsRun,
  type LinkConditions,
  type RunHostsOptions,
  type RunHostsResult,
} from './vm';
