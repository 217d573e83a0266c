// Accepting while clients wait in the accept queue, on a runtime without
// `reusePort`. libuv accepts one connection per listening descriptor per
// event-loop turn, and a busy turn takes milliseconds: a thousand clients
// that connect at once wait seconds to be accepted, and a steady stream of
// new connections is served one per turn. Either shows as a streak of turns
// that each accepted; this then opens copies of the listening descriptor
// (listen-socket-copies.ts), each one more accept per turn, and closes them
// once the queue is drained (few accepts for a while). A copy costs a failed
// accept(2) on a turn with fewer waiting clients than copies, which more
// than pays for itself under load: measured on fairway with a new
// connection per request, 97–104 µs per request with the copies open
// against 152–160 µs without (the turns are fewer and do more each).
import { performance } from 'node:perf_hooks';
import { createServer, type Server, type ServerOpts, type Socket } from 'node:net';
import { copyListeningSocket, type ListenHandleCopy } from './listen-socket-copies.js';

/** Copies opened for a backlog: with the listener's own socket, 32 accepts per turn. */
export const BACKLOG_COPIES = 31;
/** Event-loop turns in a row that each accepted a connection: a queue is building. */
const STREAK_TURNS = 64;
const WINDOW_MS = 200;
/** While copies are open, fewer accepts than this in a window (about one turn's worth): the queue is drained. */
const DRAINED_ACCEPTS = 32;
/** Each opening uses up the copies and a child process makes more: at most one opening in this long. */
const OPENING_SPACING_MS = 1_000;
/** A listener that has accepted this many keeps copies at hand; one that never does costs no child process. */
const STOCK_AFTER_ACCEPTS = 64;

/** Whether a streak of accepting turns says clients are waiting. */
export function backlogBuilding(streakTurns: number): boolean {
  return streakTurns >= STREAK_TURNS;
}

/** Whether a window of `WINDOW_MS` with the copies open says the queue is drained. */
export function backlogDrained(acceptedInWindow: number): boolean {
  return acceptedInWindow < DRAINED_ACCEPTS;
}

export interface AcceptBacklogOptions {
  /** The server whose 'connection' handlers serve every connection. */
  primary: Server;
  socketOptions: ServerOpts;
  backlog: number;
  copies?: number;
}

export class AcceptBacklog {
  private readonly servers: Server[] = [];
  /** Copies at hand, not accepting yet: fetched while calm, so a backlog need not wait for a child process. */
  private stock: ListenHandleCopy[] = [];
  /** Accepted since the stock was last used up (or since start). */
  private acceptedSinceStock = 0;
  /** Whether this turn accepted (read by the probe in the turn's check phase). */
  private acceptedThisTurn = false;
  private probing = false;
  private streak = 0;
  private acceptedInWindow = 0;
  private timer: NodeJS.Timeout | undefined;
  private fetching: Promise<void> | undefined;
  private closed = false;
  private nextOpeningAt = 0;
  /** Set once copying failed: this runtime cannot, and is not asked again. */
  private unavailable = false;

  constructor(private readonly options: AcceptBacklogOptions) {
    options.primary.on('connection', this.noteAccept);
  }

  /** Sockets accepting besides the primary's right now. */
  get copiesOpen(): number {
    return this.servers.length;
  }

  /** Gets copies for the stock from a child process (at most one at a time). */
  fetch(): Promise<void> {
    if (this.fetching !== undefined) return this.fetching;
    if (this.closed || this.unavailable || this.stock.length > 0) return Promise.resolve();
    this.fetching = copyListeningSocket(this.options.primary, this.options.copies ?? BACKLOG_COPIES).then(
      (copies) => {
        this.fetching = undefined;
        if (this.closed) for (const copy of copies) copy.close();
        else this.stock = copies;
      },
      () => {
        this.fetching = undefined;
        this.unavailable = true;
      },
    );
    return this.fetching;
  }

  /** Starts accepting on the copies (fetching them first if none are at hand); resolves once they accept. */
  async open(): Promise<void> {
    if (this.servers.length > 0 || this.closed) return;
    if (this.stock.length === 0) await this.fetch();
    if (this.servers.length > 0 || this.closed) return;
    const copies = this.stock.splice(0);
    this.acceptedSinceStock = 0;
    const handOver = (socket: Socket) => this.options.primary.emit('connection', socket);
    for (const copy of copies) {
      const server = createServer(this.options.socketOptions, handOver);
      // The backlog belongs to the socket, not the descriptor: listen() again must not shrink it.
      server.listen(copy, this.options.backlog);
      this.servers.push(server);
    }
  }

  /** Stops accepting on the copies; their connections stay open. Resolves when those have closed. */
  closeCopies(): Promise<void> {
    const servers = this.servers.splice(0);
    return Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())))).then(() => undefined);
  }

  /** For the listener's shutdown: no more copies. */
  close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.options.primary.off('connection', this.noteAccept);
    for (const copy of this.stock.splice(0)) copy.close();
    return this.closeCopies();
  }

  private readonly noteAccept = (): void => {
    this.acceptedSinceStock++;
    this.acceptedInWindow++;
    this.acceptedThisTurn = true;
    if (this.probing || this.closed || this.servers.length > 0) return;
    this.probing = true;
    this.streak = 0;
    setImmediate(this.probe);
  };

  /** Runs once a turn while every turn accepts; the first turn without an accept ends the streak. */
  private readonly probe = (): void => {
    if (!this.acceptedThisTurn || this.closed || this.servers.length > 0) {
      this.probing = false;
      if (this.servers.length === 0 && this.acceptedSinceStock >= STOCK_AFTER_ACCEPTS) void this.fetch();
      return;
    }
    this.acceptedThisTurn = false;
    this.streak++;
    if (backlogBuilding(this.streak)) {
      const now = performance.now();
      if (now >= this.nextOpeningAt) {
        this.nextOpeningAt = now + OPENING_SPACING_MS;
        this.probing = false;
        void this.open().then(() => this.watch());
        return;
      }
    }
    setImmediate(this.probe);
  };

  /** While copies are open: a window every WINDOW_MS until the queue is drained. */
  private watch(): void {
    if (this.servers.length === 0 || this.closed) return;
    this.acceptedInWindow = 0;
    this.timer = setTimeout(this.endWindow, WINDOW_MS);
    this.timer.unref();
  }

  private readonly endWindow = (): void => {
    this.timer = undefined;
    if (!backlogDrained(this.acceptedInWindow)) return this.watch();
    // Drained: the next backlog finds copies at hand.
    void this.closeCopies();
    void this.fetch();
  };
}
