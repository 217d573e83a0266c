// The request-record filter: when an exchange is done, count it in the
// process totals and, when anyone listens (metrics, access log, dashboard),
// emit its record. Every chain has it, the unrouted one too.
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
    const now = performance.now();
    const durationMs = now - ex.startedAt;
    // A client that left has no answer to time, and a tunnel's lifetime
    // (status 101, recorded when it closes) is no response time.
    if (kind !== 'client_aborted') {
      if (kind !== undefined || ex.status >= 500) this.stats.errors++;
      if (ex.status !== 101) this.stats.latency.record(durationMs, now);
    }
    if (this.events.listenerCount('request') === 0) return;
    const downstream = ex.downstream;
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
      pool: ex.cluster?.name ?? '',
      backend: ex.backend?.id ?? '',
      attempts: ex.attempts,
      errorKind: kind ?? '',
      referer: ex.header('referer'),
      userAgent: ex.header('user-agent'),
      httpVersion: downstream.httpVersion,
      protocol: downstream.protocol,
    });
  }
}
