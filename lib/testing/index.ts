/**
 * `ndk-verbs/testing`: what an integration test of code built on ndk-verbs needs around it. Open a
 * fixture (two devices, a connected queue pair), ask the kernel what this process holds, check a
 * refusal is the expected `NdkError`, and check nothing leaked at the end. The checks throw plain
 * `Error`s, so they work in jest, vitest, mocha and `node:test`.
 *
 * ```ts
 * import { openFixture, expectNoLeaks } from 'ndk-verbs/testing';
 *
 * test('a region is registered', async () => {
 *   const fixture = await openFixture(); // rxe0 and rxe1 in `npx ndk-verbs vm -- npx jest`
 *   try {
 *     const mr = await fixture.local.pd.createMr();
 *     await mr.register(Buffer.alloc(4096));
 *   } finally {
 *     await fixture.close();
 *   }
 *   expectNoLeaks();
 * });
 * ```
 *
 * @packageDocumentation
 */

export {
  type Fixture,
  type FixtureOptions,
  type FixtureSide,
  openFixture,
  openSide,
  requireDevices,
} from './fixture';
export { countResources, expectNoLeaks, type KernelCounts } from './leaks';
export { type ExpectedNdkError, expectNdkError } from './ndk-error';
export {
  allKernelResources,
  type KernelResource,
  type KernelResourceKind,
  type KernelResources,
  kernelResources,
  threadIds,
} from '../restrack';
