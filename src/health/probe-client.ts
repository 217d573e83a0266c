// The connection an active health checker keeps to one backend: node:http's
// client on a keep-alive agent of one socket, so checks reuse a connection
// while the backend keeps it open. node:http is in every fairway already (the
// admin API serves on it); undici, used here before, added 10–20 MB of
// resident memory to every process for this alone (docs/benchmarks.md).
import { Buffer } from 'node:buffer';
import * as http from 'node:http';
import * as https from 'node:https';
import type { BackendTlsOptions } from '../upstream/backend-tls.js';

/** A check that ran past its time: connecting, waiting for the head or reading the body. */
export class ProbeTimeout extends Error {
  override name = 'TimeoutError';
  constructor() {
    super('timeout');
  }
}

export interface ProbeRequest {
  method: string;
  path: string;
  /** A `host` among them replaces the one derived from the backend URL. */
  headers: Record<string, string>;
  /** For the whole exchange, the body's reading included. */
  timeoutMs: number;
}

export class ProbeClient {
  private readonly agent: http.Agent;
  private readonly secure: boolean;

  constructor(
    private readonly url: URL,
    tls: BackendTlsOptions | undefined,
  ) {
    this.secure = url.protocol === 'https:';
    // servername '' unless `tls` names one: the https agent would otherwise
    // take the SNI, and the name the certificate must have, from the Host
    // header, which a check may set to another name (see backendTlsOptions).
    this.agent = this.secure ? new https.Agent({ keepAlive: true, maxSockets: 1, servername: '', ...tls }) : new http.Agent({ keepAlive: true, maxSockets: 1 });
  }

  /**
   * The answer's head, with its body still to be read. Past `timeoutMs` from
   * now, the exchange fails with a ProbeTimeout, while the body is read too.
   */
  request(options: ProbeRequest): Promise<http.IncomingMessage> {
    return new Promise((resolve, reject) => {
      const send = this.secure ? https.request : http.request;
      const req = send(this.url, { agent: this.agent, method: options.method, path: options.path, headers: options.headers });
      let answer: http.IncomingMessage | undefined;
      const timer = setTimeout(() => {
        const err = new ProbeTimeout();
        if (answer === undefined) req.destroy(err);
        else answer.destroy(err);
      }, options.timeoutMs);
      timer.unref();
      // `on`, not `once`: a later error (the socket failing mid-body) must not go unheard.
      req.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      req.once('response', (res) => {
        answer = res;
        // Whoever reads the body hears its error from the read itself.
        res.on('error', () => undefined);
        res.once('close', () => clearTimeout(timer));
        resolve(res);
      });
      req.end();
    });
  }

  /** Closes the kept connection and any exchange still running. */
  destroy(): void {
    this.agent.destroy();
  }
}

/**
 * Reads a body to its end, so its connection can carry the next check; a
 * body larger than `limit` is cut, closing the connection.
 */
export async function discard(body: http.IncomingMessage, limit: number): Promise<void> {
  let read = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    read += chunk.length;
    if (read > limit) {
      body.destroy();
      return;
    }
  }
}
