// The admin listener: liveness and the stats snapshot. (The runtime control
// API and dashboard are added here later.)
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AdminConfig } from '../config/types.js';
import type { StatsSnapshot } from './stats.js';

export interface AdminSources {
  stats(): StatsSnapshot;
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value, null, 2) + '\n';
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(body);
}

export class AdminServer {
  readonly server: Server;

  constructor(
    private readonly config: AdminConfig,
    sources: AdminSources,
  ) {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('allow', 'GET, HEAD');
        return sendJson(res, 405, { error: 'method_not_allowed', message: `${req.method} is not allowed on ${path}` });
      }
      switch (path) {
        case '/healthz':
          return sendJson(res, 200, { status: 'ok' });
        case '/lb/stats':
          return sendJson(res, 200, sources.stats());
        default:
          return sendJson(res, 404, { error: 'not_found', message: `no admin endpoint at ${path}`, endpoints: ['/healthz', '/lb/stats'] });
      }
    });
    this.server.keepAliveTimeout = 5_000;
  }

  listen(): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
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
