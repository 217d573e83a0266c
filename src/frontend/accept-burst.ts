// Accepting a burst of new clients on a runtime without `reusePort`.
// libuv accepts one connection per listening descriptor per event-loop turn,
// and a turn that serves a thousand busy connections takes milliseconds, so
// a thousand clients that connect at once wait seconds to be accepted. When
// that happens — turn after turn accepts one connection, and the open
// connections grow with every one — this opens copies of the listening
// descriptor (listen-socket-copies.ts): each is one more accept per turn.
// Once the growth stops it closes them again, because every copy also costs a failed
// accept(2) on any turn with fewer waiting clients than copies (measured: 32
// copies add about 20 µs to each new connection of a steady stream).
import { createServer, type Server, type ServerOpts, type Socket } from 'node:net';
import { copyListeningSocket, type ListenHandleCopy } from './listen-socket-copies.js';

/** Copies opened in a burst: with the listener's own socket, 32 accepts per turn. */
export const BURST_COPIES = 31;
/** Event-loop turns in a row that each accepted a connection before a burst is considered. */
const STREAK_TURNS = 64;
const WINDOW_MS = 200;
/** While copies are open, fewer accepts than this in a window (about one turn's worth) end the burst. */
const CLOSE_ACCEPTS = 32;
/** Each burst uses up the copies and a child process makes more: at most one burst starts in this long. */
const BURST_SPACING_MS = 1_000;
/** A listener that has accepted this many keeps copies at hand; one that never does costs no child process. */
const STOCK_AFTER_ACCEPTS = 64;

/**
 * A backlog shows as a streak of turns that each accept one connection
 * (libuv takes one per turn while more wait). It is a burst of new clients
 * when nearly every connection the streak accepted is still open
 * (`stillOpen`); a steady stream of short connections also accepts every
 * turn, but its connections close within a few turns, and is left alone.
 */
export function startsBurst(streakTurns: number, stillOpen: number): boolean {
  return streakTurns >= STREAK_TURNS && stillOpen * 8 >= streakTurns * 7;
}

/**
 * While copies are open, a window of `WINDOW_MS` ends the burst when the
 * backlog is gone (few accepts) or what it accepted mostly closed again (a
 * steady stream, not a burst).
 */
export function endsBurst(accepted: number, stillOpen: number): boolean {
  return accepted < CLOSE_ACCEPTS || stillOpen * 2 < accepted;
}

export interface AcceptBurstOptions {
  /** The server whose 'connection' handlers serve every connection. */
  primary: Server;
  socketOptions: ServerOpts;
  backlog: number;
  copies?: number;
}

export class AcceptBurst {
  private readonly servers: Server[] = [];
  /** Copies at hand, not accepting yet: fetched while calm, so a burst need not wait for a child process. */
  private stock: ListenHandleCopy[] = [];
  /** Accepted since the stock was last used up (or since start). */
  private acceptedSinceStock = 0;
  /** Whether this turn accepted (read by the probe in the turn's check phase). */
  private acceptedThisTurn = false;
  private probing = false;
  private streak = 0;
  /** Which streak a connection was accepted in, while it is open. */
  private readonly streakOf = new WeakMap<Socket, number>();
  private streakId = 0;
  /** Connections accepted during this streak that are still open. */
  private streakOpen = 0;
  private acceptedInWindow = 0;
  private timer: NodeJS.Timeout | undefined;
  private fetching: Promise<void> | undefined;
  private closed = false;
  private nextBurstAt = 0;
  /** Set once copying failed: this runtime cannot, and is not asked again. */
  private unavailable = false;

  constructor(private readonly options: AcceptBurstOptions) {
    options.primary.on('connection', this.noteAccept);
  }

  /** Sockets accepting besides the primary's right now. */
  get copiesOpen(): number {
    return this.servers.length;
  }

  /** Copies at hand for the next burst. */
  get copiesInStock(): number {
    return this.stock.length;
  }

  /** Gets copies for the stock from a child process (at most one at a time). */
  fetch(): Promise<void> {
    if (this.fetching !== undefined) return this.fetching;
    if (this.closed || this.unavailable || this.stock.length > 0) return Promise.resolve();
    this.fetching = copyListeningSocket(this.options.primary, this.options.copies ?? BURST_COPIES).then(
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

  /** For the listener's shutdown: no more bursts. */
  close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.options.primary.off('connection', this.noteAccept);
    for (const copy of this.stock.splice(0)) copy.close();
    return this.closeCopies();
  }

  private readonly noteAccept = (socket: Socket): void => {
    this.acceptedSinceStock++;
    this.acceptedThisTurn = true;
    if (this.closed) return;
    if (!this.probing && this.servers.length === 0) {
      this.probing = true;
      this.streak = 0;
      this.streakId++;
      this.streakOpen = 0;
      setImmediate(this.probe);
    }
    // Counted by what stays open, not by the listener's total: a burst can
    // come while as many earlier clients leave (one load run after another).
    this.streakOf.set(socket, this.streakId);
    this.streakOpen++;
    this.acceptedInWindow++;
    socket.on('close', this.onStreakSocketClose);
  };

  private readonly onStreakSocketClose = ((burst: AcceptBurst) =>
    function (this: Socket): void {
      if (burst.streakOf.get(this) === burst.streakId) burst.streakOpen--;
    })(this);

  /** Runs once a turn while every turn accepts; the first turn without an accept ends the streak. */
  private readonly probe = (): void => {
    if (!this.acceptedThisTurn || this.closed || this.servers.length > 0) {
      this.probing = false;
      if (this.servers.length === 0 && this.acceptedSinceStock >= STOCK_AFTER_ACCEPTS) void this.fetch();
      return;
    }
    this.acceptedThisTurn = false;
    this.streak++;
    if (this.streak >= STREAK_TURNS) {
      const now = performance.now();
      if (startsBurst(this.streak, this.streakOpen) && now >= this.nextBurstAt) {
        this.nextBurstAt = now + BURST_SPACING_MS;
        this.probing = false;
        void this.open().then(() => this.watch());
        return;
      }
    }
    setImmediate(this.probe);
  };

  /** While copies are open: a window every WINDOW_MS until the growth stops. */
  private watch(): void {
    if (this.servers.length === 0 || this.closed) return;
    this.streakId++;
    this.streakOpen = 0;
    this.acceptedInWindow = 0;
    this.timer = setTimeout(this.endWindow, WINDOW_MS);
    this.timer.unref();
  }

  private readonly endWindow = (): void => {
    this.timer = undefined;
    if (!endsBurst(this.acceptedInWindow, this.streakOpen)) return this.watch();
    // The burst is over: the next one finds copies at hand.
    void this.closeCopies();
    void this.fetch();
  };
}
