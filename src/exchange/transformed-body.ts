// An answer's body on its way through the streams filters asked for
// (Filter.onResponseTransform, e.g. a compressor): the backend's chunks go
// into the first, what comes out of the last goes to the client. Backpressure
// holds both ways: a slow client pauses the last stream, whose full buffers
// stop the first from taking more, which pauses the backend's body until the
// first drains. The lifecycle (lifecycle.ts) feeds it and hears its end.
import { Buffer } from 'node:buffer';
import type { Duplex } from 'node:stream';
import type { Downstream } from './downstream.js';

/** What the lifecycle hears from the body on its way. */
export interface TransformedBodyOwner {
  bytesOut: number;
  /** The first stream can take more of the backend's body. */
  onTransformDrain(): void;
  /** The last stream ended and the answer was ended after it. */
  onTransformEnd(): void;
  /** A stream failed; `filter` is the name of the filter that made it. */
  onTransformError(filter: string, err: Error): void;
}

export class TransformedBody {
  private readonly first: Duplex;
  private readonly last: Duplex;
  private waitingForRoom = false;
  private waitingForClient = false;
  private trailers: string[] | null = null;
  private done = false;
  /** The last stream's latest output, written a microtask later (or with the end, when that comes first). */
  private pending: Buffer | undefined;
  private pendingScheduled = false;

  constructor(
    private readonly streams: readonly Duplex[],
    names: readonly string[],
    private readonly downstream: Downstream,
    private readonly owner: TransformedBodyOwner,
  ) {
    this.first = streams[0]!;
    this.last = streams[streams.length - 1]!;
    streams.forEach((stream, i) => {
      stream.on('error', (err: Error) => this.failed(names[i]!, err));
      if (i > 0) streams[i - 1]!.pipe(stream);
    });
    this.last.on('data', this.onOutput);
    this.last.once('end', this.onEnd);
  }

  /** A chunk of the backend's body; false when the first stream is full (onTransformDrain follows). */
  write(chunk: Buffer): boolean {
    if (this.first.write(chunk)) return true;
    if (!this.waitingForRoom) {
      this.waitingForRoom = true;
      this.first.once('drain', this.onRoom);
    }
    return false;
  }

  /** The backend's body ended: the answer ends, with these trailers, once the streams have let everything out. */
  end(trailers: string[] | null): void {
    this.trailers = trailers;
    this.first.end();
  }

  /** The answer was cut short: every stream goes, nothing more reaches the client. */
  destroy(): void {
    if (this.done) return;
    this.done = true;
    for (const stream of this.streams) stream.destroy();
  }

  // An output chunk waits for the end of the current tick: a stream that ends
  // right after its last output (a small answer compressed in one call) then
  // sends head, body and end in one write instead of two.
  private readonly onOutput = (chunk: Buffer): void => {
    if (this.done) return;
    this.owner.bytesOut += chunk.length;
    if (this.pending !== undefined) this.writePending();
    this.pending = chunk;
    if (!this.pendingScheduled) {
      this.pendingScheduled = true;
      queueMicrotask(this.flushPending);
    }
  };

  private readonly flushPending = (): void => {
    this.pendingScheduled = false;
    if (this.pending !== undefined && !this.done) this.writePending();
  };

  private writePending(): void {
    const chunk = this.pending!;
    this.pending = undefined;
    if (this.downstream.write(chunk) || this.waitingForClient) return;
    this.waitingForClient = true;
    this.last.pause();
    this.downstream.onDrain(this.onClientDrain);
  }

  private readonly onClientDrain = (): void => {
    this.waitingForClient = false;
    if (!this.done) this.last.resume();
  };

  private readonly onRoom = (): void => {
    this.waitingForRoom = false;
    if (!this.done) this.owner.onTransformDrain();
  };

  private readonly onEnd = (): void => {
    if (this.done) return;
    this.done = true;
    const trailers = this.trailers;
    const last = this.pending;
    this.pending = undefined;
    if (trailers === null) this.downstream.end(last);
    else this.downstream.end(last, trailers);
    this.owner.onTransformEnd();
  };

  private failed(filter: string, err: Error): void {
    if (this.done) return;
    this.destroy();
    this.owner.onTransformError(filter, err);
  }
}
