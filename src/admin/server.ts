// The admin listener: a table of routes (liveness, stats, metrics, the
// control API, the dashboard), each in its own file, behind one token check.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AdminConfig } from '../config/types.js';
import { sendJson, sendProblem } from './http.js';
import type { AdminAuth } from './auth.js';

export interface AdminRequest {
  req: IncomingMessage;
  res: ServerResponse;
  /** Path without the query string. */
  path: string;
  /** Named segments captured by the route pattern. */
  params: Record<string, string>;
  query: URLSearchParams;
}

export interface AdminRoute {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** `/api/pools/:pool/backends/:id` style; `:name` captures one segment. */
  path: string;
  handle(request: AdminRequest): void | Promise<void>;
}

interface CompiledRoute {
  route: AdminRoute;
  pattern: RegExp;
  names: string[];
}

function compile(route: AdminRoute): CompiledRoute {
  const names: string[] = [];
  const source = route.path
    .split('/')
    .map((segment) => {
      if (!segment.startsWith(':')) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(segment.slice(1));
      return '([^/]+)';
    })
    .join('/');
  return { route, pattern: new RegExp(`^${source}/?$`), names };
}

export class AdminServer {
  readonly server: Server;
  private readonly routes: CompiledRoute[] = [];

  constructor(
    private readonly config: AdminConfig,
    private readonly auth: AdminAuth,
  ) {
    this.server = createServer((req, res) => {
      this.dispatch(req, res).catch((err: unknown) => {
        if (!res.headersSent) sendProblem(res, 500, 'internal_error', (err as Error).message);
        else res.destroy();
      });
    });
    this.server.keepAliveTimeout = 5_000;
    this.add({ method: 'GET', path: '/healthz', handle: ({ res }) => sendJson(res, 200, { status: 'ok' }) });
  }

  add(...routes: AdminRoute[]): void {
    for (const route of routes) this.routes.push(compile(route));
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://admin');
    const path = url.pathname;
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    let allowed: string[] = [];
    for (const { route, pattern, names } of this.routes) {
      const match = pattern.exec(path);
      if (match === null) continue;
      if (route.method !== method) {
        allowed.push(route.method);
        continue;
      }
      if (!this.auth.allows(req, path)) {
        res.setHeader('www-authenticate', 'Bearer realm="fairway admin"');
        return sendProblem(res, 401, 'unauthorized', 'this endpoint needs Authorization: Bearer <admin token>');
      }
      const params: Record<string, string> = {};
      try {
        names.forEach((name, i) => (params[name] = decodeURIComponent(match[i + 1]!)));
      } catch {
        return sendProblem(res, 400, 'bad_request', `${path} is not a valid path (malformed percent-encoding)`);
      }
      await route.handle({ req, res, path, params, query: url.searchParams });
      return;
    }
    if (allowed.length > 0) {
      allowed = [...new Set(allowed)];
      res.setHeader('allow', allowed.join(', '));
      return sendProblem(res, 405, 'method_not_allowed', `${req.method} is not allowed on ${path} (allowed: ${allowed.join(', ')})`);
    }
    sendProblem(res, 404, 'not_found', `no admin endpoint at ${path}`, {
      endpoints: [...new Set(this.routes.map((r) => `${r.route.method} ${r.route.path}`))],
    });
  }

  listen(): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      // Tagged so the start-up error can say which listener failed (cli/listen-error.ts).
      const onError = (err: Error) => reject(Object.assign(err, { listener: 'admin listener' }));
      this.server.once('error', onError);
      this.server.listen(this.config.port, this.config.host, () => {
        this.server.off('error', onError);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  async close(): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }
}
