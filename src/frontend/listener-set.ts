// Every listener of one fairway, plain and TLS, as one thing the composition
// root opens, reconfigures, describes and closes. Listeners are matched by
// name across reloads: timeouts, TLS settings and certificates apply live;
// an address, a listener added or removed, or TLS switched on or off needs a
// restart (a warning says so, and the listener keeps what it has).
import type { AddressInfo } from 'node:net';
import type { ListenConfig, ListenerConfig, ListenerLimitsConfig } from '../config/types.js';
import { WEB_LISTENER } from '../config/sections/listeners.js';
import type { ExchangeHandler } from '../exchange/serve.js';
import type { Logger } from '../observability/logger.js';
import type { FloodListener } from './http2-sessions.js';
import { Listener } from './listener.js';
import { TlsTermination, type CertificateDescription, type PreparedTls } from './tls-termination.js';

export interface ListenerAddress {
  name: string;
  secure: boolean;
  address: AddressInfo;
}

/** A listener as /lb/stats shows it. */
export interface ListenerDescription {
  name: string;
  host: string;
  /** The port it listens on (the configured one before it listens). */
  port: number;
  secure: boolean;
  redirectToHttps: boolean;
  /** What it speaks, as ALPN names them: ['h2', 'http/1.1'], or ['h2c', 'http/1.1'] for cleartext HTTP/2. */
  protocols: string[];
  /** Listening sockets sharing the address (SO_REUSEPORT), so a burst of new clients is accepted faster; 1 where the runtime cannot. */
  acceptSockets: number;
  tls?: { certificates: CertificateDescription[] };
}

/** One certificate's expiry, for the metric. */
export interface CertificateExpiry {
  listener: string;
  name: string;
  notAfter: Date;
}

export interface PreparedListeners {
  changes: string[];
  warnings: string[];
  commit(): void;
}

interface Entry {
  /** As configured; replaced by reloads (the address stays what it listens on). */
  config: ListenerConfig;
  http: Listener;
  tls: TlsTermination | undefined;
}

const label = (name: string): string => (name === WEB_LISTENER ? 'proxy listener' : `listener ${name}`);

export class Listeners {
  private readonly entries: Entry[] = [];

  /** Loads every TLS listener's certificates; throws a CertificateProblem, opening nothing, if a pair is broken. */
  constructor(
    configs: readonly ListenerConfig[],
    listen: ListenConfig,
    socketIdleMs: number,
    handlerFor: (listener: string) => ExchangeHandler,
    logger: Logger,
  ) {
    const terminations: TlsTermination[] = [];
    try {
      for (const config of configs) {
        const tls = config.tls === undefined ? undefined : new TlsTermination(config, logger);
        if (tls !== undefined) terminations.push(tls);
        const options = { ...listen, host: config.host, port: config.port, limits: config.limits, socketIdleMs, label: label(config.name) };
        const onFlood: FloodListener = (kind, clientAddress) =>
          logger.warn({ listener: config.name, clientAddress, kind }, 'HTTP/2 client went over its allowance; connection closed with ENHANCE_YOUR_CALM');
        this.entries.push({ config, tls, http: new Listener(options, handlerFor(config.name), tls, config.http2, onFlood) });
      }
    } catch (err) {
      // Servers that do not listen hold nothing; the certificate watches do.
      for (const tls of terminations) tls.close();
      throw err;
    }
  }

  /** What routing needs of each running listener: the config in force, or the last it had if a reload dropped it. */
  routed(next?: readonly ListenerConfig[]): { name: string; redirectToHttps?: { port?: number }; middlewares: readonly string[]; limits: ListenerLimitsConfig }[] {
    return this.entries.map((e) => {
      const config = next?.find((n) => n.name === e.config.name) ?? e.config;
      // Only a plain listener redirects (TLS switched on in the file waits for a restart).
      const redirect = e.tls === undefined ? config.redirectToHttps : undefined;
      const { middlewares, limits } = config;
      return redirect === undefined ? { name: e.config.name, middlewares, limits } : { name: e.config.name, redirectToHttps: redirect, middlewares, limits };
    });
  }

  /** Opens them in order; if one fails, closes those already open and rethrows. */
  async listen(): Promise<ListenerAddress[]> {
    const addresses: ListenerAddress[] = [];
    try {
      for (const e of this.entries) addresses.push({ name: e.config.name, secure: e.tls !== undefined, address: await e.http.listen() });
    } catch (err) {
      await this.close(0);
      throw err;
    }
    return addresses;
  }

  /** Timeouts shared by every listener, and each one's HTTP/2 limits; applied live. */
  configure(listen: ListenConfig, socketIdleMs: number): void {
    for (const { http, config } of this.entries) {
      http.http2?.configure(config.http2, { keepAliveTimeoutMs: listen.keepAliveTimeoutMs, socketIdleMs });
      http.configure(listen, socketIdleMs, config.limits);
    }
  }

  /** Loads and checks the certificates `next` names, changing nothing; throws a CertificateProblem. */
  prepare(next: readonly ListenerConfig[]): PreparedListeners {
    const changes: string[] = [];
    const warnings: string[] = [];
    const swaps: PreparedTls[] = [];
    const configs: [Entry, ListenerConfig][] = [];
    for (const e of this.entries) {
      const n = next.find((c) => c.name === e.config.name);
      const running = e.config;
      if (n === undefined) {
        warnings.push(`listener ${running.name} is no longer configured; it keeps serving on ${running.host}:${running.port} until a restart`);
        continue;
      }
      if (n.host !== running.host || n.port !== running.port) {
        warnings.push(`listener ${n.name}: address ${n.host}:${n.port} needs a restart; still on ${running.host}:${running.port}`);
      }
      if ((n.tls === undefined) !== (e.tls === undefined)) {
        warnings.push(`listener ${n.name}: switching TLS ${n.tls === undefined ? 'off' : 'on'} needs a restart`);
        continue;
      }
      if (n.http2.enabled !== running.http2.enabled) {
        warnings.push(`listener ${n.name}: turning HTTP/2 ${n.http2.enabled ? 'on' : 'off'} needs a restart`);
      } else if (JSON.stringify(n.http2) !== JSON.stringify(running.http2)) {
        changes.push(`listener ${n.name}: HTTP/2 limits changed (for connections from now on)`);
      }
      if (e.tls !== undefined) {
        const prepared = e.tls.prepare(n);
        if (prepared.changed) {
          swaps.push(prepared);
          changes.push(`listener ${n.name}: TLS settings or certificates changed`);
        }
      }
      if (JSON.stringify(n.redirectToHttps) !== JSON.stringify(running.redirectToHttps)) changes.push(`listener ${n.name}: redirectToHttps changed`);
      if (JSON.stringify(n.middlewares) !== JSON.stringify(running.middlewares)) changes.push(`listener ${n.name}: middlewares changed`);
      if (JSON.stringify(n.limits) !== JSON.stringify(running.limits)) changes.push(`listener ${n.name}: limits changed`);
      configs.push([e, n]);
    }
    for (const n of next) {
      if (!this.entries.some((e) => e.config.name === n.name)) warnings.push(`listener ${n.name} (${n.host}:${n.port}) needs a restart to open`);
    }
    return {
      changes,
      warnings,
      commit: () => {
        for (const swap of swaps) swap.commit();
        // The address, and whether it speaks HTTP/2, stay what it started with.
        for (const [e, n] of configs) {
          const http2 = n.http2.enabled === e.config.http2.enabled ? n.http2 : { ...n.http2, enabled: e.config.http2.enabled };
          e.config = { ...n, host: e.config.host, port: e.config.port, http2 };
        }
      },
    };
  }

  describe(): ListenerDescription[] {
    return this.entries.map((e) => {
      const address = e.http.server.address();
      const port = address !== null && typeof address === 'object' ? address.port : e.config.port;
      const description: ListenerDescription = {
        name: e.config.name,
        host: e.config.host,
        port,
        secure: e.tls !== undefined,
        redirectToHttps: e.config.redirectToHttps !== undefined,
        protocols: e.http.http2 === undefined ? ['http/1.1'] : [e.tls === undefined ? 'h2c' : 'h2', 'http/1.1'],
        acceptSockets: e.http.acceptSockets.sockets,
      };
      if (e.tls !== undefined) description.tls = { certificates: e.tls.describe() };
      return description;
    });
  }

  certificates(): CertificateExpiry[] {
    return this.entries.flatMap((e) => (e.tls === undefined ? [] : e.tls.certificates.map((c) => ({ listener: e.config.name, name: c.name, notAfter: c.notAfter }))));
  }

  /** Where the dashboard's load tests send their requests: the first plain listener that routes. */
  loadTestAddress(): AddressInfo | string | null {
    const plain = this.entries.find((e) => e.tls === undefined && e.config.redirectToHttps === undefined) ?? this.entries[0]!;
    return plain.http.server.address();
  }

  async close(timeoutMs: number): Promise<void> {
    for (const e of this.entries) e.tls?.close();
    await Promise.all(this.entries.map((e) => e.http.close(timeoutMs)));
  }
}
