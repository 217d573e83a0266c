// What a reload changes, in words, for its answer and its log line. The
// comparison is between what is running — including what the admin API set
// (algorithm, hash key, weights, states, added backends) — and the new config,
// so the list is true even when the file itself did not change. A value the
// API had changed and the file puts back is named "reverted".
import type { BackendConfig, FairwayConfig, PoolConfig } from './config/types.js';
import type { Cluster } from './cluster/cluster.js';

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** `from → to`, marked reverted when the file already had `to` (so the API had changed it). */
function transition(what: string, from: unknown, to: unknown, fileHadIt: boolean): string {
  const show = (v: unknown) => (v === undefined ? 'none' : String(v));
  return `${what} ${fileHadIt ? 'reverted ' : ''}${show(from)} → ${show(to)}`;
}

/** Settings outside the pools that a reload applies live. */
export function configChanges(previous: FairwayConfig, next: FairwayConfig): string[] {
  const changes: string[] = [];
  if (!same(previous.routes, next.routes)) changes.push('routes changed');
  if (!same(previous.middlewares, next.middlewares)) changes.push('middlewares changed');
  if (previous.listen.requestHeaderTimeoutMs !== next.listen.requestHeaderTimeoutMs) changes.push('listen.requestHeaderTimeout changed');
  if (previous.listen.keepAliveTimeoutMs !== next.listen.keepAliveTimeoutMs) changes.push('listen.keepAliveTimeout changed');
  if (previous.listen.abortOnClientClose !== next.listen.abortOnClientClose) changes.push(`listen.abortOnClientClose ${previous.listen.abortOnClientClose} → ${next.listen.abortOnClientClose}`);
  // The token itself is never shown.
  if (previous.admin.token !== next.admin.token) changes.push('admin.token changed');
  if (previous.admin.protectReads !== next.admin.protectReads) changes.push('admin.protectReads changed');
  if (previous.log.level !== next.log.level) changes.push(transition('log.level', previous.log.level, next.log.level, false));
  if (!same(previous.accessLog, next.accessLog)) changes.push('accessLog changed');
  if (previous.shutdownTimeoutMs !== next.shutdownTimeoutMs) changes.push('shutdownTimeout changed');
  if (!same(previous.trustedProxies, next.trustedProxies)) changes.push('trustedProxies changed');
  return changes;
}

const POOL_SETTINGS: readonly [keyof PoolConfig, string][] = [
  ['healthCheck', 'healthCheck'],
  ['timeouts', 'timeouts'],
  ['queue', 'queue'],
  ['outlierDetection', 'outlierDetection'],
  ['retries', 'retries'],
  ['slowStartMs', 'slowStart'],
  ['panicThreshold', 'panicThreshold'],
  ['sticky', 'sticky'],
  ['tls', 'tls'],
];

/** What differs between a running pool and its new config; matched by URL, as the reload does. */
export function poolChanges(pool: Cluster, next: PoolConfig): string[] {
  const changes: string[] = [];
  const file = pool.config;
  const say = (what: string) => changes.push(`pool ${pool.name}: ${what}`);
  if (pool.algorithm !== next.algorithm) say(transition('algorithm', pool.algorithm, next.algorithm, file.algorithm === next.algorithm));
  if (pool.hashKey !== next.hashKey) say(transition('hashKey', pool.hashKey, next.hashKey, file.hashKey === next.hashKey));

  const running = new Map(pool.backends.filter((b) => !b.removing).map((b) => [b.url, b]));
  const inFile = new Map<string, BackendConfig>(file.backends.map((b) => [b.url, b]));
  const wanted = new Set(next.backends.map((b) => b.url));
  for (const config of next.backends) {
    const backend = running.get(config.url);
    if (backend === undefined) {
      say(`backend ${config.id} (${config.url}) added`);
      continue;
    }
    const before = inFile.get(config.url);
    if (backend.id !== config.id) say(`backend ${backend.id} renamed ${config.id}`);
    const name = `backend ${config.id}`;
    if (backend.configWeight !== config.weight) say(transition(`${name} weight`, backend.configWeight, config.weight, before?.weight === config.weight));
    if (backend.state !== config.state) say(transition(`${name} state`, backend.state, config.state, before?.state === config.state));
    if (backend.backup !== config.backup) say(transition(`${name} backup`, backend.backup, config.backup, false));
    if (backend.maxConnections !== config.maxConnections) say(transition(`${name} maxConnections`, backend.maxConnections, config.maxConnections, false));
  }
  for (const backend of running.values()) {
    if (!wanted.has(backend.url)) say(`backend ${backend.id} (${backend.url}) removed`);
  }
  for (const [key, label] of POOL_SETTINGS) {
    if (!same(file[key], next[key])) say(`${label} changed`);
  }
  return changes;
}
