/**
 * The adapter and protection domain most test files share: opened before the file's tests on the
 * first required device, closed after them, with the kernel checked to hold no region of ours.
 */

import { type Adapter, openAdapter, type ProtectionDomain } from '../../lib';
import { requireDevices } from './devices';
import { kernelMrCount } from './kernel';

/** Filled in by `beforeAll`; read it inside tests and hooks only. */
export interface DomainFixture {
  adapter: Adapter;
  pd: ProtectionDomain;
}

/** Registers the hooks that open and close the file's adapter and protection domain. */
export function useDomainFixture(): DomainFixture {
  const fixture = {} as DomainFixture;
  beforeAll(async () => {
    const [device] = requireDevices();
    fixture.adapter = await openAdapter(device);
    fixture.pd = await fixture.adapter.createPd();
  });
  afterAll(async () => {
    await fixture.adapter?.close();
    expect(kernelMrCount()).toBe(0);
  });
  return fixture;
}
