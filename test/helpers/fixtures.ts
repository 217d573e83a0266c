// Shared test fixtures: configs, running fairway instances, free ports, bounded waits.
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { Agent, request } from 'undici';
import { pino } from 'pino';
import type { FairwayConfig, PoolConfig } from '../../src/config/types.js';
import { createFairway, type Fairway } from '../../src/index.js';
import { DEFAULTS } from '../../src/config/defaults.js';
import { resolveListenerHttp2 } from '../../src/config/sections/listener-http2.js';

export const silentLogger = pino({ level: 'silent' });

export function poolConfig(urls: readonly string[], overrides: Partial<PoolConfig> = {}): PoolConfig {
  return {
    name: 'default',
    algorithm: 'round-robin',
    backends: urls.map((url, i) => ({ id: `s${i + 1}`, url, weight: 1, maxConnections: 64, backup: false, state: 'enabled' as const })),
    healthCheck: {
      enabled: true,
      method: 'GET',
      path: '/health',
      headers: {},
      intervalMs: 100,
      timeoutMs: 500,
      healthyThreshold: 2,
      unhealthyThreshold: 2,
      expectedStatus: { min: 200, max: 399 },
      initialState: 'healthy',
    },
    timeouts: { connectMs: 1_000, responseMs: 5_000, idleMs: 10_000, tunnelMs: 60_000 },
    queue: { ...DEFAULTS.queue },
    outlierDetection: { ...DEFAULTS.outlierDetection },
    retries: { ...DEFAULTS.retries, on: [...DEFAULTS.retries.on] },
    slowStartMs: 0,
    panicThreshold: 0,
    ...overrides,
  };
}

export function testConfig(pools: PoolConfig[], overrides: Partial<FairwayConfig> = {}): FairwayConfig {
  const listen = overrides.listen ?? { host: '127.0.0.1', port: 0, requestHeaderTimeoutMs: 5_000, keepAliveTimeoutMs: 5_000, abortOnClientClose: false, limits: {} };
  return {
    listen,
    // The shorthand's one plain listener, at the listen address.
    listeners: [{ name: 'web', host: listen.host, port: listen.port, configPath: 'listen', http2: resolveListenerHttp2(undefined, false), middlewares: [], limits: listen.limits }],
    admin: { enabled: true, host: '127.0.0.1', port: 0 },
    pools,
    middlewares: [],
    routes: pools.map((p) => ({ pathPrefix: '/', pool: p.name, middlewares: [] })).slice(0, 1),
    shutdownTimeoutMs: 5_000,
    trustedProxies: [],
    log: { level: 'silent', format: 'json' },
    accessLog: { ...DEFAULTS.accessLog },
    ...overrides,
  };
}

export interface RunningFairway {
  fairway: Fairway;
  url: string;
  adminUrl: string;
  port: number;
  close(): Promise<void>;
}

export async function startFairway(config: FairwayConfig): Promise<RunningFairway> {
  const fairway = createFairway(config, { logger: silentLogger });
  const { proxy, admin } = await fairway.listen();
  return {
    fairway,
    port: proxy.port,
    url: `http://127.0.0.1:${proxy.port}`,
    adminUrl: admin ? `http://127.0.0.1:${admin.port}` : '',
    close: () => fairway.close(1_000),
  };
}

/** A keep-alive client for tests; close it when done. */
export function testClient(): Agent {
  return new Agent({ keepAliveTimeout: 1_000, connections: 64 });
}

export interface SimpleResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export async function get(
  dispatcher: Agent,
  url: string,
  headers: Record<string, string> = {},
  method: 'GET' | 'POST' | 'HEAD' = 'GET',
): Promise<SimpleResponse> {
  const res = await request(url, { dispatcher, method, headers, headersTimeout: 15_000, bodyTimeout: 15_000 });
  return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
}

/** An unused TCP port on loopback, for processes that must be told one. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * `n` distinct unused ports on loopback: all are held open at once, so none
 * is handed out twice, then released for the process that must be told them.
 */
export async function freePorts(n: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
      });
    }
    return servers.map((s) => (s.address() as AddressInfo).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  }
}

/** True when nothing listens on the loopback port (the connection is refused). */
export function connectRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

/** Polls `check` until it returns a truthy value, failing after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => T | Promise<T>,
  timeoutMs = 10_000,
  intervalMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export function backendStats(running: RunningFairway, id: string) {
  const backend = running.fairway.stats().pools[0]!.backends.find((b) => b.id === id);
  if (backend === undefined) throw new Error(`no backend ${id}`);
  return backend;
}
