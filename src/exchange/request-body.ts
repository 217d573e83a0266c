// Request bodies on their way upstream. A body up to `limit` bytes is
// buffered whole, so a retry can send it again; a larger one streams through
// a PassThrough, so an upstream failure destroys that pipe and never the
// client's own request stream.
import { PassThrough, type Readable } from 'node:stream';
import type { Downstream } from './downstream.js';

export type BodyReady = (body: Buffer | Readable, replayable: boolean) => void;

function streamFrom(downstream: Downstream, prefix: Buffer[]): Readable {
  const req = downstream.body;
  const pipe = new PassThrough({ highWaterMark: 64 * 1024 });
  for (const chunk of prefix) pipe.write(chunk);
  req.pipe(pipe);
  // Upstream gave up on the body (destroyed the pipe): drop the rest, so the
  // client's keep-alive connection can go on to its next request.
  pipe.once('close', () => {
    if (downstream.bodyComplete || req.destroyed) return;
    req.unpipe(pipe);
    req.resume();
  });
  return pipe;
}

/**
 * Calls `ready` once the body is known to fit in `limit` (buffered, replayable)
 * or to exceed it (streamed, not replayable). Never calls it if the client
 * goes away first.
 */
export function prepareRequestBody(downstream: Downstream, contentLength: number | undefined, limit: number, ready: BodyReady): void {
  if (contentLength !== undefined && contentLength > limit) {
    ready(streamFrom(downstream, []), false);
    return;
  }
  const req = downstream.body;
  const chunks: Buffer[] = [];
  let size = 0;
  const onData = (chunk: Buffer) => {
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
}
