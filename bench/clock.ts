/**
 * What the guest's clock counts in this run.
 *
 * @packageDocumentation
 */

import { type Clock } from './result';

/** The guest's clock counts instructions when the VM runner says so (`ndk-verbs vm --icount`). */
export function clockKind(env: NodeJS.ProcessEnv = process.env): Clock {
  return env.NDK_VERBS_VM_ICOUNT === '1' ? 'instructions' : 'wall';
}
