// The request-record filter: when an exchange is done, count it in the
// process totals, tell the metrics what they count (a few plain values),
// and, when anyone listens (access log, dashboard), emit its whole record.
// Every chain has it, the unrouted one too.
import type { Exchange } from '../exchange/exchange.js';
import type { Filter } from '../exchange/phases.js';
import type { FairwayEvents } from '../observability/events.js';
import type { TrafficStats } from '../observability/traffic-stats.js';

export class RequestRecorder implements Filter {
  readonly name = 'request-record';

  constructor(
    private readonly stats: TrafficStats,
    private readonly events: FairwayEvents,
  ) {}

  onDone(ex: Exchange): void {
    const kind = ex.errorKind;
    const now = ex.finishedAt;
    const durationMs = now - ex.startedAt;
    // A client that left has no answer to time, and a tunnel's lifetime
    // (status 101, recorded when it closes) is no response time.
    if (kind !== 'client_aborted') {
      if (kind !== undefined || ex.status >= 500) this.stats.errors++;
      if (ex.status !== 101) this.stats.latency.record(durationMs, now);
    }
    const downstream = ex.downstream;
    const pool = ex.cluster?.name ?? '';
    const backend = ex.backend?.id ?? '';
    const errorKind = kind ?? '';
    this.events.emit('served', downstream.method, ex.status, downstream.protocol, pool, backend, durationMs, errorKind);
    if (this.events.listenerCount('request') === 0) return;
    this.events.emit('request', {
      time: Date.now(),
      requestId: ex.requestId,
      clientAddress: ex.clientAddress,
      method: downstream.method,
      host: ex.head.host ?? '',
      path: downstream.target,
      status: ex.status,
      bytesIn: ex.bytesIn,
      bytesOut: ex.bytesOut,
      durationMs,
      upstreamDurationMs: ex.upstreamMs,
      pool,
      backend,
      attempts: ex.attempts,
      errorKind,
      referer: ex.header('referer'),
      userAgent: ex.header('user-agent'),
      httpVersion: downstream.httpVersion,
      protocol: downstream.protocol,
    });
  }
}
