// An open tunnel: the client's connection and the backend's joined both
// ways once the backend switched protocols. Each direction keeps its
// backpressure (a side that cannot take more pauses the other), passes its
// end on as an end (a half-close: the other direction goes on), and counts
// its bytes. No byte either way for `idleMs` closes both sides, as does one
// side failing or being destroyed.
import { Buffer } from 'node:buffer';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';

function noop(): void {}

export class TunnelPipe {
  /** Client to backend. */
  bytesIn = 0;
  /** Backend to client, the bytes that came with its 101 head included. */
  bytesOut = 0;
  private lastActivity = performance.now();
  private timer: NodeJS.Timeout | undefined;
  private closedSides = 0;
  private ended = false;

  constructor(
    private readonly client: Duplex,
    private readonly backend: Duplex,
    /** Bytes the backend sent right after its 101 head. */
    backendHead: Buffer,
    private readonly idleMs: number,
    private readonly onEnd: (pipe: TunnelPipe) => void,
  ) {
    if (backendHead.length > 0) {
      this.bytesOut += backendHead.length;
      client.write(backendHead);
    }
    this.join(client, backend, true);
    this.join(backend, client, false);
    if (idleMs > 0) this.armIdle(idleMs);
    client.resume();
    backend.resume();
  }

  /** Closes both sides now; onEnd follows once both have closed. */
  close(): void {
    this.client.destroy();
    this.backend.destroy();
  }

  private join(from: Duplex, to: Duplex, inbound: boolean): void {
    from.on('data', (chunk: Buffer) => {
      if (inbound) this.bytesIn += chunk.length;
      else this.bytesOut += chunk.length;
      this.lastActivity = performance.now();
      if (!to.write(chunk)) {
        from.pause();
        to.once('drain', () => from.resume());
      }
    });
    // Its sender is done; the other direction may still have a lot to say.
    from.on('end', () => to.end());
    // A failure shows as 'close' too, and is handled there.
    from.on('error', noop);
    from.on('close', () => this.sideClosed(from, to));
  }

  private sideClosed(side: Duplex, other: Duplex): void {
    // Closed after both of its directions ended, the other side finishes on
    // its own (its last bytes still going out); cut short, it is cut too.
    if (!side.readableEnded || !side.writableFinished) other.destroy();
    if (++this.closedSides < 2 || this.ended) return;
    this.ended = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.onEnd(this);
  }

  private armIdle(ms: number): void {
    this.timer = setTimeout(this.checkIdle, ms);
    this.timer.unref();
  }

  /** One timer per tunnel, re-armed for what is left of the limit rather than on every chunk. */
  private readonly checkIdle = (): void => {
    this.timer = undefined;
    if (this.ended) return;
    const idle = performance.now() - this.lastActivity;
    if (idle >= this.idleMs) this.close();
    else this.armIdle(this.idleMs - idle);
  };
}
