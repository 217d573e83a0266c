// The resolved configuration types, each defined in its section under
// sections/, gathered here so the rest of fairway imports them from one place.
export type { FairwayConfig } from './sections/registry.js';
export type { ListenConfig } from './sections/listen.js';
export type { ListenerConfig, RedirectToHttpsConfig } from './sections/listeners.js';
export type { ClientAuthConfig, HstsConfig, ListenerCertificateConfig, ListenerTlsConfig, TlsVersion } from './sections/listener-tls.js';
export type { AdminConfig } from './sections/admin.js';
export type { LogConfig, LogFormat, LogLevel } from './sections/log.js';
export type { AccessLogConfig, AccessLogFormat } from './sections/access-log.js';
export type { RedisConfig, RedisTarget } from './sections/redis.js';
export type { PoolConfig } from './sections/pools.js';
export type { RouteConfig } from './sections/routes.js';
export type { MiddlewareConfig, MiddlewareKindName } from './sections/middlewares/kind.js';
export type { HeaderChanges, HeaderToSet, HeadersMiddleware, HeadersMiddlewareConfig } from './sections/middlewares/headers.js';
export { ALGORITHMS, type AlgorithmName } from './sections/pool/balancing.js';
export { BACKEND_STATES, type BackendConfig, type BackendState } from './sections/pool/backend.js';
export { HEALTH_CHECK_METHODS, type HealthCheckMethod } from './sections/pool/health-check-fields.js';
export type { HealthCheckConfig } from './sections/pool/health-check.js';
export type { UpstreamTimeouts } from './sections/pool/timeouts.js';
export type { QueueConfig } from './sections/pool/queue.js';
export type { OutlierDetectionConfig } from './sections/pool/outlier-detection.js';
export { RETRY_CONDITIONS, type RetryCondition, type RetryConfig } from './sections/pool/retries.js';
export type { SameSite, StickyConfig } from './sections/pool/sticky.js';
export type { BackendTlsConfig, BackendPemFile } from './sections/pool/tls.js';
