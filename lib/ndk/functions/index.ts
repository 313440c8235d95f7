/**
 * The NDK-style functions, one module per object (as NDK groups them in one dispatch table per
 * object). Each returns an NTSTATUS and never throws; see `types.ts` for the rules they share.
 *
 * @packageDocumentation
 */

export {
  type NdkCloseCompletion,
  type NdkCreateCompletion,
  type NdkObject,
  type NdkOut,
  type NdkRequestCompletion,
} from './types';
export { NdkCreateCq, NdkCreatePd, NdkOpenAdapter } from './adapter';
export { NdkCreateMr, NdkCreateMw, NdkCreateQp } from './protection-domain';
export {
  NdkDeregisterMr,
  NdkGetLocalTokenFromMr,
  NdkGetRemoteTokenFromMr,
  NdkRegisterMr,
} from './memory-region';
export { NdkGetRemoteTokenFromMw } from './memory-window';
export { NdkArmCq, NdkGetCqResults } from './completion-queue';
export {
  NdkBind,
  NdkConnectQp,
  NdkGetQpAddress,
  NdkInvalidate,
  NdkRead,
  NdkReceive,
  NdkSend,
  NdkWrite,
} from './queue-pair';
export { NdkCloseObject } from './close';
