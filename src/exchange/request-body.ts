// Request bodies on their way upstream. A body up to `limit` bytes is
// buffered whole, so a retry can send it again; a larger one streams through
// a PassThrough, so an upstream failure destroys that pipe and never the
// client's own request stream. A body cut for a limit (cutRequestBody) is
// left unread: the connection closes after the answer instead.
import { Buffer } from 'node:buffer';
import { PassThrough, type Readable } from 'node:stream';
import type { Downstream } from './downstream.js';

export type BodyReady = (body: Buffer | Readable, replayable: boolean) => void;

/** Pipes whose body was cut: the rest is not read, so their close does not drain it. */
const cutPipes = new WeakSet<Readable>();

function streamFrom(downstream: Downstream, prefix: Buffer[]): Readable {
  const req = downstream.body;
  const pipe = new PassThrough({ highWaterMark: 64 * 1024 });
  for (const chunk of prefix) pipe.write(chunk);
  req.pipe(pipe);
  // Upstream gave up on the body (destroyed the pipe): drop the rest, so the
  // client's keep-alive connection can go on to its next request.
  pipe.once('close', () => {
    if (downstream.bodyComplete || req.destroyed || cutPipes.has(pipe)) return;
    req.unpipe(pipe);
    req.resume();
  });
  return pipe;
}

/**
 * Calls `ready` once the body is known to fit in `limit` (buffered, replayable)
 * or to exceed it (streamed, not replayable). Never calls it if the client
 * goes away first, nor after the returned cancel() (a body cut while buffering).
 */
export function prepareRequestBody(downstream: Downstream, contentLength: number | undefined, limit: number, ready: BodyReady): () => void {
  if (contentLength !== undefined && contentLength > limit) {
    ready(streamFrom(downstream, []), false);
    return () => {};
  }
  const req = downstream.body;
  const chunks: Buffer[] = [];
  let size = 0;
  let cancelled = false;
  const onData = (chunk: Buffer) => {
    // A listener removed during an emit still hears that emit's chunk.
    if (cancelled) return;
    chunks.push(chunk);
    size += chunk.length;
    if (size > limit) {
      detach();
      req.pause();
      ready(streamFrom(downstream, chunks), false);
    }
  };
  const onEnd = () => {
    detach();
    ready(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size), true);
  };
  const detach = () => {
    req.off('data', onData);
    req.off('end', onEnd);
  };
  req.on('data', onData);
  req.on('end', onEnd);
  return () => {
    cancelled = true;
    detach();
    chunks.length = 0;
  };
}

/**
 * Stops a request body where it is: unpiped from `streamed` (the body as
 * prepareRequestBody streamed it, if it did), which is destroyed, and the
 * client's stream paused, so nothing more is read or forwarded. Its
 * backpressure stops the client; the caller closes the connection after
 * its answer.
 */
export function cutRequestBody(downstream: Downstream, streamed: Readable | undefined): void {
  const req = downstream.body;
  if (streamed !== undefined) {
    cutPipes.add(streamed);
    req.unpipe(streamed as PassThrough);
    streamed.destroy();
  }
  req.pause();
}
