/**
 * listDevices() opens each device's context to read its ports; when building its answer throws
 * halfway, the contexts it opened are closed all the same (an open uverbs fd keeps rxe from
 * removing the device) and the device list is freed.
 */

import { runChild } from '../support/child';

it('listDevices() closes the contexts it opened when describing a port throws', async () => {
  const end = await runChild('device-list-child');
  expect(end.code).toBe(0);
  const line = /fds (\{.*\})/.exec(end.stdout)?.[1];
  expect(line).toBeDefined();
  const fds = JSON.parse(line ?? '{}') as Record<string, unknown>;
  expect(fds.threw).toBe('describing a port fails');
  expect(fds.listed).toBeGreaterThan(0); // a missing device fails here
  expect(fds.after).toBe(fds.before);
});
