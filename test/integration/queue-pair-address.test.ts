/**
 * A queue pair's own address and the peer's: connecting routes from our port, whatever port the
 * peer's address names (its port number belongs to its device, not ours).
 */

import {
  closeWindowPeers,
  NOTHING_LEFT,
  openWindowPeers,
  type WindowPeers,
} from '../support/bound-window';

let peers: WindowPeers | undefined;

afterEach(async () => {
  expect(await closeWindowPeers(peers)).toEqual(NOTHING_LEFT);
});

it('connects to a peer whose address names a port our device does not have', async () => {
  peers = await openWindowPeers();
  const qp = await peers.localPd.createQp(peers.localCq);
  const peer = await peers.remotePd.createQp(peers.remoteCq);
  // rxe devices have one port: port 2 exists only on the peer's (multi-port) side of this story.
  await expect(qp.connect({ ...peer.localAddress(), port: 2 })).resolves.toBeUndefined();
  await expect(peer.connect(qp.localAddress())).resolves.toBeUndefined();
});
