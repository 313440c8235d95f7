/**
 * A process that opens an adapter with a protection domain and a completion queue, keeps them
 * reachable, and has nothing else to do: it must exit on its own (the device's event reader and
 * the queue's waiter do not keep the event loop alive).
 */

import { openAdapter } from '../../lib';

const held: unknown[] = [];

void (async () => {
  const adapter = await openAdapter(process.argv[2]);
  held.push(adapter, await adapter.createPd(), await adapter.createCq());
  console.log('open');
})();
