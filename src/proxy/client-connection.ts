// Whether the client connection carries another request after an answer:
// kept after answers of our own when the request was read whole (or its
// short body can be skipped), closed after a client's half-close.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHead } from './request-head.js';

/** Most unread request body bytes skipped to keep a connection after an answer of our own. */
const SKIPPABLE_BODY_BYTES = 64 * 1024;

/**
 * A client that half-closed (sent FIN) sends no further requests: say so in
 * the answer's Connection header. node:http closes after it either way.
 */
export function closeAfterIfClientFinished(res: ServerResponse): void {
  if (res.socket?.readableEnded === true) res.shouldKeepAlive = false;
}

/**
 * Before answering a request ourselves without having read its body: skip a
 * short declared body so the connection can go on; close after answering
 * when the rest is long or of unknown length.
 */
export function settleUnreadBody(req: IncomingMessage, res: ServerResponse, head: RequestHead): void {
  if (!head.hasBody || req.complete) return;
  const short = head.contentLength !== undefined && head.contentLength <= SKIPPABLE_BODY_BYTES;
  if (!short) res.shouldKeepAlive = false;
  // Read and discard: a short body ends in time for the next request; a long
  // one is cut when the connection closes after the answer.
  req.resume();
}

/**
 * Before answering ourselves after the body was handled: a body still being
 * read (streamed past the retry buffer) cannot be skipped cheaply, so the
 * connection closes after the answer. A request without a body is complete
 * even while node:http is still finishing its parse.
 */
export function closeAfterIfBodyUnread(req: IncomingMessage, res: ServerResponse, head: RequestHead): void {
  if (head.hasBody && !req.complete) res.shouldKeepAlive = false;
}
