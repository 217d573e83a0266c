// The event bus observers (logs, metrics, dashboard) watch from the side.
// The data path emits; it never waits for or depends on a listener.
import { EventEmitter } from 'node:events';

export interface HealthEvent {
  pool: string;
  backend: string;
  healthy: boolean;
  reason: string;
}

export interface EjectionEvent {
  pool: string;
  backend: string;
  ejected: boolean;
  reason: string;
  /** When the ejection ends (ms epoch), for ejections. */
  until?: number;
}

/** One finished client request, as access logs and metrics see it. */
export interface RequestRecord {
  time: number;
  requestId: string;
  clientAddress: string;
  method: string;
  host: string;
  path: string;
  status: number;
  bytesIn: number;
  bytesOut: number;
  durationMs: number;
  /** Time spent waiting for and reading the chosen backend's answer. */
  upstreamDurationMs: number;
  pool: string;
  backend: string;
  attempts: number;
  errorKind: string;
  /** Referer and User-Agent request headers ('' when absent), for combined access logs. */
  referer: string;
  userAgent: string;
  /** e.g. '1.1', '2.0'. */
  httpVersion: string;
  /** 'http/1.1', 'http/1.0' or 'h2', as metrics label it. */
  protocol: string;
}

export interface RetryEvent {
  pool: string;
  backend: string;
  reason: string;
}

/** The outcome of one active health check (not a transition; see HealthEvent). */
export interface HealthCheckEvent {
  pool: string;
  backend: string;
  ok: boolean;
  /** e.g. "HTTP 200", "timeout", "connection refused". */
  reason: string;
}

interface EventMap {
  health: [HealthEvent];
  healthCheck: [HealthCheckEvent];
  ejection: [EjectionEvent];
  /** The whole record, built only while something listens (an access log, the dashboard). */
  request: [RequestRecord];
  /**
   * What metrics count of every finished request, as plain arguments: no
   * record is built per request when nothing else listens (RequestRecord
   * says what each one is).
   */
  served: [method: string, status: number, protocol: string, pool: string, backend: string, durationMs: number, errorKind: string];
  retry: [RetryEvent];
}

export class FairwayEvents extends EventEmitter<EventMap> {}
