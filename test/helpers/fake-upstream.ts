// An Upstream without a socket: each dispatch is recorded (method, path,
// headers, body) and waits until the test answers it, callback by callback,
// as a backend would: headers, data, complete, or an error with a code.
import type { Readable } from 'node:stream';
import type { Cluster } from '../../src/cluster/cluster.js';
import type { DispatchHandler, DispatchOptions, Upstream } from '../../src/upstream/upstream.js';

/** A transport error as the real upstreams raise them: a message and a code. */
export function upstreamError(code: string, message = code): Error & { code: string } {
  return Object.assign(new Error(message), { code });
}

export class FakeDispatch {
  readonly method: string;
  readonly path: string;
  readonly headers: string[];
  /** The body as handed over (a Buffer when buffered whole, a stream when too large). */
  readonly body: Buffer | Readable | null;
  /** Every reason the lifecycle aborted this request with. */
  readonly aborts: Error[] = [];
  /** Times the lifecycle asked for more body after pausing. */
  resumes = 0;
  /** onComplete or onError was delivered. */
  done = false;

  constructor(
    options: DispatchOptions,
    private readonly handler: DispatchHandler,
  ) {
    this.method = options.method;
    this.path = options.path;
    this.headers = options.headers.slice();
    this.body = options.body;
  }

  /** The abort handed to onConnect: like the real pool, it ends the request with onError(reason). */
  readonly abort = (reason?: Error): void => {
    const err = reason ?? upstreamError('UND_ERR_ABORTED', 'request aborted');
    this.aborts.push(err);
    if (this.done) return;
    this.done = true;
    this.handler.onError(err);
  };

  get aborted(): boolean {
    return this.aborts.length > 0;
  }

  /** The backend's response head; returns what the handler answered (false = pause). */
  respond(status: number, rawHeaders: string[] = []): boolean {
    this.mustBeRunning('respond');
    return this.handler.onHeaders(status, rawHeaders, () => this.resumes++, '');
  }

  /** A body chunk; returns what the handler answered (false = pause until resume). */
  data(chunk: string | Buffer): boolean {
    this.mustBeRunning('data');
    return this.handler.onData(Buffer.from(chunk));
  }

  /** The body ends, with trailer fields ([name, value, ...]) when given. */
  complete(trailers: string[] | null = null): void {
    this.mustBeRunning('complete');
    this.done = true;
    this.handler.onComplete(trailers);
  }

  /** The request fails: a transport error with `code` (say 'ECONNREFUSED'), or `err` as it is. */
  error(codeOrError: string | Error): void {
    this.mustBeRunning('error');
    this.done = true;
    this.handler.onError(typeof codeOrError === 'string' ? upstreamError(codeOrError) : codeOrError);
  }

  /** A whole answer at once. */
  answer(status: number, body = '', rawHeaders: string[] = ['Content-Length', String(Buffer.byteLength(body))]): void {
    if (!this.respond(status, rawHeaders) || this.done) return;
    if (body !== '') this.data(body);
    if (!this.done) this.complete();
  }

  private mustBeRunning(what: string): void {
    if (this.done) throw new Error(`${what}: this dispatch already ended`);
  }
}

export class FakeUpstream implements Upstream {
  readonly dispatches: FakeDispatch[] = [];
  destroyed = false;
  private waiters: (() => void)[] = [];

  dispatch(options: DispatchOptions, handler: DispatchHandler): boolean {
    const d = new FakeDispatch(options, handler);
    this.dispatches.push(d);
    handler.onConnect(d.abort);
    for (const wake of this.waiters.splice(0)) wake();
    return true;
  }

  /** The `n`th dispatch (from 1), once it has happened; fails after `timeoutMs`. */
  async nth(n: number, timeoutMs = 2_000): Promise<FakeDispatch> {
    const deadline = Date.now() + timeoutMs;
    while (this.dispatches.length < n) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for dispatch ${n} (got ${this.dispatches.length})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.dispatches[n - 1]!;
  }

  close(): Promise<void> {
    return this.destroy();
  }

  /** Requests still running fail, as the real pool's do. */
  destroy(): Promise<void> {
    this.destroyed = true;
    for (const d of this.dispatches) {
      if (!d.done) d.abort(upstreamError('UND_ERR_DESTROYED', 'the upstream was destroyed'));
    }
    return Promise.resolve();
  }
}

/** Replaces every backend's real upstream (destroyed, unused) with a fake; returns the fakes in backend order. */
export async function fakeUpstreams(cluster: Cluster): Promise<FakeUpstream[]> {
  const fakes: FakeUpstream[] = [];
  for (const backend of cluster.backends) {
    const real = backend.upstream;
    const fake = new FakeUpstream();
    backend.upstream = fake;
    fakes.push(fake);
    await real.destroy();
  }
  return fakes;
}
