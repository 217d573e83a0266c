// A cluster is a pool at run time (what HAProxy calls a backend section):
// its members, its algorithm, the set of members eligible for new requests,
// its queue, and the shared state of its resilience (retry budget, outlier
// detector). The eligible list is rebuilt only when something changes
// (health, ejection, state, weight), so the hot path just reads it.
// Membership changes through one call, setMembers(), whoever asks: a
// provider (the config file first), a reload or the admin API.
import type { AlgorithmName, BackendConfig, BackendState, PoolConfig } from '../config/types.js';
import { createAlgorithm, type Balancer, type RequestFacts } from '../balancing/index.js';
import type { Upstream } from '../upstream/upstream.js';
import { OutlierDetector } from '../health/outlier-detector.js';
import { SlowStart } from '../health/slow-start.js';
import { ActiveHealthChecker } from '../health/active-checker.js';
import type { Logger } from '../observability/logger.js';
import type { FairwayEvents } from '../observability/events.js';
import { AdmissionQueue } from './admission-queue.js';
import { RetryBudget } from './retry-budget.js';
import { stickyValue } from './sticky-value.js';
import { Backend } from './backend.js';
import { transportChange, transportFor, useTransport } from './backend-transport.js';
import type { BackendProvider } from './provider.js';

/** Why no backend was handed out. */
export type NoBackend = 'none' | 'busy';

/** A reloaded pool config, built and checked, not yet in force. */
export interface PreparedPoolChange {
  /** Puts it in force; cannot fail. Resolves once removed backends have drained. */
  commit(drainTimeoutMs: number): Promise<void>;
  /** Drops what was built, when another part of the reload failed. */
  discard(): void;
}

/** A member list, built and checked, not yet in force. */
export interface PreparedMembers {
  /** Puts it in force; cannot fail. Resolves once the members that left have drained and closed. */
  commit(drainTimeoutMs: number): Promise<void>;
  /** Drops what was built, when the change goes no further. */
  discard(): void;
}

interface BuiltMembers {
  /** Running members that stay, with their new settings. */
  kept: Map<Backend, BackendConfig>;
  added: Backend[];
  /** New upstreams for kept members whose limits or timeouts changed. */
  transports: Map<Backend, Upstream>;
}

/** createAlgorithm, refusing names it does not know (an unvalidated config may hold any). */
function buildAlgorithm(name: AlgorithmName, hashKey: string | undefined): Balancer<Backend> {
  const balancer = createAlgorithm<Backend>(name, { hashKey }) as Balancer<Backend> | undefined;
  if (balancer === undefined) throw new Error(`"${String(name)}" is not a known algorithm`);
  return balancer;
}

function discardMembers(built: BuiltMembers): void {
  for (const b of built.added) void b.close().catch(() => undefined);
  for (const u of built.transports.values()) void u.destroy().catch(() => undefined);
}

/** URL is a member's identity and id its name: a list that gives either twice cannot be applied. */
function checkDistinct(configs: readonly BackendConfig[]): void {
  const urls = new Set<string>();
  const ids = new Set<string>();
  for (const { url, id } of configs) {
    if (urls.has(url)) throw new Error(`the member list gives the URL ${url} twice`);
    if (ids.has(id)) throw new Error(`the member list gives the backend id "${id}" twice`);
    urls.add(url);
    ids.add(id);
  }
}

export class Cluster {
  readonly name: string;
  /** The settings in force; replaced by a reload. */
  config: PoolConfig;
  /** Every member, leaving ones included until they have drained; replaced (never mutated) when members come or go. */
  backends: Backend[] = [];
  balancer: Balancer<Backend>;
  /** The algorithm and hash key in force: the admin API may set them; a reload goes back to the file. */
  algorithm: AlgorithmName;
  hashKey: string | undefined;
  /** Backends that may take new requests; replaced (never mutated) on change. */
  eligible: Backend[] = [];
  /** True while the eligible set is every enabled backend because too few are healthy. */
  panicking = false;
  private eligibleComputed = false;
  private drainScheduled = false;
  readonly queue: AdmissionQueue;
  /** Shared by every route to this cluster, and kept across reloads. */
  readonly retryBudget: RetryBudget;
  readonly outliers: OutlierDetector<Backend>;
  private readonly slowStart: SlowStart;
  private readonly stickyByValue = new Map<string, Backend>();
  private readonly stickyValueOf = new Map<Backend, string>();
  private checker: ActiveHealthChecker<Backend> | undefined;
  private checking = false;
  /** False until the first member list: that one is the starting membership, at full weight from the start. */
  private membersSet = false;
  private provider: BackendProvider | undefined;
  private closed = false;

  /** Starts with no members: they come through setMembers() (follow() a provider, or a direct call). */
  constructor(
    config: PoolConfig,
    private readonly logger: Logger,
    private readonly events: FairwayEvents,
  ) {
    this.name = config.name;
    this.config = config;
    this.balancer = buildAlgorithm(config.algorithm, config.hashKey);
    this.algorithm = config.algorithm;
    this.hashKey = config.hashKey;
    this.queue = new AdmissionQueue(config.queue.size, config.queue.timeoutMs);
    this.retryBudget = new RetryBudget(config.retries.budgetPercent);
    this.slowStart = new SlowStart(config.slowStartMs, () => this.refreshEligible());
    this.outliers = new OutlierDetector<Backend>(config.outlierDetection, {
      poolSize: () => this.backends.filter((b) => b.state === 'enabled' && !b.backup).length,
      ejectedCount: () => this.backends.reduce((n, b) => n + (b.ejected ? 1 : 0), 0),
      onEject: (backend, reason, until) => {
        this.refreshEligible();
        this.logger.warn({ pool: this.name, backend: backend.id, reason, ejectedForMs: until - Date.now() }, 'backend ejected');
        this.events.emit('ejection', { pool: this.name, backend: backend.id, ejected: true, reason, until });
      },
      onReturn: (backend) => {
        this.slowStart.begin(backend);
        this.refreshEligible();
        this.logger.info({ pool: this.name, backend: backend.id }, 'backend returns from ejection');
        this.events.emit('ejection', { pool: this.name, backend: backend.id, ejected: false, reason: 'ejection time over' });
      },
    });
  }

  /** Sticky cookie values by backend id; rebuilt when members or ids change. */
  private indexSticky(): void {
    this.stickyByValue.clear();
    this.stickyValueOf.clear();
    if (!this.config.sticky) return;
    for (const b of this.backends) {
      const value = stickyValue(this.name, b.id);
      this.stickyByValue.set(value, b);
      this.stickyValueOf.set(b, value);
    }
  }

  // --- active health checks ---

  startHealthChecks(): void {
    this.checking = true;
    if (!this.config.healthCheck.enabled) return;
    this.checker = new ActiveHealthChecker<Backend>(
      this.backends,
      this.config.healthCheck,
      (b, healthy, reason) => this.setHealth(b, healthy, reason),
      (b, { ok, reason }) => this.events.emit('healthCheck', { pool: this.name, backend: b.id, ok, reason }),
      this.config.tls,
    );
    this.checker.start();
  }

  async stopHealthChecks(): Promise<void> {
    this.checking = false;
    const checker = this.checker;
    this.checker = undefined;
    await checker?.stop();
  }

  // --- membership ---

  /**
   * Takes members from `provider`: every list it gives goes through
   * setMembers(), and members that leave drain for up to drainTimeoutMs()
   * (read at each list). close() stops it. A list given at once that cannot
   * be applied throws out of here, as provider.start does.
   */
  follow(provider: BackendProvider, drainTimeoutMs: () => number): void | Promise<void> {
    if (this.provider !== undefined) throw new Error(`pool ${this.name} already follows a provider`);
    this.provider = provider;
    return provider.start((members) => {
      if (this.closed) return;
      void this.setMembers(members, drainTimeoutMs()).catch((err: unknown) =>
        this.logger.error({ pool: this.name, err: (err as Error).message }, 'removing backends failed'),
      );
    });
  }

  /** The member list that keeps the pool as it is (leaving members are not in it). */
  memberConfigs(): BackendConfig[] {
    return this.backends.filter((b) => !b.removing).map((b) => b.toConfig());
  }

  /**
   * Makes `configs` the members: the one call that changes membership.
   * Throws, changing nothing, if a list entry cannot be built; otherwise
   * resolves once the members that left have drained (see prepareMembers).
   */
  setMembers(configs: readonly BackendConfig[], drainTimeoutMs: number): Promise<void> {
    return this.prepareMembers(configs).commit(drainTimeoutMs);
  }

  /**
   * Builds a member list without touching the running pool; commit() then
   * applies it and cannot fail. Members are matched by URL: kept ones keep
   * health, counters and latency averages and take the new id, weight,
   * state, backup and maxConnections (a new transport only when its limit,
   * the timeouts or the TLS settings change); new ones are added (under slow
   * start, health checked, in the sticky index); missing ones leave: no new
   * requests, not even sticky ones, in-flight ones finish up to the drain
   * timeout, then their connections close. Requests in flight keep what they
   * hold.
   */
  prepareMembers(configs: readonly BackendConfig[]): PreparedMembers {
    return this.preparedMembers(this.buildMembers(configs, this.config));
  }

  private preparedMembers(built: BuiltMembers): PreparedMembers {
    return { commit: (drainTimeoutMs) => this.commitMembers(built, drainTimeoutMs), discard: () => discardMembers(built) };
  }

  /** Everything fallible about a member list (its transports), for `pool`'s settings; a throw leaves nothing built. */
  private buildMembers(configs: readonly BackendConfig[], pool: PoolConfig): BuiltMembers {
    const built: BuiltMembers = { kept: new Map(), added: [], transports: new Map() };
    try {
      checkDistinct(configs);
      const initiallyHealthy = !pool.healthCheck.enabled || pool.healthCheck.initialState === 'healthy';
      const byUrl = new Map(this.backends.filter((b) => !b.removing).map((b) => [b.url, b]));
      for (const config of configs) {
        const existing = byUrl.get(config.url);
        if (existing === undefined) {
          built.added.push(new Backend(config, transportFor(config, pool), initiallyHealthy));
          continue;
        }
        built.kept.set(existing, config);
        const transport = transportChange(existing, config, pool);
        if (transport !== undefined) built.transports.set(existing, transport);
      }
      return built;
    } catch (err) {
      discardMembers(built);
      throw err;
    }
  }

  private commitMembers(built: BuiltMembers, drainTimeoutMs: number): Promise<void> {
    const starting = !this.membersSet;
    this.membersSet = true;
    for (const [existing, config] of built.kept) {
      existing.reconfigure(config);
      const transport = built.transports.get(existing);
      if (transport !== undefined) useTransport(existing, transport);
      if (existing.configWeight !== config.weight) this.setWeight(existing, config.weight);
      if (existing.state !== config.state) this.setState(existing, config.state);
    }
    const leaving = this.backends.filter((b) => !built.kept.has(b));
    for (const backend of built.added) this.admit(backend, starting);
    this.indexSticky();
    this.refreshEligible();
    return Promise.all(leaving.map((b) => this.leave(b, drainTimeoutMs))).then(() => undefined);
  }

  /** A new member; it ramps up under slow start, unless it is one of the starting members. */
  private admit(backend: Backend, starting: boolean): void {
    this.backends = [...this.backends, backend];
    this.checker?.add(backend);
    if (starting) return;
    if (backend.state === 'enabled') this.slowStart.begin(backend);
    this.logger.info({ pool: this.name, backend: backend.id, url: backend.url }, 'backend added');
  }

  /**
   * A member leaves: no new requests (not even sticky ones), in-flight
   * requests finish (up to `timeoutMs`), then its connections close.
   */
  private async leave(backend: Backend, timeoutMs: number): Promise<void> {
    if (backend.removing) return;
    backend.removing = true;
    backend.state = 'draining';
    this.slowStart.cancel(backend);
    this.refreshEligible();
    const deadline = Date.now() + timeoutMs;
    while (backend.inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    this.backends = this.backends.filter((b) => b !== backend);
    this.indexSticky();
    this.checker?.remove(backend);
    this.refreshEligible();
    this.logger.info({ pool: this.name, backend: backend.id, url: backend.url }, 'backend removed');
    await backend.close();
  }

  /**
   * Prepares a reloaded pool config without touching the running pool:
   * everything that can fail (the algorithm, the member list's transports)
   * is built here, so a throw leaves the pool as it was. commit() then
   * applies it in place and cannot fail; the file's backends become the
   * members as setMembers() would make them. A reload goes back to the file,
   * so the algorithm, weights, states and members set through the API are
   * reset.
   */
  prepareReconfigure(next: PoolConfig): PreparedPoolChange {
    const algorithmChanged = next.algorithm !== this.algorithm || next.hashKey !== this.hashKey;
    const balancer = algorithmChanged ? buildAlgorithm(next.algorithm, next.hashKey) : undefined;
    const members = this.preparedMembers(this.buildMembers(next.backends, next));
    return {
      commit: (drainTimeoutMs) => this.commitReconfigure(next, balancer, members, drainTimeoutMs),
      discard: () => members.discard(),
    };
  }

  private commitReconfigure(next: PoolConfig, balancer: Balancer<Backend> | undefined, members: PreparedMembers, drainTimeoutMs: number): Promise<void> {
    const previous = this.config;
    this.config = next;
    if (balancer !== undefined) this.useAlgorithm(balancer, next.algorithm, next.hashKey);
    this.queue.configure(next.queue.size, next.queue.timeoutMs);
    this.retryBudget.percent = next.retries.budgetPercent;
    this.outliers.config = next.outlierDetection;
    this.slowStart.windowMs = next.slowStartMs;
    // Checks of https backends verify them with the pool's `tls:` too.
    const healthCheckChanged =
      JSON.stringify(previous.healthCheck) !== JSON.stringify(next.healthCheck) || JSON.stringify(previous.tls) !== JSON.stringify(next.tls);
    if (healthCheckChanged && this.checking) {
      // New check settings: restart the checker (health verdicts are kept).
      void this.stopHealthChecks()
        .then(() => this.startHealthChecks())
        .catch((err: unknown) => this.logger.error({ pool: this.name, err: (err as Error).message }, 'restarting health checks failed'));
    }
    return members.commit(drainTimeoutMs);
  }

  /**
   * Recomputes the eligible set: enabled, weighted, healthy, not ejected
   * primaries; else such backups; or, below panicThreshold, every enabled
   * primary. Logs once when a pool runs out of backends and when it recovers.
   */
  refreshEligible(): void {
    const hadEligible = this.eligible.length > 0;
    // The first computation (at construction) is no recovery: nothing to announce.
    const announce = this.eligibleComputed;
    this.eligibleComputed = true;
    for (const b of this.backends) b.eligible = false;
    const enabled = this.backends.filter((b) => b.state === 'enabled' && b.configWeight > 0);
    const enabledPrimaries = enabled.filter((b) => !b.backup);
    const usable = enabled.filter((b) => b.healthy && !b.ejected);
    let eligible = usable.filter((b) => !b.backup);
    const threshold = this.config.panicThreshold;
    this.panicking =
      threshold > 0 && enabledPrimaries.length > 0 && (eligible.length * 100) / enabledPrimaries.length < threshold;
    if (this.panicking) eligible = enabledPrimaries;
    else if (eligible.length === 0) eligible = usable.filter((b) => b.backup);
    for (let i = 0; i < eligible.length; i++) {
      eligible[i]!.eligible = true;
      eligible[i]!.eligibleIndex = i;
    }
    this.eligible = eligible;

    if (!announce) {
      // start-up: the pool's first eligible set
    } else if (hadEligible && eligible.length === 0) {
      this.logger.error({ pool: this.name }, 'no healthy backend left in pool: answering 503 until one recovers');
    } else if (!hadEligible && eligible.length > 0 && this.backends.length > 0) {
      this.logger.info({ pool: this.name, eligible: eligible.length }, 'pool has an eligible backend again');
    }
    if (eligible.length > 0 && this.queue.length > 0) this.scheduleDrain();
  }

  /**
   * Offers newly eligible capacity to queued requests from a fresh turn of
   * the event loop: a health check, slow-start step, ejection timer or admin
   * call that made a backend eligible must not forward client requests from
   * inside its own call stack (a throw there would be blamed on the checker).
   */
  private scheduleDrain(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    setImmediate(() => {
      this.drainScheduled = false;
      if (this.eligible.length > 0 && this.queue.length > 0) this.queue.drain();
    });
  }

  /**
   * Hands out a backend for this request and counts it in flight, or says
   * why not. `pinned` (a sticky session's backend) wins while it can take
   * the request; `avoid` (the backend a retry failed on) is skipped when
   * another can.
   */
  acquire(facts: RequestFacts, avoid?: Backend, pinned?: Backend): Backend | NoBackend {
    const eligible = this.eligible;
    // Sessions pinned to a draining backend may finish there, as in HAProxy.
    if (pinned !== undefined && pinned !== avoid && pinned.hasCapacity && (pinned.eligible || this.drainingButUsable(pinned))) {
      pinned.inFlight++;
      return pinned;
    }
    if (eligible.length === 0) return 'none';
    let backend = this.balancer.pick(eligible, facts, this.backends);
    if (!backend.hasCapacity || (backend === avoid && eligible.length > 1)) {
      const other = this.nextWithCapacity(eligible, backend, avoid);
      if (other === undefined) return 'busy';
      backend = other;
    }
    backend.inFlight++;
    return backend;
  }

  private drainingButUsable(b: Backend): boolean {
    return b.state === 'draining' && !b.removing && b.healthy && !b.ejected;
  }

  /** The next eligible backend after `from` with room, preferring one that is not `avoid`. */
  private nextWithCapacity(eligible: readonly Backend[], from: Backend, avoid: Backend | undefined): Backend | undefined {
    // Per request when a backend is full: no search for where `from` stands.
    const start = eligible[from.eligibleIndex] === from ? from.eligibleIndex : eligible.indexOf(from);
    let fallback: Backend | undefined;
    for (let i = 1; i <= eligible.length; i++) {
      const b = eligible[(start + i) % eligible.length]!;
      if (!b.hasCapacity) continue;
      if (b !== avoid) return b;
      fallback = b;
    }
    return fallback;
  }

  /** A request on `backend` finished: free its slot and let a queued request have it. */
  release(backend: Backend): void {
    backend.inFlight--;
    if (this.queue.length > 0) this.queue.drain();
  }

  /** The sticky cookie value for a backend, when sticky sessions are on. */
  stickyValueFor(backend: Backend): string | undefined {
    return this.stickyValueOf.get(backend);
  }

  /** The member a sticky cookie value names, if it is still a member. */
  stickyMember(value: string): Backend | undefined {
    return this.stickyByValue.get(value);
  }

  /** Active health checks report here. */
  setHealth(backend: Backend, healthy: boolean, reason: string): void {
    backend.healthy = healthy;
    backend.lastHealthReason = reason;
    if (healthy) this.slowStart.begin(backend);
    else this.slowStart.cancel(backend);
    this.refreshEligible();
    const fields = { pool: this.name, backend: backend.id, url: backend.url, reason };
    if (healthy) this.logger.info(fields, 'backend is healthy again');
    else this.logger.warn(fields, 'backend marked unhealthy');
    this.events.emit('health', { pool: this.name, backend: backend.id, healthy, reason });
  }

  /** Administrative state: draining and disabled take no new requests; in-flight ones finish. */
  setState(backend: Backend, state: BackendState): void {
    if (backend.state === state) return;
    const wasEnabled = backend.state === 'enabled';
    backend.state = state;
    if (state === 'enabled' && !wasEnabled) this.slowStart.begin(backend);
    this.refreshEligible();
    this.logger.info({ pool: this.name, backend: backend.id, state }, 'backend state changed');
  }

  setWeight(backend: Backend, weight: number): void {
    if (backend.configWeight === weight) return;
    this.slowStart.cancel(backend);
    backend.configWeight = weight;
    backend.weight = weight;
    this.refreshEligible();
    this.logger.info({ pool: this.name, backend: backend.id, weight }, 'backend weight changed');
  }

  /**
   * Switches the algorithm (the admin API); without a hash key, the file's is
   * used. Requests in flight keep the backend they have. Throws, changing
   * nothing, on an unknown name or a malformed hash key.
   */
  setAlgorithm(name: AlgorithmName, hashKey?: string): void {
    const key = hashKey ?? this.config.hashKey;
    this.useAlgorithm(buildAlgorithm(name, key), name, key);
  }

  private useAlgorithm(balancer: Balancer<Backend>, name: AlgorithmName, hashKey: string | undefined): void {
    this.balancer = balancer;
    this.algorithm = name;
    this.hashKey = hashKey;
    this.logger.info({ pool: this.name, algorithm: name, ...(hashKey === undefined ? {} : { hashKey }) }, 'algorithm changed');
  }

  findBackend(id: string): Backend | undefined {
    return this.backends.find((b) => b.id === id);
  }

  get healthyCount(): number {
    let n = 0;
    for (const b of this.backends) if (b.healthy) n++;
    return n;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.provider?.stop();
    await this.stopHealthChecks();
    this.outliers.stop();
    this.slowStart.stop();
    this.queue.clear();
    await Promise.all(this.backends.map((b) => b.close()));
  }
}
