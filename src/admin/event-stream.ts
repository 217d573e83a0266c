// GET /api/events: Server-Sent Events for live views. A `snapshot` every
// second (the listeners included, so a certificate swap shows), a `health`
// event on every transition or ejection, and `request` events for a sample
// of recent requests. A consumer that cannot keep up is
// skipped while its socket buffer is full and dropped if it stays full, so a
// slow dashboard never slows the proxy or grows memory.
import { performance } from 'node:perf_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AdminControl } from './control.js';
import type { EjectionEvent, HealthEvent, RequestRecord } from '../observability/events.js';

const TICK_MS = 1_000;
/** Request events sent per second at most (the rest are counted, not sent). */
const REQUEST_SAMPLE_PER_TICK = 25;
/** A consumer whose unsent bytes exceed this is dropped. */
const MAX_BUFFERED_BYTES = 1024 * 1024;
/** A consumer blocked this long is dropped. */
const MAX_BLOCKED_MS = 15_000;

interface Client {
  res: ServerResponse;
  blockedSince: number;
}

interface Previous {
  at: number;
  requests: number;
  errors: number;
  backends: Map<string, { requests: number; errors: number }>;
}

export class EventStream {
  private readonly clients = new Set<Client>();
  private timer: NodeJS.Timeout | undefined;
  private sample: RequestRecord[] = [];
  private seenThisTick = 0;
  private previous: Previous | undefined;

  constructor(private readonly control: Pick<AdminControl, 'events' | 'traffic' | 'pools' | 'describeListeners'>) {}

  private readonly onRequest = (record: RequestRecord): void => {
    this.seenThisTick++;
    if (this.sample.length < REQUEST_SAMPLE_PER_TICK) this.sample.push(record);
  };
  private readonly onHealth = (event: HealthEvent): void => this.broadcast('health', { ...event, ejected: false, time: Date.now() });
  private readonly onEjection = (event: EjectionEvent): void =>
    this.broadcast('health', { pool: event.pool, backend: event.backend, healthy: !event.ejected, ejected: event.ejected, reason: event.reason, time: Date.now() });

  subscribe(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    const client: Client = { res, blockedSince: 0 };
    this.clients.add(client);
    req.socket.setNoDelay(true);
    res.on('close', () => this.remove(client));
    if (this.clients.size === 1) this.start();
    this.send(client, 'snapshot', this.snapshot(false));
  }

  private start(): void {
    const events = this.control.events;
    events.on('request', this.onRequest);
    events.on('health', this.onHealth);
    events.on('ejection', this.onEjection);
    this.previous = undefined;
    this.snapshot(true);
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
  }

  private remove(client: Client): void {
    if (!this.clients.delete(client)) return;
    if (this.clients.size > 0) return;
    clearInterval(this.timer);
    this.timer = undefined;
    const events = this.control.events;
    // With nobody watching, the data path stops building request records.
    events.off('request', this.onRequest);
    events.off('health', this.onHealth);
    events.off('ejection', this.onEjection);
  }

  private tick(): void {
    this.broadcast('snapshot', this.snapshot(true));
    for (const record of this.sample) {
      this.broadcast('request', {
        time: record.time,
        requestId: record.requestId,
        method: record.method,
        path: record.path.length > 200 ? record.path.slice(0, 200) : record.path,
        status: record.status,
        pool: record.pool,
        backend: record.backend,
        durationMs: Math.round(record.durationMs * 1000) / 1000,
        attempts: record.attempts,
        errorKind: record.errorKind,
      });
    }
    this.sample = [];
    this.seenThisTick = 0;
  }

  /** Totals, rates over the last tick, per-backend state, and the listeners. */
  private snapshot(advance: boolean) {
    const now = performance.now();
    const traffic = this.control.traffic;
    const prev = this.previous;
    const seconds = prev ? Math.max(0.001, (now - prev.at) / 1000) : 1;
    const rate = (current: number, before: number | undefined) => (before === undefined ? 0 : Math.round(((current - before) / seconds) * 10) / 10);
    const next: Previous = { at: now, requests: traffic.requests, errors: traffic.errors, backends: new Map() };
    const [p50, p99] = traffic.latency.percentiles([50, 99]);
    const windowRequests = prev ? traffic.requests - prev.requests : 0;
    const view = {
      time: Date.now(),
      uptimeSeconds: Math.round((Date.now() - traffic.startedAt) / 100) / 10,
      totals: { requests: traffic.requests, errors: traffic.errors, active: traffic.active, retries: traffic.retries },
      requestsPerSecond: rate(traffic.requests, prev?.requests),
      // Fractions unrounded: the page rounds for display, and the success rate
      // and the error share it shows next to it must add up to 100 %.
      errorRate: windowRequests > 0 ? (traffic.errors - prev!.errors) / windowRequests : 0,
      successRate: traffic.requests === 0 ? 1 : 1 - traffic.errors / traffic.requests,
      latencyMs: { p50, p99 },
      sampledRequests: { sent: this.sample.length, seen: this.seenThisTick },
      pools: this.control.pools.map((pool) => ({
        name: pool.name,
        algorithm: pool.balancer.name,
        queued: pool.queue.length,
        panicking: pool.panicking,
        healthyBackends: pool.healthyCount,
        totalBackends: pool.backends.length,
        backends: pool.backends.map((b) => {
          const key = `${pool.name}/${b.url}`;
          const before = prev?.backends.get(key);
          next.backends.set(key, { requests: b.totalRequests, errors: b.errors });
          const delta = before ? b.totalRequests - before.requests : 0;
          const [bp50, bp99] = b.recentLatency.percentiles([50, 99]);
          return {
            id: b.id,
            url: b.url,
            state: b.state,
            health: b.ejected ? 'ejected' : b.healthy ? 'healthy' : 'unhealthy',
            // Both facts apart: a backend can fail its health checks while ejected.
            healthy: b.healthy,
            ejected: b.ejected,
            eligible: b.eligible,
            weight: b.configWeight,
            effectiveWeight: Math.round(b.weight * 100) / 100,
            inFlight: b.inFlight,
            openTunnels: b.openTunnels,
            totalRequests: b.totalRequests,
            requestsPerSecond: rate(b.totalRequests, before?.requests),
            errorRate: delta > 0 ? (b.errors - before!.errors) / delta : 0,
            latencyMs: { p50: bp50, p99: bp99 },
          };
        }),
      })),
      listeners: this.control.describeListeners(),
    };
    if (advance) this.previous = next;
    return view;
  }

  /** Sends an event of another part of the admin listener (the dashboard's `test` events) to every consumer. */
  publish(event: string, data: unknown): void {
    this.broadcast(event, data);
  }

  private broadcast(event: string, data: unknown): void {
    if (this.clients.size === 0) return;
    const frame = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const client of this.clients) this.write(client, frame);
  }

  private send(client: Client, event: string, data: unknown): void {
    this.write(client, `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  private write(client: Client, frame: string): void {
    const res = client.res;
    if (res.writableLength > MAX_BUFFERED_BYTES || (client.blockedSince !== 0 && Date.now() - client.blockedSince > MAX_BLOCKED_MS)) {
      res.destroy();
      this.remove(client);
      return;
    }
    if (client.blockedSince !== 0) return; // skip frames until the consumer catches up
    if (!res.write(frame)) {
      client.blockedSince = Date.now();
      res.once('drain', () => (client.blockedSince = 0));
    }
  }
}
