// The client side of one request, in any protocol. A frontend adapter
// (src/frontend/) turns what its protocol delivers into one Downstream per
// request; everything after the frontend reads and answers the client only
// through this, so nothing there branches on protocol or names node:http.
import { Buffer } from 'node:buffer';
import type { Duplex, Readable } from 'node:stream';

export interface Downstream {
  /** Protocol as it appears in logs and metrics: 'http/1.1', 'http/1.0', 'h2'. */
  readonly protocol: string;
  /** The version number alone ('1.1'), as access logs print it. */
  readonly httpVersion: string;
  readonly clientAddress: string;
  /** The client reached us over TLS. */
  readonly secure: boolean;
  /** The port the client connected to (X-Forwarded-Port), when known. */
  readonly localPort?: number;
  readonly method: string;
  /** The request target as routed and forwarded (origin-form path and query). */
  target: string;
  /** The request head as [name, value, name, value, ...], names as the client sent them. */
  readonly rawHeaders: readonly string[];
  /** Lower-case header names to values, built only when read (balancers' hash keys). */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /**
   * Whether a body follows, for protocols that frame it themselves (HTTP/2
   * ends a bodiless request with its HEADERS frame). Absent in HTTP/1.1,
   * where Content-Length or Transfer-Encoding in the head says.
   */
  readonly bodyFollows?: boolean;
  /** The request body as a stream; read it only when the head says one follows. */
  readonly body: Readable;
  /** The request's trailer fields ([name, value, ...]), once its body has ended. */
  readonly trailers?: readonly string[];
  /** The whole request body has been read. */
  readonly bodyComplete: boolean;
  /** The response head went out. */
  readonly responseStarted: boolean;
  /** The whole response went out. */
  readonly responseFinished: boolean;
  /** The client side is closed (finished, aborted, or the client left). */
  readonly closed: boolean;

  /**
   * Sends the response head; throws, sending nothing, on a header the
   * protocol refuses. `checked`: fields known to be valid (the backend's,
   * checked as they were read); one of `rawHeaders` equal to its
   * counterpart there, in the same order, need not be checked again.
   */
  respond(status: number, rawHeaders: readonly string[], checked?: readonly string[]): void;
  /** Sends body bytes; false when the client is slow: wait for `onDrain`. */
  write(chunk: Buffer): boolean;
  /** Ends the response, with an optional last chunk and trailer fields ([name, value, ...]). */
  end(chunk?: string | Buffer, trailers?: readonly string[]): void;
  /** `listener` runs once, when the client can take more bytes. */
  onDrain(listener: () => void): void;
  /** `listener` runs when the client side closes, finished or not. */
  onClose(listener: () => void): void;
  offClose(listener: () => void): void;
  /** Ends the client side abruptly (a truncated answer must not look whole). */
  abort(err?: Error): void;
  /** This connection takes no further request after this response. */
  closeAfterResponse(): void;
  /**
   * Before answering without reading the request body: skip a short unread
   * body, so the connection can go on, or close after the answer.
   */
  settleUnreadBody(hasBody: boolean, contentLength: number | undefined): void;
  /** After the body was handed on: a body still arriving cannot be skipped cheaply. */
  closeAfterIfBodyUnread(hasBody: boolean): void;
  /** Reads and drops what is left of the request body. */
  discardBody(): void;
  /**
   * The rest of the request body will not be read (a request limit cut it):
   * the client is stopped once the answer is out. HTTP/1.1 closes the
   * connection after the answer; HTTP/2 resets the stream (NO_ERROR), the
   * connection's other streams going on.
   */
  refuseBody(): void;
  /**
   * Present when the client asks to switch this connection to another
   * protocol and its protocol can (HTTP/1.1's Upgrade): the exchange becomes
   * a tunnel if the backend agrees, and is answered as usual if not.
   */
  readonly upgrade?: DownstreamUpgrade;
}

/** A client's request to switch protocols, which the exchange may accept once the backend did. */
export interface DownstreamUpgrade {
  /** What the client asks to switch to, as its Upgrade header lists it ("websocket"). */
  readonly protocols: string;
  /**
   * Tells the client the switch to `protocol` is made (in HTTP/1.1 a 101
   * with `rawHeaders`, the protocol adding its own Connection and Upgrade)
   * and hands over the connection as a paused byte stream; bytes the client
   * sent after its request come first. Throws, sending nothing, on a header
   * the protocol refuses.
   */
  accept(protocol: string, rawHeaders: readonly string[]): Duplex;
}
