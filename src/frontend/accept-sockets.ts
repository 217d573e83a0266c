// The listening sockets of one address. libuv accepts one connection per
// listening socket per event-loop turn, and under load a turn that serves a
// thousand busy connections takes milliseconds: a burst of new clients then
// waits in the accept queue for seconds (measured: 1,000 connections opened
// at once were accepted over 2–4 s). With SO_REUSEPORT (Node's `reusePort`,
// from 22.12 and 23.1, on Linux and some BSDs) several sockets share the
// address, the kernel spreads new connections over them, and each turn
// accepts one from every socket. Elsewhere there is one socket, and copies
// of it while clients wait to be accepted (accept-backlog.ts).
import { createServer, type AddressInfo, type Server, type ServerOpts, type Socket } from 'node:net';
import { AcceptBacklog } from './accept-backlog.js';

/** Sockets per address when the runtime can share one: 1,000 new clients take about 30 accepts each. */
export const SHARED_ACCEPT_SOCKETS = 32;

const REUSE_PORT_PLATFORMS: readonly string[] = ['linux', 'freebsd', 'aix', 'sunos'];

function runtimeHasReusePort(version: string, platform: string): boolean {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number);
  const inNode = major >= 24 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
  return inNode && REUSE_PORT_PLATFORMS.includes(platform);
}

/** Whether this Node.js can open several listening sockets on one address. */
export const REUSE_PORT = runtimeHasReusePort(process.version, process.platform);

export interface AcceptAddress {
  port: number;
  host: string | undefined;
  backlog: number;
}

function listenOn(server: Server, options: AcceptAddress & { reusePort?: boolean; exclusive?: boolean }): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
}

export class AcceptSockets {
  /** The sockets besides the primary's, each handing its connections to the primary. */
  private readonly extra: Server[] = [];
  /** With one socket: copies of it, opened while clients wait to be accepted. */
  private backlog: AcceptBacklog | undefined;

  /**
   * `primary` is the server whose 'connection' handlers serve every
   * connection (a tls.Server wraps them); `socketOptions` are what it was
   * created with, so a connection accepted by another socket is set up alike.
   */
  constructor(
    private readonly primary: Server,
    private readonly socketOptions: ServerOpts,
    private readonly count = REUSE_PORT ? SHARED_ACCEPT_SOCKETS : 1,
  ) {}

  /** How many sockets accept for this address (for /lb/stats). */
  get sockets(): number {
    return 1 + this.extra.length + (this.backlog?.copiesOpen ?? 0);
  }

  async listen(address: AcceptAddress): Promise<AddressInfo> {
    if (this.count === 1) {
      await listenOn(this.primary, address);
      this.backlog = new AcceptBacklog({ primary: this.primary, socketOptions: this.socketOptions, backlog: address.backlog });
      return this.primary.address() as AddressInfo;
    }
    // A port held by anyone else must still fail with EADDRINUSE, not be
    // shared: an exclusive bind tries it first (a fixed port only; port 0
    // never hands out a port in use).
    if (address.port !== 0) {
      const probe = createServer();
      await listenOn(probe, { ...address, exclusive: true });
      await closeServer(probe);
    }
    await listenOn(this.primary, { ...address, reusePort: true });
    const bound = this.primary.address() as AddressInfo;
    const handOver = (socket: Socket) => this.primary.emit('connection', socket);
    for (let i = 1; i < this.count; i++) {
      const server = createServer(this.socketOptions, handOver);
      try {
        await listenOn(server, { ...address, port: bound.port, reusePort: true });
      } catch {
        break; // fewer sockets only means slower accepting under a burst
      }
      this.extra.push(server);
    }
    return bound;
  }

  /** Stops accepting on every socket; resolves when every connection they accepted has closed. */
  close(): Promise<void> {
    const copies = this.backlog?.close();
    return Promise.all([this.primary, ...this.extra].map(closeServer).concat(copies ?? [])).then(() => undefined);
  }
}
