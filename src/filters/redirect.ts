// The `redirect` middleware: answers with a redirect to the request's own URL
// with the configured parts replaced (scheme, host, port, or the path by a
// regex), unless that is the URL asked for. The settings and the choice of
// status are described in config/sections/middlewares/redirect.ts.
import type { RedirectMiddlewareConfig } from '../config/types.js';
import type { Exchange } from '../exchange/exchange.js';
import { isPlainHost } from '../exchange/https-redirect.js';
import type { Filter, RequestVerdict } from '../exchange/phases.js';
import { hostName } from '../exchange/router.js';

const DEFAULT_PORT = { http: 80, https: 443 } as const;
const ABSOLUTE_URL = /^https?:\/\//i;

/** The port a Host header names, if any. */
function hostPort(hostHeader: string, name: string): number | undefined {
  const rest = hostHeader.slice(name.length);
  if (rest.length < 2 || rest.charCodeAt(0) !== 58 /* : */) return undefined;
  const port = Number(rest.slice(1));
  return Number.isInteger(port) && port > 0 && port < 65536 ? port : undefined;
}

function origin(scheme: 'http' | 'https', host: string, port: number | undefined): string {
  return port === undefined || port === DEFAULT_PORT[scheme] ? `${scheme}://${host}` : `${scheme}://${host}:${port}`;
}

export class Redirect implements Filter {
  private readonly regex: RegExp | undefined;

  constructor(
    readonly name: string,
    private readonly config: RedirectMiddlewareConfig,
  ) {
    this.regex = config.regex === undefined ? undefined : new RegExp(config.regex);
  }

  onRequest(ex: Exchange): RequestVerdict {
    const c = this.config;
    let path = ex.path;
    let replaced: string | undefined;
    if (this.regex !== undefined) {
      if (!this.regex.test(path)) return undefined;
      replaced = path.replace(this.regex, c.replacement!);
      if (!ABSOLUTE_URL.test(replaced)) path = replaced.startsWith('/') ? replaced : `/${replaced}`;
    }
    const hostHeader = ex.head.host ?? '';
    const requestHost = hostName(hostHeader);
    const usable = isPlainHost(requestHost);
    if (!usable && c.host === undefined) {
      return { status: 400, body: 'Bad Request: no usable Host to redirect to\n', reason: 'bad_target' };
    }
    const requestScheme = this.requestScheme(ex);
    const requestPort = usable ? hostPort(hostHeader.toLowerCase(), requestHost) : undefined;
    const here = `${origin(requestScheme, requestHost, requestPort)}${ex.path}`;

    let location: string;
    if (replaced !== undefined && ABSOLUTE_URL.test(replaced)) {
      location = replaced;
    } else {
      const scheme = c.scheme ?? requestScheme;
      const port = c.port ?? (scheme === requestScheme ? requestPort : undefined);
      location = `${origin(scheme, c.host ?? requestHost, port)}${path}`;
    }
    // Already where it would send the client: no redirect, so none can loop.
    if (location === here) return undefined;
    return { status: this.status(ex.method), headers: ['location', location], reason: 'redirect' };
  }

  /** https on a TLS listener, or what a trusted proxy in front of it says the client used. */
  private requestScheme(ex: Exchange): 'http' | 'https' {
    if (ex.downstream.secure) return 'https';
    if (ex.peerTrusted) {
      const proto = ex.header('x-forwarded-proto').trim().toLowerCase();
      if (proto === 'https') return 'https';
    }
    return 'http';
  }

  private status(method: string): number {
    if (this.config.status !== undefined) return this.config.status;
    // GET and HEAD may become GET on 301/302; anything else must keep its method and body.
    const safe = method === 'GET' || method === 'HEAD';
    if (this.config.permanent) return safe ? 301 : 308;
    return safe ? 302 : 307;
  }
}
