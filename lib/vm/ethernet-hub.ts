import * as dgram from 'node:dgram';

/** What a host's link does to the frames it sends and receives (both directions). */
export interface LinkConditions {
  /** Share of frames dropped, in percent (0 to 100); default 0. */
  lossPercent?: number;
  /** Added one-way delay in milliseconds (0 to 10000); default 0. */
  delayMs?: number;
}

interface Port {
  socket: dgram.Socket;
  /** The guest's end (QEMU's dgram netdev), learned from its first frame. */
  guest?: { address: string; port: number };
  up: boolean;
  lossPercent: number;
  delayMs: number;
}

const BROADCAST_BIT = 0x01;

/**
 * The virtual Ethernet segment of `runHosts`: a learning switch in this process, with one UDP
 * port on 127.0.0.1 per host. Each guest's virtio-net NIC is a QEMU `-netdev dgram` whose remote
 * end is its switch port, so nothing needs root, a bridge or a tap device, and the ports are
 * chosen by the kernel (runs of other users never collide). Because every frame passes here,
 * a link can be cut, made lossy or slow from the host without touching the guests: a cut link
 * drops frames while the guest's NIC keeps its carrier, as when a cable or switch between the
 * hosts fails.
 */
export class EthernetHub {
  private readonly ports: Port[];
  /** Learned MAC address (12 hex digits) → the port it was last seen on. */
  private readonly macs = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(sockets: dgram.Socket[]) {
    this.ports = sockets.map((socket) => ({ socket, up: true, lossPercent: 0, delayMs: 0 }));
    this.ports.forEach((port, index) => {
      port.socket.on('message', (frame, from) => this.receive(index, frame, from));
      // A guest that is gone makes sends fail (ECONNREFUSED on loopback): that is a lost frame.
      port.socket.on('error', () => {});
    });
  }

  /**
   * Opens one switch port per host.
   *
   * @param hosts - Number of hosts.
   * @returns The hub, every port bound.
   */
  static async open(hosts: number): Promise<EthernetHub> {
    const sockets: dgram.Socket[] = [];
    try {
      for (let i = 0; i < hosts; i++) {
        const socket = dgram.createSocket('udp4');
        sockets.push(socket);
        await new Promise<void>((resolve, reject) => {
          socket.once('error', reject);
          socket.bind(0, '127.0.0.1', () => {
            socket.off('error', reject);
            resolve();
          });
        });
      }
    } catch (err) {
      for (const socket of sockets) socket.close();
      throw err;
    }
    return new EthernetHub(sockets);
  }

  /**
   * The UDP port on 127.0.0.1 that host `host`'s QEMU sends its frames to.
   *
   * @param host - Host index.
   * @returns The port number.
   */
  portOf(host: number): number {
    return this.port(host).socket.address().port;
  }

  /**
   * Cuts or restores a host's link: while it is down, every frame from or to the host is dropped.
   *
   * @param host - Host index.
   * @param state - `'down'` or `'up'`.
   */
  setLink(host: number, state: 'up' | 'down'): void {
    this.port(host).up = state === 'up';
  }

  /**
   * Sets loss and delay on a host's link, applied to the frames it sends and to those it receives.
   *
   * @param host - Host index.
   * @param conditions - Loss in percent and delay in ms; a field left out is set back to 0.
   */
  setConditions(host: number, conditions: LinkConditions): void {
    const port = this.port(host);
    port.lossPercent = conditions.lossPercent ?? 0;
    port.delayMs = conditions.delayMs ?? 0;
  }

  /** Closes every port and drops the frames still delayed. */
  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const port of this.ports) port.socket.close();
  }

  private port(host: number): Port {
    const port = this.ports[host];
    if (port === undefined) throw new RangeError(`there is no host ${host}`);
    return port;
  }

  private receive(from: number, frame: Buffer, sender: dgram.RemoteInfo): void {
    const source = this.ports[from];
    // The first sender on a port is its guest; anything else on 127.0.0.1 is ignored.
    source.guest ??= { address: sender.address, port: sender.port };
    if (source.guest.port !== sender.port || frame.length < 14 || !source.up) return;
    this.macs.set(frame.toString('hex', 6, 12), from);
    const known =
      (frame[0] & BROADCAST_BIT) === 0 ? this.macs.get(frame.toString('hex', 0, 6)) : undefined;
    const targets =
      known !== undefined && known !== from
        ? [known]
        : this.ports.map((_, i) => i).filter((i) => i !== from);
    for (const to of targets) this.forward(source, to, frame);
  }

  private forward(source: Port, to: number, frame: Buffer): void {
    const target = this.ports[to];
    if (!target.up || target.guest === undefined) return;
    const loss = 1 - (1 - source.lossPercent / 100) * (1 - target.lossPercent / 100);
    if (loss > 0 && Math.random() < loss) return;
    const { address, port } = target.guest;
    const send = (): void => target.socket.send(frame, port, address);
    const delay = source.delayMs + target.delayMs;
    if (delay === 0) {
      send();
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      // Checked again on arrival: a link cut while the frame was on its way loses it.
      if (target.up) send();
    }, delay);
    this.timers.add(timer);
  }
}
