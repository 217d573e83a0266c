// The built-in defaults (the bottom layer of defaults < file < environment <
// flags), gathered for the callers that show or reuse them: the CLI help, the
// admin API and test fixtures. Each is defined, and documented, in its section.
import { ACCESS_LOG_DEFAULTS } from './sections/access-log.js';
import { ADMIN_DEFAULTS } from './sections/admin.js';
import { LISTEN_DEFAULTS } from './sections/listen.js';
import { LOG_DEFAULTS } from './sections/log.js';
import { BACKEND_DEFAULTS } from './sections/pool/backend.js';
import { DEFAULT_ALGORITHM } from './sections/pool/balancing.js';
import { HEALTH_CHECK_DEFAULTS } from './sections/pool/health-check.js';
import { OUTLIER_DETECTION_DEFAULTS } from './sections/pool/outlier-detection.js';
import { PANIC_THRESHOLD_DEFAULT } from './sections/pool/panic-threshold.js';
import { QUEUE_DEFAULTS } from './sections/pool/queue.js';
import { RETRIES_DEFAULTS } from './sections/pool/retries.js';
import { SLOW_START_DEFAULT_MS } from './sections/pool/slow-start.js';
import { STICKY_DEFAULTS } from './sections/pool/sticky.js';
import { TIMEOUTS_DEFAULTS } from './sections/pool/timeouts.js';
import { SHUTDOWN_TIMEOUT_DEFAULT_MS } from './sections/shutdown-timeout.js';

export { DEFAULT_POOL_NAME } from './sections/pools.js';

export const DEFAULTS = {
  listen: LISTEN_DEFAULTS,
  admin: ADMIN_DEFAULTS,
  algorithm: DEFAULT_ALGORITHM,
  healthCheck: HEALTH_CHECK_DEFAULTS,
  timeouts: TIMEOUTS_DEFAULTS,
  backend: BACKEND_DEFAULTS,
  queue: QUEUE_DEFAULTS,
  outlierDetection: OUTLIER_DETECTION_DEFAULTS,
  retries: RETRIES_DEFAULTS,
  slowStartMs: SLOW_START_DEFAULT_MS,
  panicThreshold: PANIC_THRESHOLD_DEFAULT,
  sticky: STICKY_DEFAULTS,
  shutdownTimeoutMs: SHUTDOWN_TIMEOUT_DEFAULT_MS,
  log: LOG_DEFAULTS,
  accessLog: ACCESS_LOG_DEFAULTS,
} as const;
