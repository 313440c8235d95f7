import * as net from 'node:net';
import type { OutputRouter } from './output';

/** The host end of the guest's stderr line (ttyS1), a unix socket that QEMU connects to. */
export interface GuestStderr {
  /** Resolves once the forwarded stream has ended (QEMU has exited) or after a 5 s guard. */
  drained(): Promise<void>;
  /** Stops listening. */
  close(): void;
}

/**
 * Listens on `socketPath` and forwards what QEMU sends there (the command's stderr, as it is
 * written) to the router's stderr.
 *
 * @param socketPath - Path of the unix socket to create.
 * @param router - Where the bytes go.
 * @returns The listener, once it accepts connections.
 */
export async function listenForGuestStderr(
  socketPath: string,
  router: OutputRouter,
): Promise<GuestStderr> {
  const server = net.createServer();
  let ended: Promise<void> | undefined;
  server.on('connection', (socket) => {
    router.forward(socket, 'stderr');
    ended ??= new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.once('error', () => resolve());
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, resolve);
  });
  return {
    // QEMU has exited: its end of the socket is closed, so this settles as soon as the last bytes
    // are forwarded. The timer only guards against a connection that never closes.
    async drained(): Promise<void> {
      if (!ended) return;
      let guard: NodeJS.Timeout | undefined;
      await Promise.race([ended, new Promise((r) => (guard = setTimeout(r, 5000)))]);
      clearTimeout(guard);
    },
    close(): void {
      server.close();
    },
  };
}
